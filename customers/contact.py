"""A contact of the customer and marketing register, and the one way each detail is written
(phones in E.164, e-mail addresses lower-case), so lookups and imports compare like with like."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

import phonenumbers
from pydantic import BaseModel, ConfigDict

RELATIONSHIPS: tuple[str, ...] = ("customer", "prospect", "former")
CONTACT_ID = re.compile(r"^C\d{5,}$")
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


class CustomersError(ValueError):
    """One line naming the file and row, or the contact id and field; never a person's data."""


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    position: str = ""
    organisation: str = ""
    phones: list[str] = []
    emails: list[str] = []
    address: str = ""
    relationship: Literal["customer", "prospect", "former"] = "prospect"
    relationship_ended: date | None = None
    notes: str = ""  # sales-negotiation notes
    marketing_consent: bool = False
    consent_date: date | None = None  # when the consent was last given or withdrawn
    last_contact: date
    source: str  # "pipedrive import <file>" or "manual" (Art. 14(2)(f), Art. 15(1)(g))
    restricted: bool = False
    objected_marketing: bool = False  # kept, so no later import turns marketing back on
    crm_id: str | None = None  # the CRM's own person id: the same person in a later export
    crm_updated: datetime | None = None  # the CRM's last change: an older export never overwrites a newer one


def email(value: str) -> str | None:
    """``value`` as a stored e-mail address, or None when it is not one."""
    text = value.strip().lower()
    return text if _EMAIL.match(text) else None


def phone_e164(value: str) -> str | None:
    """``value`` in E.164 (Finnish when written without a country code), or None when it is
    not a possible phone number."""
    try:
        parsed = phonenumbers.parse(value, "FI")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def name_key(value: str) -> str:
    return " ".join(value.split()).casefold()
