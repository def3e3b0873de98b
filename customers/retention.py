"""How long the customer and marketing register keeps what, as the seed words it:

    "Tietoja säilytetään asiakkuuden ajan. Tietoja säilytetään markkinointitarkoituksiin
    korkeintaan viiden (5) vuoden ajan."
    (Data are kept for the duration of the customer relationship. Data are kept for marketing
    purposes for at most five (5) years.)

Read here as two purposes, each with its own end:

- Marketing: at most five years, counted from the last contact (each contact renews the
  purpose). On that day the marketing data go: the consent and its date. A prospect is held
  only for marketing (the seed's "uusien asiakkuuksien luominen"), so the whole contact goes.
- The relationship: a customer is kept while the relationship lasts, however long ago the
  last contact was; only its marketing data go after five years. Once the relationship has
  ended (relationship "former"), the contact is kept only while a marketing basis remains: a
  consent given, and the last contact within five years. Otherwise it goes.

Two things stay on purpose. The objection flag stays with a contact that is kept (it is what
stops a later import re-subscribing them; it is not used for marketing). A restricted contact
is left as it is (Art. 18: a restriction is often asked for instead of deletion, or to keep
the data for a legal claim); it is counted, and goes once the restriction is lifted.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from seula.customers.contact import Contact
from seula.customers.store import marketing_kept_until, update


def retention_sweep(home: Path, today: date) -> dict[str, int]:
    """Apply both ends as of ``today``; returns how many contacts were deleted, how many
    lost their marketing data, and how many were due but left because they are restricted."""
    counts = {"contacts deleted": 0, "marketing data deleted": 0, "restricted, left as they are": 0}
    with update(home) as book:
        kept: list[Contact] = []
        for c in book.contacts:
            expired = today >= marketing_kept_until(c)
            ended = c.relationship == "former" and (c.relationship_ended is None or c.relationship_ended <= today)
            goes = (c.relationship == "prospect" and expired) or (ended and (expired or not c.marketing_consent))
            clears = not goes and expired and (c.marketing_consent or c.consent_date is not None)
            if (goes or clears) and c.restricted:
                counts["restricted, left as they are"] += 1
                kept.append(c)
            elif goes:
                counts["contacts deleted"] += 1
            else:
                if clears:
                    c.marketing_consent, c.consent_date = False, None
                    counts["marketing data deleted"] += 1
                kept.append(c)
        book.contacts = kept
    return counts
