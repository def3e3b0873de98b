"""The customer and marketing register (issue 14), tried on a Pipedrive person export as it
arrives (BOM, "Person - " headers, several addresses in a cell) and its common variants: found
by e-mail, phone or name; erased without a byte left; exported whole; rectified, restricted,
objected to for good; swept five years after the last contact with a frozen clock."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
from datetime import date
from pathlib import Path

import pytest

from seula.customers import store
from seula.customers.contact import Contact, CustomersError
from seula.customers.retention import retention_sweep

SAMPLE = Path(__file__).parent / "data" / "pipedrive" / "pipedrive_persons.csv"
DAY = date(2026, 11, 10)


def sample_rows() -> tuple[list[str], list[dict[str, str]]]:
    with open(SAMPLE, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write(path: Path, header: list[str], rows: list[dict[str, str]], delimiter: str = ",",
          bom: bool = True) -> Path:
    out = io.StringIO()
    writer = csv.DictWriter(out, header, delimiter=delimiter, lineterminator="\r\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8-sig" if bom else "utf-8", newline="")
    return path


def imported(home: Path) -> store.Imported:
    return store.import_file(home, SAMPLE, DAY)


def one(home: Path, email: str) -> Contact:
    [contact] = store.find(home, email=email)
    return contact


def one_line(exc: pytest.ExceptionInfo[CustomersError]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


# --- import ----------------------------------------------------------------------------------


def test_the_sample_imports_every_person_with_details_written_one_way(home: Path) -> None:
    assert imported(home) == store.Imported(rows=20, new=20)
    held = store.contacts(home)
    assert [c.id for c in held] == [f"C{n:05d}" for n in range(1, 21)]
    liisa = one(home, "liisa.korhonen@example.fi")
    assert liisa.emails == ["liisa.korhonen@example.fi", "liisa.k@example.com"]  # lower-cased, split on ", "
    assert liisa.phones == ["+358400000103", "+358900000103"]
    assert liisa.notes == "Kysyi alennusta,\nsovittu 10 % kevään paketista."
    assert (liisa.relationship, liisa.marketing_consent, liisa.consent_date) == ("customer", True, DAY)
    assert liisa.source == "pipedrive import pipedrive_persons.csv"
    assert liisa.crm_id == "103"
    assert all(p.startswith("+358") and p[1:].isdigit() for c in held for p in c.phones)
    aino = one(home, "aino.virtanen@example.fi")
    assert (aino.position, aino.organisation) == ("Markkinointijohtaja", "Esimerkki Oy")
    assert aino.address == "Esimerkkikatu 1 A 2, 00100 Helsinki, Finland"
    assert aino.last_contact == date(2026, 9, 20)  # the last e-mail received, after the last activity
    assert one(home, "matti.jarvinen@example.fi").last_contact == date(2022, 5, 5)  # never contacted: created
    by_label = {c.name: c.relationship for c in held}
    assert by_label["Juha Mäkinen"] == "prospect"  # Hot lead
    assert by_label["Mikael Nieminen"] == "former"  # Former customer
    assert by_label["Iida Räsänen"] == "prospect"  # no label, no won deals
    assert one(home, "mikael.nieminen@example.fi").relationship_ended == DAY
    assert sum(c.marketing_consent for c in held) == 10  # "Subscribed" only
    # Columns the register does not keep are not stored at all.
    raw = (store.folder(home) / "contacts.json").read_text()
    assert "Mikko Myyj" not in raw and "example.com/in/liisa" not in raw and "Entire company" not in raw


def test_importing_the_same_file_twice_changes_nothing(home: Path) -> None:
    imported(home)
    before = (store.folder(home) / "contacts.json").read_bytes()
    assert store.import_file(home, SAMPLE, date(2026, 12, 1)) == store.Imported(rows=20, unchanged=20)
    assert (store.folder(home) / "contacts.json").read_bytes() == before


def test_semicolons_no_bom_bare_headers_and_times_read_the_same(home: Path, tmp_path: Path) -> None:
    header, rows = sample_rows()
    bare = [h.removeprefix("Person - ") for h in header]
    for r in rows:
        if r["Person - Last activity date"]:
            r["Person - Last activity date"] += " 12:00:00"
    variant = write(tmp_path / "excel.csv", bare, [dict(zip(bare, r.values())) for r in rows], ";", bom=False)
    imported(home)
    other = tmp_path / "other-home"
    assert store.import_file(other, variant, DAY).new == 20

    def seen(h: Path) -> list[tuple]:
        return [(c.name, c.emails, c.phones, c.last_contact, c.relationship, c.marketing_consent, c.notes)
                for c in store.contacts(h)]
    assert seen(other) == seen(home)


def test_a_later_export_updates_and_an_older_one_does_not(home: Path, tmp_path: Path) -> None:
    imported(home)
    header, rows = sample_rows()
    aino = rows[0]
    newer = {**aino, "Person - Job title": "Toimitusjohtaja", "Person - Last activity date": "2026-11-05",
             "Person - Update time": "2026-11-05 09:00:00", "Person - Email - Work": "AINO@EXAMPLE.FI"}
    result = store.import_file(home, write(tmp_path / "newer.csv", header, [newer]), DAY)
    assert (result.updated, result.new) == (1, 0)  # matched by the CRM id though the address changed
    [held] = store.find(home, name="Aino Virtanen")
    assert (held.position, held.emails, held.last_contact) == ("Toimitusjohtaja", ["aino@example.fi"], date(2026, 11, 5))
    older = {**aino, "Person - Job title": "Harjoittelija", "Person - Update time": "2020-01-01 00:00:00"}
    assert store.import_file(home, write(tmp_path / "older.csv", header, [older]), DAY).unchanged == 1
    assert store.get(home, held.id).position == "Toimitusjohtaja"


def test_a_file_that_is_not_a_person_export_is_refused_in_one_line(home: Path, tmp_path: Path) -> None:
    organisations = tmp_path / "organizations.csv"
    organisations.write_text("Organization - Name,Organization - Address,Organization - People\n"
                             "Esimerkki Oy,Esimerkkikatu 1,3\n", encoding="utf-8")
    with pytest.raises(CustomersError) as exc:
        store.import_file(home, organisations, DAY)
    assert one_line(exc) == "organizations.csv: not a Pipedrive person export (no Name, Email or Phone column)"
    deals = tmp_path / "deals.csv"
    deals.write_text("Deal - Title,Deal - Value,Person - Name,Person - Email - Work\nX,100,Aino,a@example.fi\n")
    with pytest.raises(CustomersError) as exc:
        store.import_file(home, deals, DAY)
    assert one_line(exc).startswith("deals.csv: a Pipedrive deal or lead export, not a person export")
    assert not (store.folder(home) / "contacts.json").exists()


@pytest.mark.parametrize(("column", "value", "problem"), [
    ("Person - Last activity date", "14.9.2026", "4: Person - Last activity date: not a date"),
    ("Person - Update time", "2026-13-01 10:00:00", "4: Person - Update time: not a date"),
    ("Person - Phone - Mobile", "soita Liisalle", "4: Person - Phone - Mobile: not a phone number"),
    ("Person - Email - Work", "liisa.korhonen(at)example.fi", "4: Person - Email - Work: not an e-mail address"),
    ("Person - Marketing status", "Liisa says yes", "4: Person - Marketing status: not a Pipedrive marketing status"),
    ("Person - Name", "", "4: the person has no name"),
])
def test_a_broken_row_names_file_row_and_column_never_the_person(home: Path, tmp_path: Path, column: str,
                                                                  value: str, problem: str) -> None:
    header, rows = sample_rows()
    rows[2][column] = value  # Liisa Korhonen, row 4 (the header is row 1)
    if column == "Person - Name":
        rows[2]["Person - First name"] = rows[2]["Person - Last name"] = ""
    with pytest.raises(CustomersError) as exc:
        store.import_file(home, write(tmp_path / "broken.csv", header, rows), DAY)
    message = one_line(exc)
    assert message.startswith(f"broken.csv:{problem}")
    for personal in ("Liisa", "Korhonen", "example.fi", value or "Liisa"):
        assert personal not in message
    assert not (store.folder(home) / "contacts.json").exists()  # refused whole


def test_a_missing_required_column_names_the_file_and_the_header_row(home: Path, tmp_path: Path) -> None:
    header, rows = sample_rows()
    no_names = [h for h in header if h not in ("Person - Name", "Person - First name", "Person - Last name")]
    with pytest.raises(CustomersError) as exc:
        store.import_file(home, write(tmp_path / "nameless.csv", no_names, rows), DAY)
    assert one_line(exc) == "nameless.csv:1: no Name column (nor First name and Last name)"
    no_contacts = [h for h in header if "Email" not in h and "Phone" not in h]
    with pytest.raises(CustomersError) as exc:
        store.import_file(home, write(tmp_path / "unreachable.csv", no_contacts, rows), DAY)
    assert one_line(exc) == "unreachable.csv:1: no Email or Phone column"


# --- finding a person --------------------------------------------------------------------------


def test_a_person_is_found_by_email_phone_or_name(home: Path) -> None:
    imported(home)
    liisa = one(home, "Liisa.K@EXAMPLE.com ")
    assert [c.id for c in store.find(home, phone="040 000 0103")] == [liisa.id]
    assert [c.id for c in store.find(home, phone="+358 9 0000 0103")] == [liisa.id]
    assert [c.id for c in store.find(home, name="  liisa   KORHONEN ")] == [liisa.id]
    assert store.find(home, email="nobody@example.fi", phone="not a number", name="Nobody") == []
    assert store.find(home) == []


# --- the rights room's operations --------------------------------------------------------------


def test_erasure_by_email_leaves_no_byte_of_the_person_in_the_register(home: Path) -> None:
    imported(home)
    liisa = one(home, "liisa.korhonen@example.fi")
    assert store.erase(home, [c.id for c in store.find(home, email="liisa.korhonen@example.fi")]) == 1
    assert store.find(home, email="liisa.k@example.com", phone="040 000 0103", name="Liisa Korhonen") == []
    assert len(store.contacts(home)) == 19
    needles = [liisa.name, *liisa.emails, *liisa.phones, liisa.position, "alennusta", "Korhonen", "0000103"]
    files = [p for p in store.folder(home).rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            for form in (needle.encode(), json.dumps(needle)[1:-1].encode()):  # as UTF-8 and as JSON escapes
                assert form not in data, path.name
    assert store.erase(home, [liisa.id]) == 0  # already gone: nothing to do
    assert store.import_file(home, SAMPLE, DAY).new == 1  # ids are never reused
    assert one(home, "liisa.korhonen@example.fi").id == "C00021"


def test_an_access_export_by_email_holds_everything_held(home: Path) -> None:
    imported(home)
    ids = [c.id for c in store.find(home, email="LIISA.KORHONEN@example.fi")]
    [record] = store.export(home, ids)
    assert set(Contact.model_fields) <= set(record)
    assert record["name"] == "Liisa Korhonen"
    assert record["emails"] == ["liisa.korhonen@example.fi", "liisa.k@example.com"]
    assert record["phones"] == ["+358400000103", "+358900000103"]
    assert record["notes"].startswith("Kysyi alennusta")
    assert record["source"] == "pipedrive import pipedrive_persons.csv"
    assert record["last_contact"] == "2025-06-02" and record["marketing_kept_until"] == "2030-06-02"
    json.dumps(record)  # goes into access.json as it is
    assert store.export(home, []) == []


def test_rectification_replaces_the_detail_written_one_way(home: Path) -> None:
    imported(home)
    liisa = one(home, "liisa.korhonen@example.fi")
    store.rectify(home, liisa.id, "email", " Liisa.Korhonen@Example.COM")
    store.rectify(home, liisa.id, "phone", "050 000 0999")
    store.rectify(home, liisa.id, "position", "Viestintäjohtaja")
    held = store.get(home, liisa.id)
    assert (held.emails, held.phones, held.position) == (["liisa.korhonen@example.com"], ["+358500000999"],
                                                          "Viestintäjohtaja")
    with pytest.raises(CustomersError) as exc:
        store.rectify(home, liisa.id, "phone", "soita Liisalle")
    assert one_line(exc) == f"{liisa.id}: phones: not a phone number"
    with pytest.raises(CustomersError) as exc:
        store.rectify(home, liisa.id, "description", "x")
    assert "cannot be rectified" in one_line(exc)


def test_a_restricted_contact_leaves_lists_and_marketing_and_imports_leave_it_alone(home: Path) -> None:
    imported(home)
    aino = one(home, "aino.virtanen@example.fi")
    assert aino in store.listing(home, marketing=True)
    store.restrict(home, aino.id, True)
    assert aino.id not in {c.id for c in store.listing(home)}
    assert aino.id not in {c.id for c in store.listing(home, marketing=True)}
    assert aino.id in {c.id for c in store.listing(home, include_restricted=True)}
    assert store.find(home, email="aino.virtanen@example.fi")[0].restricted  # the rights room still finds them
    assert store.import_file(home, SAMPLE, DAY).restricted == 1
    with pytest.raises(CustomersError) as exc:
        store.edit(home, aino.id, position="Harjoittelija")
    assert one_line(exc) == f"{aino.id} is restricted (Art. 18): correct it through a rectification request"
    store.rectify(home, aino.id, "position", "Toimitusjohtaja")  # a rectification still reaches them
    store.restrict(home, aino.id, False)
    assert aino.id in {c.id for c in store.listing(home)}


def test_an_objection_survives_a_later_import(home: Path, tmp_path: Path) -> None:
    imported(home)
    aino = one(home, "aino.virtanen@example.fi")
    store.object_marketing(home, aino.id, today=DAY)
    held = store.get(home, aino.id)
    assert (held.marketing_consent, held.objected_marketing, held.consent_date) == (False, True, DAY)
    header, rows = sample_rows()
    newer = {**rows[0], "Person - Marketing status": "Subscribed", "Person - Update time": "2026-11-09 10:00:00",
             "Person - Job title": "Toimitusjohtaja"}
    assert store.import_file(home, write(tmp_path / "newer.csv", header, [newer]), DAY).updated == 1
    held = store.get(home, aino.id)
    assert (held.position, held.marketing_consent, held.objected_marketing) == ("Toimitusjohtaja", False, True)
    assert aino.id not in {c.id for c in store.listing(home, marketing=True)}
    with pytest.raises(CustomersError) as exc:
        store.edit(home, aino.id, marketing_consent="yes")
    assert one_line(exc) == f"{aino.id} objected to marketing: no consent can be recorded for them"


# --- edits --------------------------------------------------------------------------------------


def test_edits_are_validated_and_name_only_the_field_and_the_contact(home: Path) -> None:
    imported(home)
    juha = one(home, "juha.makinen@example.com")
    held = store.edit(home, juha.id, today=DAY, phones="040 000 0102, +358 50 000 0202", relationship="customer",
                      notes="Tilaus vahvistettu.", marketing_consent="kyllä", last_contact="2026-11-09")
    assert held.phones == ["+358400000102", "+358500000202"]
    assert (held.relationship, held.marketing_consent, held.consent_date) == ("customer", True, DAY)
    assert store.get(home, juha.id) == held
    ended = store.edit(home, juha.id, today=date(2026, 12, 31), relationship="former")
    assert ended.relationship_ended == date(2026, 12, 31)
    assert store.edit(home, juha.id, relationship="prospect").relationship_ended is None
    for fields, message in [
        ({"restricted": "no"}, f"{juha.id}: restricted cannot be edited here"),
        ({"last_contact": "9.11.2026"}, f"{juha.id}: last_contact: not a date (YYYY-MM-DD)"),
        ({"emails": "juha.makinen at example.com"}, f"{juha.id}: emails: not an e-mail address"),
        ({"relationship": "friend"}, f"{juha.id}: relationship: use one of customer, prospect, former"),
        ({"marketing_consent": "maybe"}, f"{juha.id}: marketing_consent: say yes or no"),
        ({"relationship_ended": "2026-01-01"}, f"{juha.id}: relationship_ended needs relationship former"),
        ({"name": "  "}, f"{juha.id}: name: cannot be empty"),
    ]:
        with pytest.raises(CustomersError) as exc:
            store.edit(home, juha.id, **fields)
        assert one_line(exc).startswith(message)
        assert "example.com" not in str(exc.value) and "9.11.2026" not in str(exc.value)
    with pytest.raises(CustomersError) as exc:
        store.get(home, "juha.makinen@example.com")
    assert "juha" not in one_line(exc)
    with pytest.raises(CustomersError):
        store.get(home, "C09999")


# --- retention ----------------------------------------------------------------------------------


def names(home: Path) -> set[str]:
    return {c.name for c in store.contacts(home)}


def test_retention_five_years_after_the_last_contact_and_after_the_relationship(home: Path) -> None:
    store.import_file(home, SAMPLE, date(2025, 11, 1))  # the day the former customer's end was learnt
    store.restrict(home, one(home, "oliver.pitkanen@example.fi").id, True)  # prospect, last contact 2021-02-02
    # A former customer without consent has no basis left: gone at the first sweep.
    assert retention_sweep(home, date(2025, 11, 2)) == {
        "contacts deleted": 1, "marketing data deleted": 0, "restricted, left as they are": 0}
    assert "Mikael Nieminen" not in names(home) and "Emma Laine" in names(home)
    # A prospect goes on the day five years after the last contact (2020-11-03).
    assert retention_sweep(home, date(2025, 11, 3))["contacts deleted"] == 1
    assert "Emma Laine" not in names(home)
    # A restricted prospect past its five years is left as it is, and counted.
    assert retention_sweep(home, date(2026, 2, 2)) == {
        "contacts deleted": 0, "marketing data deleted": 0, "restricted, left as they are": 1}
    assert "Oliver Pitkänen" in names(home)
    # A customer is kept for the relationship; its marketing consent goes after five years (2025-06-02).
    liisa = one(home, "liisa.korhonen@example.fi")
    retention_sweep(home, date(2030, 6, 1))
    assert store.get(home, liisa.id).marketing_consent
    counts = retention_sweep(home, date(2030, 6, 2))
    kept = store.get(home, liisa.id)
    assert (kept.marketing_consent, kept.consent_date, kept.relationship) == (False, None, "customer")
    assert counts["marketing data deleted"] >= 1
    assert "Onni Lehtinen" in names(home)  # a customer last contacted in 2019


def test_a_former_customer_with_consent_is_kept_until_five_years_after_the_last_contact(home: Path) -> None:
    imported(home)
    eino = one(home, "eino.salminen@example.fi")  # former customer, Subscribed, last contact 2024-08-19
    retention_sweep(home, date(2029, 8, 18))
    assert store.get(home, eino.id).marketing_consent
    retention_sweep(home, date(2029, 8, 19))
    assert store.find(home, email="eino.salminen@example.fi") == []
    # A customer who withdrew consent is kept for the relationship; once it ends, nothing keeps them.
    sofia = one(home, "sofia.koskinen@example.com")
    store.edit(home, sofia.id, marketing_consent="no", today=date(2029, 9, 1))
    retention_sweep(home, date(2029, 9, 1))
    assert store.get(home, sofia.id).relationship == "customer"
    store.edit(home, sofia.id, relationship="former", today=date(2029, 9, 2))
    retention_sweep(home, date(2029, 9, 2))
    assert store.find(home, email="sofia.koskinen@example.com") == []


def test_five_years_from_29_february_end_on_28_february(home: Path) -> None:
    imported(home)
    ville = one(home, "ville.heikkinen@example.fi")
    assert store.marketing_kept_until(store.edit(home, ville.id, last_contact="2024-02-29")) == date(2029, 2, 28)


# --- on disk -------------------------------------------------------------------------------------


def test_the_register_is_owner_only(home: Path) -> None:
    old = os.umask(0o022)
    try:
        imported(home)
        store.erase(home, [one(home, "aino.virtanen@example.fi").id])
    finally:
        os.umask(old)
    where = store.folder(home)
    for folder in (where.parent, where):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = [p for p in where.rglob("*") if p.is_file()]
    assert {p.name for p in files} == {"contacts.json", ".lock"}
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
