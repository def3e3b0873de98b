"""The survey participants register on disk: per survey, its definition, the respondents'
contact details and consents, and their answers, in separate files linked only by a keyed
pseudonym of the respondent. Tables and exports read the answers; only an export with
identities (of respondents who consented) and a raffle's draw read the contacts.

``$SEULA_HOME/registers/survey/<survey>/``: ``survey.yaml``, ``contacts.parquet``,
``answers.parquet``, ``excluded.json`` (respondents whose restriction or objection is in
force), ``raffle.json``. Owner-only, every file replaced atomically under the survey's lock.
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import phonenumbers
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from seula.lake.files import exclusive_lock, read_json, write_json_atomic, write_parquet_atomic, write_text_atomic
from seula.privacy.keys import engagement_key, master_secret
from seula.privacy.policy import PublishabilityPolicy
from seula.privacy.pseudonyms import Pseudonymiser
from seula.privacy.sieve import Sieve
from seula.survey import mapping
from seula.survey.files import read_rows
from seula.survey.mapping import Question, Survey, SurveyError

CONTACTS = pa.schema([
    ("respondent", pa.string()), ("name", pa.string()), ("email", pa.string()), ("phone", pa.string()),
    ("address", pa.string()), ("source", pa.string()), ("consent_identity", pa.bool_()), ("raffle", pa.bool_()),
    ("imported_from", pa.string()), ("imported_at", pa.timestamp("us", tz="UTC")),
])
YES = {"1", "x", "y", "yes", "true", "kyllä", "k", "ja", "j", "✓", "checked", "on"}
NO = {"", "0", "n", "no", "false", "ei", "e", "nej", "off", "unchecked"}
_ARROW = {"single": pa.string(), "multiple": pa.list_(pa.string()), "scale": pa.int64(), "number": pa.float64(),
          "text": pa.string()}


def root(home: Path) -> Path:
    return home / "registers" / "survey"


def folder(home: Path, survey_id: str) -> Path:
    if not mapping.SURVEY_ID.match(survey_id):
        raise SurveyError(f"{survey_id!r} is not a survey id (lower-case letters, digits, - and _)")
    return root(home) / survey_id


def surveys(home: Path) -> list[str]:
    return sorted(p.name for p in root(home).iterdir() if (p / "survey.yaml").exists()) if root(home).is_dir() else []


def definition(home: Path, survey_id: str) -> Survey:
    path = folder(home, survey_id) / "survey.yaml"
    if not path.exists():
        raise SurveyError(f"no survey {survey_id!r}: import its answers first (seula survey import)")
    return mapping.load(path)


def answers_schema(survey: Survey) -> pa.Schema:
    return pa.schema([("respondent", pa.string()), *((q.id, _ARROW[q.type]) for q in survey.questions)])


@contextmanager
def _locked(home: Path, survey_id: str) -> Iterator[Path]:
    where = folder(home, survey_id)
    for level in (home / "registers", root(home), where):  # owner-only, whatever the umask
        level.mkdir(parents=True, exist_ok=True, mode=0o700)
    with exclusive_lock(where / ".lock"):
        yield where


def _read(where: Path, name: str, schema: pa.Schema) -> pa.Table:
    path = where / name
    return pq.read_table(path, schema=schema) if path.exists() else schema.empty_table()


def _key(home: Path, survey_id: str) -> bytes:
    # A key of its own per survey: two surveys' respondents cannot be joined on their pseudonyms.
    return engagement_key(master_secret(home), f"survey/{survey_id}")


def respondent(key: bytes, kind: str, value: str) -> str:
    return "r_" + hmac.new(key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()[:20]


def phone_e164(value: str | None) -> str | None:
    """A phone number in E.164 (Finnish when written without a country code), else as written."""
    if not value:
        return None
    try:
        parsed = phonenumbers.parse(value, "FI")
    except phonenumbers.NumberParseException:
        return value.strip()
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@dataclass
class Imported:
    rows: int = 0
    new: int = 0
    erased: int = 0  # people erased earlier, left out again
    rejected: list[str] = field(default_factory=list)  # "file:row: column: problem"


def sieve_for(home: Path, survey_id: str) -> Callable[[list[str]], list[str]]:
    """The privacy sieve (every recognizer) for a survey's free-text answers: e-mail addresses,
    phone numbers, identity codes, IBANs, names become placeholders or keyed pseudonyms."""
    sieve = Sieve(f"survey/{survey_id}", Pseudonymiser(_key(home, survey_id)), PublishabilityPolicy(set()))
    return lambda texts: [t or "" for t in sieve.clean_texts("survey", list(texts), [None] * len(texts))]


def import_file(home: Path, survey: Survey, path: Path, clean_texts: Callable[[list[str]], list[str]],
                erased: Callable[[list[str], list[str]], bool] = lambda emails, phones: False,
                now: datetime | None = None) -> Imported:
    """Every respondent's row of ``path``, contacts apart from answers; importing twice adds
    nothing. A row with an answer of the wrong type is left out and named; the rest is kept.
    ``clean_texts`` is the privacy sieve free-text answers go through before they are stored;
    a respondent ``erased`` names (by e-mail or phone) is not stored again, only counted."""
    rows = read_rows(path)
    missing = sorted({c for c in _columns(survey) if rows and c not in rows[0]})
    if missing:
        raise SurveyError(f"{path.name}: the mapping names columns the file does not have: {', '.join(missing)}")
    result, key = Imported(rows=len(rows)), _key(home, survey.survey)
    at = now or datetime.now(UTC)
    with _locked(home, survey.survey) as where:
        stored = _stored_definition(where, survey)
        contacts, answers = _read(where, "contacts.parquet", CONTACTS), _read(where, "answers.parquet", answers_schema(stored))
        known = set(contacts["respondent"].to_pylist())
        new_contacts, new_answers = [], []
        for number, row in enumerate(rows, start=2):  # row 1 is the header
            try:
                pid = _respondent(key, survey, row)
                parsed = {q.id: _answer(q, row[q.column]) for q in survey.questions}
                consents = {k: _yes(survey.consent.model_dump()[k], row) for k in ("disclose_identity", "raffle")}
            except ValueError as exc:
                result.rejected.append(f"{path.name}:{number}: {exc}")
                continue
            if pid in known:
                continue
            contact = _contact(survey, row, pid, consents, path.name, at)
            if erased([contact["email"]] if contact["email"] else [], [contact["phone"]] if contact["phone"] else []):
                result.erased += 1
                continue
            known.add(pid)
            new_contacts.append(contact)
            new_answers.append({"respondent": pid, **parsed})
        texts = [q.id for q in survey.questions if q.type == "text"]
        for qid in texts:  # each free-text column through the sieve at once
            cleaned = clean_texts([a[qid] or "" for a in new_answers])
            for a, text in zip(new_answers, cleaned):
                a[qid] = text if a[qid] else None
        if new_contacts:
            write_parquet_atomic(pa.concat_tables([contacts, pa.Table.from_pylist(new_contacts, CONTACTS)]),
                                 where / "contacts.parquet")
            write_parquet_atomic(pa.concat_tables([answers, pa.Table.from_pylist(new_answers, answers_schema(stored))]),
                                 where / "answers.parquet")
        result.new = len(new_contacts)
    return result


def _columns(survey: Survey) -> list[str]:
    consent = [c for c in survey.consent.model_dump().values() if c]
    return [*survey.contact_columns.values(), *consent, *(q.column for q in survey.questions),
            *([survey.respondent_id] if survey.respondent_id else [])]


def _stored_definition(where: Path, survey: Survey) -> Survey:
    """The survey's definition as first imported; a later import must use the same questions."""
    path = where / "survey.yaml"
    if not path.exists():
        write_text_atomic(yaml.safe_dump(survey.model_dump(mode="json"), allow_unicode=True, sort_keys=False), path)
        return survey
    stored = mapping.load(path)
    if [(q.id, q.type) for q in stored.questions] != [(q.id, q.type) for q in survey.questions]:
        raise SurveyError(f"survey {survey.survey!r} was imported with other questions: use its own mapping")
    if stored != survey:  # a new retention date or contact source is the privacy contact's to set
        write_text_atomic(yaml.safe_dump(survey.model_dump(mode="json"), allow_unicode=True, sort_keys=False), path)
    return survey


def _respondent(key: bytes, survey: Survey, row: dict[str, str]) -> str:
    if survey.respondent_id and row[survey.respondent_id]:
        return respondent(key, "id", row[survey.respondent_id])
    email = row.get(survey.contact.email or "", "").strip().lower()
    if email:
        return respondent(key, "email", email)
    return respondent(key, "row", "\x1f".join(row[c] for c in sorted(row)))


def _answer(q: Question, text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    if q.type == "single":
        if q.choices and text not in q.choices:
            raise ValueError(f"{q.column}: not one of the question's choices")
        return text
    if q.type == "multiple":
        picked = [c.strip() for c in text.split(q.separator) if c.strip()]
        if q.choices and any(c not in q.choices for c in picked):
            raise ValueError(f"{q.column}: not one of the question's choices")
        return picked
    if q.type == "text":
        return text
    try:
        number = float(text.replace(",", ".").replace("\u2212", "-"))
    except ValueError:
        raise ValueError(f"{q.column}: not a number") from None
    if q.type == "number":
        return number
    if not number.is_integer() or not (q.min or 0) <= number <= (q.max or 0):
        raise ValueError(f"{q.column}: not a whole number from {q.min} to {q.max}")
    return int(number)


def _yes(column: str | None, row: dict[str, str]) -> bool:
    if not column:
        return False
    value = row[column].strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValueError(f"{column}: not a yes or a no")


def _contact(survey: Survey, row: dict[str, str], pid: str, consents: dict[str, bool], name: str,
             at: datetime) -> dict[str, Any]:
    columns = survey.contact_columns
    value = {k: (row[c].strip() or None) for k, c in columns.items()}
    return {"respondent": pid, "name": value.get("name"), "email": (value.get("email") or "").lower() or None,
            "phone": phone_e164(value.get("phone")), "address": value.get("address"), "source": survey.contact_source,
            "consent_identity": consents["disclose_identity"], "raffle": consents["raffle"], "imported_from": name,
            "imported_at": at}


# --- what tables and exports read --------------------------------------------------------------


def excluded(home: Path, survey_id: str) -> set[str]:
    """Respondents whose restriction or objection is in force: in no table, no export."""
    return set(read_json(folder(home, survey_id) / "excluded.json", []))


def answers_all(home: Path, survey_id: str) -> pa.Table:
    """Every stored answer, the excluded respondents' too (for the rights room only)."""
    return _read(folder(home, survey_id), "answers.parquet", answers_schema(definition(home, survey_id)))


def answers(home: Path, survey_id: str) -> pa.Table:
    """Every answer but the excluded respondents'; never a contact detail."""
    table = answers_all(home, survey_id)
    out = excluded(home, survey_id)
    return table.filter(pa.array([r not in out for r in table["respondent"].to_pylist()], pa.bool_())) if out else table


def contacts(home: Path, survey_id: str) -> pa.Table:
    return _read(folder(home, survey_id), "contacts.parquet", CONTACTS)


# --- the rights room's operations ---------------------------------------------------------------


def _norm_name(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()


def find(home: Path, email: str | None = None, phone: str | None = None, name: str | None = None) -> dict[str, list[str]]:
    """Respondents, per survey, whose contact details match any of those given."""
    email, phone, name = (email or "").strip().lower(), phone_e164(phone), _norm_name(name)
    found: dict[str, list[str]] = {}
    for s in surveys(home):
        hits = [c["respondent"] for c in contacts(home, s).to_pylist()
                if (email and c["email"] == email) or (phone and c["phone"] == phone)
                or (name and _norm_name(c["name"]) == name)]
        if hits:
            found[s] = sorted(hits)
    return found


def records(home: Path, found: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    """Everything held about those respondents (Art. 15), per survey, with where it came from."""
    out: dict[str, dict[str, Any]] = {}
    for s, pids in found.items():
        wanted = set(pids)
        survey = definition(home, s)
        raffle = read_json(folder(home, s) / "raffle.json", {})
        out[s] = {
            "survey": s, "client": survey.client, "contact_source": survey.contact_source,
            "kept_until": survey.retention_until.isoformat(),
            "contacts": [c for c in contacts(home, s).to_pylist() if c["respondent"] in wanted],
            "answers": [a for a in _read(folder(home, s), "answers.parquet", answers_schema(survey)).to_pylist()
                        if a["respondent"] in wanted],
            "raffle_winner": bool(wanted & set(raffle.get("winners", []))),
            "excluded_from_processing": bool(wanted & excluded(home, s)),
        }
    return out


def erase(home: Path, found: dict[str, list[str]]) -> int:
    """Remove those respondents' contacts, answers and raffle entries; returns rows removed."""
    removed = 0
    for s, pids in found.items():
        gone = set(pids)
        with _locked(home, s) as where:
            survey = mapping.load(where / "survey.yaml")
            for name, schema in (("contacts.parquet", CONTACTS), ("answers.parquet", answers_schema(survey))):
                table = _read(where, name, schema)
                keep = pa.array([r not in gone for r in table["respondent"].to_pylist()], pa.bool_())
                removed += table.num_rows - sum(keep.to_pylist())
                write_parquet_atomic(table.filter(keep), where / name)
            raffle = read_json(where / "raffle.json", None)
            if raffle is not None:
                write_json_atomic({**raffle, "winners": [w for w in raffle.get("winners", []) if w not in gone]},
                                  where / "raffle.json")
            write_json_atomic(sorted(set(read_json(where / "excluded.json", [])) - gone), where / "excluded.json")
    return removed


def rectify(home: Path, found: dict[str, list[str]], field: str, value: str) -> int:
    """A corrected contact detail (name, email, phone, address) of those respondents; returns rows changed."""
    if field not in ("name", "email", "phone", "address"):
        raise SurveyError(f"a respondent's {field!r} cannot be rectified: only name, email, phone, address")
    value = {"email": value.strip().lower(), "phone": phone_e164(value)}.get(field, value.strip())
    changed = 0
    for s, pids in found.items():
        wanted = set(pids)
        with _locked(home, s) as where:
            rows = _read(where, "contacts.parquet", CONTACTS).to_pylist()
            for row in rows:
                if row["respondent"] in wanted:
                    row[field] = value
                    changed += 1
            write_parquet_atomic(pa.Table.from_pylist(rows, CONTACTS), where / "contacts.parquet")
    return changed


def exclude(home: Path, found: dict[str, list[str]], on: bool = True) -> None:
    """A restriction or an objection in force (``on``), or lifted: the respondents leave (or
    rejoin) every table and export at once."""
    for s, pids in found.items():
        with _locked(home, s) as where:
            now = set(read_json(where / "excluded.json", []))
            write_json_atomic(sorted(now | set(pids) if on else now - set(pids)), where / "excluded.json")


# --- retention ------------------------------------------------------------------------------------


def sweep_expired(home: Path, today: date) -> dict[str, int]:
    """Delete every survey whose retention has ended (the day after ``retention_until``)."""
    deleted: dict[str, int] = {}
    for s in surveys(home):
        if definition(home, s).retention_until < today:
            where = folder(home, s)
            deleted[s] = sum(1 for p in where.rglob("*") if p.is_file())
            shutil.rmtree(where)
    return deleted
