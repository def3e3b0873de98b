"""Pipedrive's CSV export of people (Contacts → People → Export), read as one `Person` per row.

Pipedrive names each column ``Person - <field>`` ("Person - Email - Work", "Person - Marketing
status"); a spreadsheet saved again, or a template, may drop the prefix, so both are read.
The file is UTF-8, usually with a byte-order mark, its delimiter a comma (a semicolon or a tab
after Excel in a Finnish locale); dates are ``YYYY-MM-DD``, times ``YYYY-MM-DD HH:MM:SS``. A
cell may hold several addresses or numbers, separated by ", ". Columns not read here (owner,
deal counts, custom fields) are left out: the register stores only what the seed lists.

Every error is one line naming the file, the row (the header is row 1) and the column, never a
cell's content: the cells are people's contact details.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from seula.customers.contact import CustomersError, email, phone_e164

_NAME = ("name",)
_ORGANISATION = ("organization", "organisation", "organization - name")
_POSITION = ("job title", "title", "position")
_EMAILS = ("email", "email - work", "email - home", "email - other")
_PHONES = ("phone", "phone - work", "phone - mobile", "phone - home", "phone - other")
_ADDRESS = ("postal address", "address", "postal address - full/combined address")
_LABEL = ("label", "labels")
_WON_DEALS = ("won deals",)
_MARKETING = ("marketing status",)
_NOTES = ("notes", "note", "sales notes")
_CONTACTED = ("last activity date", "last email received", "last email sent")
_CREATED = ("person created", "add time")
_UPDATED = ("update time",)
_ID = ("id",)

# Pipedrive's marketing statuses; only "Subscribed" is a consent.
_SUBSCRIBED = {"subscribed": True, "unsubscribed": False, "no consent": False, "not subscribed": False,
               "archived": False, "bounced": False, "": False}


Fail = Callable[[str], CustomersError]


@dataclass(frozen=True)
class Person:
    row: int
    fields: dict[str, Any]  # Contact fields, only those the export has a column for
    last_contact: date | None
    crm_id: str | None
    crm_updated: datetime | None


def read_persons(path: Path) -> list[Person]:
    """Every person in a Pipedrive person export; a file that is not one is refused whole."""
    rows = _rows(path)
    columns = _columns(path, rows[0])
    return [_person(path.name, number, columns, dict(zip(rows[0], r + [""] * (len(rows[0]) - len(r)))))
            for number, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]


def _rows(path: Path) -> list[list[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CustomersError(f"{path.name}: cannot read as UTF-8 text ({type(exc).__name__})") from None
    header_line = text.split("\n", 1)[0]
    # The header has no quoted delimiters, unlike the notes below it, so it alone says which one.
    delimiter = max(",;\t", key=header_line.count)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise CustomersError(f"{path.name}: not a readable CSV file") from None
    if not rows or not any(c.strip() for c in rows[0]):
        raise CustomersError(f"{path.name}: no header row")
    return rows


def _key(header: str) -> str:
    key = " ".join(header.split()).casefold()
    return key.removeprefix("person - ")


def _columns(path: Path, header: list[str]) -> dict[str, list[str]]:
    """Which headers of the file hold each of the fields read here, in Pipedrive's order."""
    keys = [_key(h) for h in header]
    if any(k.startswith(("deal - ", "lead - ")) for k in keys):
        raise CustomersError(f"{path.name}: a Pipedrive deal or lead export, not a person export "
                             "(export from Contacts → People)")
    by_key = {k: h for k, h in zip(keys, header)}
    columns = {field: [by_key[k] for k in names if k in by_key] for field, names in {
        "name": _NAME, "first": ("first name",), "last": ("last name",), "organisation": _ORGANISATION,
        "position": _POSITION, "emails": _EMAILS, "phones": _PHONES, "address": _ADDRESS, "label": _LABEL,
        "won": _WON_DEALS, "marketing": _MARKETING, "notes": _NOTES, "contacted": _CONTACTED,
        "created": _CREATED, "updated": _UPDATED, "id": _ID}.items()}
    named = columns["name"] or columns["first"] or columns["last"]
    if not named and not columns["emails"] and not columns["phones"]:
        raise CustomersError(f"{path.name}: not a Pipedrive person export (no Name, Email or Phone column)")
    if not named:
        raise CustomersError(f"{path.name}:1: no Name column (nor First name and Last name)")
    if not columns["emails"] and not columns["phones"]:
        raise CustomersError(f"{path.name}:1: no Email or Phone column")
    return columns


def _person(file: str, number: int, columns: dict[str, list[str]], row: dict[str, str]) -> Person:
    def fail(problem: str) -> CustomersError:
        return CustomersError(f"{file}:{number}: {problem}")

    def first(field: str) -> str | None:
        return row[columns[field][0]].strip() if columns[field] else None

    name = first("name") or " ".join(filter(None, (first("first"), first("last"))))
    if not name:
        raise fail("the person has no name")
    fields: dict[str, Any] = {"name": " ".join(name.split())}
    for field in ("organisation", "position", "address", "notes"):
        if (value := first(field)) is not None:
            fields[field] = value
    if columns["emails"]:
        fields["emails"] = _many(row, columns["emails"], email, "not an e-mail address", fail)
    if columns["phones"]:
        fields["phones"] = _many(row, columns["phones"], phone_e164, "not a phone number", fail)
    if columns["label"] or columns["won"]:
        fields["relationship"] = _relationship(first("label") or "", _count(row, columns["won"], fail))
    if columns["marketing"]:
        status = " ".join((first("marketing") or "").split()).casefold()
        if status not in _SUBSCRIBED:
            raise fail(f"{columns['marketing'][0]}: not a Pipedrive marketing status "
                       "(Subscribed, Unsubscribed, No consent, Archived)")
        fields["marketing_consent"] = _SUBSCRIBED[status]
    # The last contact is the latest activity or e-mail; a person never contacted was last
    # "contacted" when they entered the CRM, which is where the five years then run from.
    contacted, created = _dates(row, columns["contacted"], fail), _dates(row, columns["created"], fail)
    updated = _dates(row, columns["updated"], fail)
    last = contacted or created
    return Person(number, fields, max(last).date() if last else None, first("id") or None,
                  max(updated) if updated else None)


def _many(row: dict[str, str], headers: list[str], clean: Callable[[str], str | None], problem: str,
          fail: Fail) -> list[str]:
    """Every value of these columns, each cleaned, in order, once."""
    out: list[str] = []
    for header in headers:
        for part in row[header].split(","):
            if not part.strip():
                continue
            if (value := clean(part)) is None:
                raise fail(f"{header}: {problem}")
            if value not in out:
                out.append(value)
    return out


def _relationship(label: str, won_deals: int) -> str:
    # Pipedrive's own person labels are Customer, Hot lead, Warm lead and Cold lead; the
    # consultancy adds "Former customer" (or Finnish labels) for a relationship that ended.
    text = label.casefold()
    if "former" in text or "entinen" in text:
        return "former"
    if "customer" in text or "asiakas" in text or won_deals > 0:
        return "customer"
    return "prospect"


def _count(row: dict[str, str], headers: list[str], fail: Fail) -> int:
    if not headers or not row[headers[0]].strip():
        return 0
    try:
        return int(row[headers[0]].strip())
    except ValueError:
        raise fail(f"{headers[0]}: not a whole number") from None


def _dates(row: dict[str, str], headers: list[str], fail: Fail) -> list[datetime]:
    out = []
    for header in headers:
        if text := row[header].strip():
            try:
                out.append(datetime.fromisoformat(text).replace(tzinfo=None))  # Pipedrive's are local times
            except ValueError:
                raise fail(f"{header}: not a date (YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)") from None
    return out
