"""The customer and marketing register on disk, and every change made to it: imports from the
CRM, edits, and the rights room's operations (find, export, erase, rectify, restrict, object).

``$SEULA_HOME/registers/customers/contacts.json``: every contact, and the next contact id
(ids are never reused, so a request that named an erased contact can never reach a new one).
One JSON file rather than Parquet: the register is a few thousand contacts at most, each with
lists of addresses and numbers, changed a field at a time and never queried in bulk; a
whole-file rewrite under the lock is cheap, and an erasure leaves nothing behind in an older
file. Owner-only, replaced atomically under ``.lock``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from seula.customers.contact import (
    CONTACT_ID, RELATIONSHIPS, Contact, CustomersError, email, name_key, phone_e164,
)
from seula.customers.pipedrive import Person, read_persons
from seula.lake.files import exclusive_lock, read_json, sweep_temps, write_json_atomic

MARKETING_YEARS = 5
EDITABLE: tuple[str, ...] = ("name", "position", "organisation", "phones", "emails", "address", "relationship",
                             "relationship_ended", "notes", "marketing_consent", "last_contact")
RECTIFIABLE: tuple[str, ...] = ("name", "email", "phone", "address", "position", "organisation")
_YES, _NO = {"yes", "y", "true", "1", "on", "kyllä", "k"}, {"no", "n", "false", "0", "off", "ei", "e"}


def folder(home: Path) -> Path:
    return home / "registers" / "customers"


@dataclass
class Book:
    contacts: list[Contact] = field(default_factory=list)
    next_id: int = 1

    def add(self, **fields: Any) -> None:
        self.contacts.append(Contact(id=f"C{self.next_id:05d}", **fields))
        self.next_id += 1


def _read(where: Path) -> Book:
    raw = read_json(where / "contacts.json", {})
    return Book([Contact.model_validate(c) for c in raw.get("contacts", [])], raw.get("next_id", 1))


@contextmanager
def update(home: Path) -> Iterator[Book]:
    """The register, to change and write back whole when the block ends without an error."""
    where = folder(home)
    for level in (where.parent, where):
        level.mkdir(exist_ok=True, parents=True, mode=0o700)
    os.chmod(where, 0o700)  # owner-only even when made by an older version or another umask
    lock = where / ".lock"
    lock.touch(mode=0o600, exist_ok=True)
    with exclusive_lock(lock):
        sweep_temps(where)  # a killed writer's temporary may hold a contact erased since
        book = _read(where)
        yield book
        write_json_atomic({"contacts": [c.model_dump(mode="json") for c in book.contacts],
                           "next_id": book.next_id}, where / "contacts.json")


# --- reading ---------------------------------------------------------------------------------------


def contacts(home: Path) -> list[Contact]:
    """Every contact, the restricted ones too (for the rights room and retention)."""
    return _read(folder(home)).contacts


def listing(home: Path, include_restricted: bool = False, marketing: bool = False) -> list[Contact]:
    """The contacts a list shows: restricted ones only when asked for (Art. 18); with
    ``marketing``, only those who may be sent marketing now (consent, no objection)."""
    return [c for c in contacts(home) if (include_restricted or not c.restricted)
            and not (marketing and (c.restricted or c.objected_marketing or not c.marketing_consent))]


def get(home: Path, contact_id: str) -> Contact:
    return _held(_read(folder(home)), contact_id)


def find(home: Path, email: str | None = None, phone: str | None = None, name: str | None = None) -> list[Contact]:
    """Contacts whose e-mail, phone or name is any of those given (restricted ones too)."""
    wanted_email = (email or "").strip().lower()
    wanted_phone = phone_e164(phone) if phone else None
    wanted_name = name_key(name or "")
    return [c for c in contacts(home)
            if (wanted_email and wanted_email in c.emails) or (wanted_phone and wanted_phone in c.phones)
            or (wanted_name and name_key(c.name) == wanted_name)]


def marketing_kept_until(contact: Contact) -> date:
    """The day the contact's marketing data go: five years after the last contact."""
    d = contact.last_contact
    try:
        return d.replace(year=d.year + MARKETING_YEARS)
    except ValueError:  # 29 February, in a year that has none
        return d.replace(year=d.year + MARKETING_YEARS, day=28)


# --- import ------------------------------------------------------------------------------------


@dataclass
class Imported:
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    restricted: int = 0  # matched a restricted contact, which an import leaves as it is (Art. 18)
    erased: int = 0  # people erased earlier, left out again


def import_file(home: Path, path: Path, today: date | None = None,
                erased: Callable[[list[str], list[str]], bool] = lambda emails, phones: False) -> Imported:
    """Every person of a Pipedrive person export into the register. A person already held
    (same CRM id, e-mail or phone) is updated only from a newer export; importing a file
    twice changes nothing. A file with any bad row is refused whole, before anything is written.
    A person ``erased`` names (by e-mail or phone) is not stored again, only counted."""
    people = read_persons(path)
    day = today or date.today()
    result = Imported(rows=len(people))
    with update(home) as book:
        for person in people:
            held = _match(book.contacts, person)
            if held is None and erased(person.fields.get("emails", []), person.fields.get("phones", [])):
                result.erased += 1
            elif held is None:
                _new(book, person, f"pipedrive import {path.name}", day)
                result.new += 1
            elif held.restricted:
                result.restricted += 1
            elif _merge(held, person, day):
                result.updated += 1
            else:
                result.unchanged += 1
    return result


def _match(held: list[Contact], person: Person) -> Contact | None:
    if person.crm_id:
        for c in held:
            if c.crm_id == person.crm_id:
                return c
    emails, phones = set(person.fields.get("emails", [])), set(person.fields.get("phones", []))
    for c in held:
        if emails & set(c.emails) or phones & set(c.phones):
            return c
    if not (emails or phones or person.crm_id):  # nothing else to go by
        for c in held:
            if name_key(c.name) == name_key(person.fields["name"]):
                return c
    return None


def _new(book: Book, person: Person, source: str, day: date) -> None:
    fields = dict(person.fields)
    if fields.get("marketing_consent"):
        fields["consent_date"] = day  # the day Seula learnt of it; the export carries no consent date
    if fields.get("relationship") == "former":
        fields["relationship_ended"] = day  # likewise
    book.add(**fields, last_contact=person.last_contact or day, source=source, crm_id=person.crm_id,
             crm_updated=person.crm_updated)


def _freshness(updated: datetime | None, last_contact: date) -> datetime:
    return updated or datetime.combine(last_contact, datetime.min.time())


def _merge(held: Contact, person: Person, day: date) -> bool:
    """The newer of the two into ``held``; True when anything changed."""
    before = held.model_dump()
    if person.last_contact and person.last_contact > held.last_contact:
        held.last_contact = person.last_contact
    if _freshness(person.crm_updated, person.last_contact or date.min) > _freshness(held.crm_updated, held.last_contact):
        fields = dict(person.fields)
        if "marketing_consent" in fields:
            # An objection outlives any CRM export: a later import never turns marketing back on.
            _set_consent(held, fields.pop("marketing_consent") and not held.objected_marketing, day)
        if "relationship" in fields:
            _set_relationship(held, fields.pop("relationship"), None, day)
        for name, value in fields.items():
            setattr(held, name, value)
        held.crm_id = person.crm_id or held.crm_id
        held.crm_updated = person.crm_updated or held.crm_updated
    return held.model_dump() != before


def _set_consent(contact: Contact, on: bool, day: date) -> None:
    if contact.marketing_consent != on:
        contact.marketing_consent, contact.consent_date = on, day


def _set_relationship(contact: Contact, relationship: str, ended: date | None, day: date) -> None:
    if relationship == "former":
        if contact.relationship != "former" or ended:
            contact.relationship_ended = ended or day
    else:
        contact.relationship_ended = None
    contact.relationship = relationship  # type: ignore[assignment]  # checked against RELATIONSHIPS


# --- edits -------------------------------------------------------------------------------------


def edit(home: Path, contact_id: str, today: date | None = None, **fields: Any) -> Contact:
    """Change a contact's fields (``EDITABLE``); text values are parsed as the command line
    gives them. A restricted contact is not edited (a rectification request is the way), and a
    contact who objected to marketing cannot be given a consent here."""
    _check_id(contact_id)
    unknown = sorted(set(fields) - set(EDITABLE))
    if unknown:
        raise CustomersError(f"{contact_id}: {', '.join(unknown)} cannot be edited here: only {', '.join(EDITABLE)}"
                             " (restriction and objection are rights requests: seula requests add)")
    day = today or date.today()
    with update(home) as book:
        contact = _held(book, contact_id)
        if contact.restricted:
            raise CustomersError(f"{contact_id} is restricted (Art. 18): correct it through a rectification request")
        parsed = {name: _parse(contact_id, name, value) for name, value in fields.items()}
        _apply(contact, parsed, day)
    return contact


def _apply(contact: Contact, parsed: dict[str, Any], day: date) -> None:
    if "marketing_consent" in parsed:
        if parsed["marketing_consent"] and contact.objected_marketing:
            raise CustomersError(f"{contact.id} objected to marketing: no consent can be recorded for them")
        _set_consent(contact, parsed.pop("marketing_consent"), day)
    ended = parsed.pop("relationship_ended", None)
    relationship = parsed.pop("relationship", contact.relationship)
    if ended and relationship != "former":
        raise CustomersError(f"{contact.id}: relationship_ended needs relationship former")
    _set_relationship(contact, relationship, ended, day)
    for name, value in parsed.items():
        setattr(contact, name, value)


def _parse(contact_id: str, name: str, value: Any) -> Any:
    """``value`` for field ``name``; the error names the field and the contact, never the value."""
    def fail(problem: str) -> CustomersError:
        return CustomersError(f"{contact_id}: {name}: {problem}")

    if name in ("emails", "phones"):
        parts = value if isinstance(value, list) else str(value).split(",")
        clean, problem = (email, "not an e-mail address") if name == "emails" else (phone_e164, "not a phone number")
        out: list[str] = []
        for part in (p for p in parts if p.strip()):
            if (found := clean(part)) is None:
                raise fail(problem)
            if found not in out:
                out.append(found)
        return out
    if name == "marketing_consent":
        if isinstance(value, bool):
            return value
        text = str(value).strip().casefold()
        if text not in _YES | _NO:
            raise fail("say yes or no")
        return text in _YES
    if name in ("last_contact", "relationship_ended"):
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise fail("not a date (YYYY-MM-DD)") from None
    text = " ".join(str(value).split()) if name != "notes" else str(value).strip()
    if name == "relationship" and text not in RELATIONSHIPS:
        raise fail(f"use one of {', '.join(RELATIONSHIPS)}")
    if name == "name" and not text:
        raise fail("cannot be empty")
    return text


# --- the rights room's operations --------------------------------------------------------------


def export(home: Path, contact_ids: list[str]) -> list[dict[str, Any]]:
    """Art. 15: everything held about these contacts, where it came from and how long it is kept."""
    wanted = set(contact_ids)
    return [{**c.model_dump(mode="json"), "marketing_kept_until": marketing_kept_until(c).isoformat()}
            for c in contacts(home) if c.id in wanted]


def erase(home: Path, contact_ids: list[str]) -> int:
    """Remove these contacts from the register for good; returns how many were held."""
    gone = set(contact_ids)
    with update(home) as book:
        before = len(book.contacts)
        book.contacts = [c for c in book.contacts if c.id not in gone]
        return before - len(book.contacts)


def rectify(home: Path, contact_id: str, field: str, value: str) -> None:
    """A corrected detail (``RECTIFIABLE``). A corrected e-mail or phone replaces every one
    held: the person confirmed that one, not the others."""
    _check_id(contact_id)
    if field not in RECTIFIABLE:
        raise CustomersError(f"{contact_id}: a contact's {field!r} cannot be rectified: only {', '.join(RECTIFIABLE)}")
    name = {"email": "emails", "phone": "phones"}.get(field, field)
    parsed = _parse(contact_id, name, value)
    if name in ("emails", "phones") and not parsed:
        raise CustomersError(f"{contact_id}: {field}: give the corrected value")
    with update(home) as book:
        setattr(_held(book, contact_id), name, parsed)


def restrict(home: Path, contact_id: str, on: bool) -> None:
    """A restriction in force (``on``) or lifted: the contact leaves (or rejoins) lists and marketing."""
    with update(home) as book:
        _held(book, contact_id).restricted = on


def object_marketing(home: Path, contact_id: str, today: date | None = None) -> None:
    """An objection to marketing (HetiL 30 §, Art. 21(2)): consent off for good, kept on record."""
    with update(home) as book:
        contact = _held(book, contact_id)
        _set_consent(contact, False, today or date.today())
        contact.objected_marketing = True


def _check_id(contact_id: str) -> None:
    if not CONTACT_ID.match(contact_id):  # not echoed: a mistyped id may be someone's address
        raise CustomersError("not a contact id (C and five digits, e.g. C00001)")


def _held(book: Book, contact_id: str) -> Contact:
    _check_id(contact_id)
    for c in book.contacts:
        if c.id == contact_id:
            return c
    raise CustomersError(f"no contact {contact_id} in the customer register")
