"""The survey participants and customer registers, as the rights room sees them: whom in them a
request names, by e-mail, phone or name (they hold no platform handles), and each right
carried out there. Targets are kept as each register's own keys (a survey's keyed
respondent pseudonyms, the customer register's contact ids), resolved once and grown, never
replaced, exactly as for the engagements' lakes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import seula.customers.store as customer_register
from seula.survey import store as survey_register

Found = dict[str, Any]  # {"survey": {survey id: [respondent pseudonyms]}, "customers": [contact ids]}
CONTACT_FIELDS = ("name", "email", "phone", "address")  # what both registers can rectify


def find(home: Path, email: str | None, phone: str | None, name: str | None) -> Found:
    if not (email or phone or name):
        return {}
    return {"survey": survey_register.find(home, email=email, phone=phone, name=name),
            "customers": sorted(c.id for c in customer_register.find(home, email=email, phone=phone, name=name))}


def merge(a: Found, b: Found) -> Found:
    surveys = {s: sorted(set(a.get("survey", {}).get(s, [])) | set(b.get("survey", {}).get(s, [])))
               for s in sorted(a.get("survey", {}).keys() | b.get("survey", {}).keys())}
    return {"survey": surveys, "customers": sorted(set(a.get("customers", [])) | set(b.get("customers", [])))}


def contact_details(home: Path, found: Found, email: str | None, phone: str | None) -> tuple[set[str], set[str]]:
    """Every e-mail address and phone number (lower-case, E.164) held of the person, and those
    the request named: what an erasure keeps, as keyed hashes, so no import brings them back."""
    emails = {email.strip().lower()} if email else set()
    phones = {p} if (p := survey_register.phone_e164(phone)) else set()
    held = set(survey_register.surveys(home))
    for s, pids in found.get("survey", {}).items():
        if s in held:
            wanted = set(pids)
            for c in survey_register.contacts(home, s).to_pylist():
                if c["respondent"] in wanted:
                    emails |= {c["email"]} if c["email"] else set()
                    phones |= {c["phone"]} if c["phone"] else set()
    ids = set(found.get("customers", []))
    for c in customer_register.contacts(home):
        if c.id in ids:
            emails |= set(c.emails)
            phones |= set(c.phones)
    return emails, phones


def erase(home: Path, found: Found) -> dict[str, int]:
    held = set(survey_register.surveys(home))
    removed = {"survey rows": survey_register.erase(home, {s: p for s, p in found.get("survey", {}).items() if s in held})}
    removed["customer contacts"] = customer_register.erase(home, found.get("customers", []))
    return removed


def remaining(home: Path, found: Found, email: str | None, phone: str | None, name: str | None) -> dict[str, int]:
    """The erasure's postcondition in these registers: none of its targets stored, and nobody
    found again by what the request named (a later import may have added them anew)."""
    left: dict[str, int] = {}
    for s, pids in found.get("survey", {}).items():
        if s not in survey_register.surveys(home):
            continue  # deleted since (retention): nothing left of anyone
        wanted = set(pids)
        n = sum(r in wanted for r in survey_register.contacts(home, s)["respondent"].to_pylist())
        n += sum(r in wanted for r in survey_register.answers_all(home, s)["respondent"].to_pylist())
        if n:
            left[f"survey {s}"] = n
    ids = set(found.get("customers", []))
    if n := sum(c.id in ids for c in customer_register.listing(home, include_restricted=True)):
        left["customer contacts"] = n
    again = find(home, email, phone, name)
    if again.get("survey") or again.get("customers"):
        left["found again by the request's identity"] = len(again["customers"]) + sum(map(len, again["survey"].values()))
    return left


def records(home: Path, found: Found) -> dict[str, Any]:
    """Art. 15: everything both registers hold about the person."""
    held = set(survey_register.surveys(home))
    return {"survey_participants_register": survey_register.records(
                home, {s: p for s, p in found.get("survey", {}).items() if s in held}),
            "customer_and_marketing_register": customer_register.export(home, found.get("customers", []))}


def enforce(home: Path, restricted: Found, objected: Found) -> None:
    """Restrictions and objections in force, as they are now: the restricted and objecting
    respondents leave every survey table and export; restricted contacts leave the customer
    lists and marketing; an objecting contact's marketing ends for good."""
    for s in survey_register.surveys(home):
        wanted = set(restricted.get("survey", {}).get(s, [])) | set(objected.get("survey", {}).get(s, []))
        now = survey_register.excluded(home, s)
        if wanted != now:
            survey_register.exclude(home, {s: sorted(now - wanted)}, on=False)
            survey_register.exclude(home, {s: sorted(wanted - now)}, on=True)
    held = {c.id: c for c in customer_register.listing(home, include_restricted=True)}
    for cid, contact in held.items():
        should = cid in set(restricted.get("customers", []))
        if contact.restricted != should:
            customer_register.restrict(home, cid, should)
        if cid in set(objected.get("customers", [])) and not contact.objected_marketing:
            customer_register.object_marketing(home, cid)


def rectify(home: Path, found: Found, field: str, value: str) -> int:
    """A corrected contact detail in both registers; returns the records changed."""
    changed = 0
    if field in CONTACT_FIELDS:
        held = set(survey_register.surveys(home))
        changed += survey_register.rectify(home, {s: p for s, p in found.get("survey", {}).items() if s in held},
                                           field, value)
    for cid in found.get("customers", []) if field in customer_register.RECTIFIABLE else ():
        customer_register.rectify(home, cid, field, value)
        changed += 1
    return changed


def export_refs(found: Found) -> list[tuple[str, str]]:
    """(export-log scope, pseudonym) pairs under which exports name these people."""
    return [(f"survey/{s}", p) for s, pids in found.get("survey", {}).items() for p in pids]
