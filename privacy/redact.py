"""Turning a text and its findings into the text that may be stored."""

from __future__ import annotations

import re
from collections.abc import Callable

from seula.privacy.detect import Finding
from seula.privacy.text import replace_handles, replace_url_ids

PLACEHOLDERS = {
    "EMAIL_ADDRESS": "<EMAIL>", "PHONE_NUMBER": "<PHONE>", "FI_PERSONAL_IDENTITY_CODE": "<HETU>",
    "IBAN_CODE": "<IBAN>", "CREDIT_CARD": "<CARD>", "IP_ADDRESS": "<IP>",
}
PLACEHOLDER = re.compile("|".join(re.escape(p) for p in [*PLACEHOLDERS.values(), "<URL>"]))


def redact(
    text: str,
    findings: list[Finding],
    handle_pid: Callable[[str], str | None],
    name_pid: Callable[[str], str | None],
) -> str:
    """Contact details and identifiers become placeholders; people become pseudonyms.

    ``handle_pid``/``name_pid`` give the pseudonym for a handle or a name, or None to keep
    it (publishable people). URLs stay unless they carry an e-mail address; profile links,
    and user numbers in a link's query, get the same handle treatment as mentions. Overlapping findings: the earlier, then
    longer, one wins.
    """
    out: list[str] = []
    cursor = 0
    # "@Patriots....thoughts": a URL that begins right after an @ is the rest of a handle, not a link
    findings = [f for f in findings if not (f.entity_type == "URL" and text[f.start - 1 : f.start] == "@")]
    for f in sorted(findings, key=lambda f: (f.start, -f.end)):
        if f.start < cursor:
            continue
        span = text[f.start : f.end]
        if f.entity_type in PLACEHOLDERS:
            new = PLACEHOLDERS[f.entity_type]
        elif f.entity_type == "URL":
            new = "<URL>" if "@" in span or span.lower().startswith("mailto:") else replace_handles(span, handle_pid)
        elif f.entity_type == "PERSON":
            new = name_pid(span) or span
        else:
            continue  # mentions and parties: handled below / kept
        out += [replace_handles(text[cursor : f.start], handle_pid), new]
        cursor = f.end
    out.append(replace_handles(text[cursor:], handle_pid))
    return replace_url_ids("".join(out), handle_pid)


def scrub(text: str) -> str:
    """Free text that staff type about a person (a request's note, a corrected profile text):
    contact details and identity codes become placeholders, handles ``@<HANDLE>``, names ``<NAME>``."""
    from seula.privacy.analyzer import shared_analyzer
    from seula.privacy.detect import Detector
    from seula.privacy.gazetteer import Gazetteer

    findings = Detector(shared_analyzer(Gazetteer.from_names([]))).analyze_batch([text], ["fi"])[0]
    return redact(text, findings, lambda handle: "<HANDLE>", lambda name: "<NAME>")
