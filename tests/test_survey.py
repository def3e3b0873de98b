"""The survey participants register (issue 14), tried the way a survey really arrives: the
bundled Webropol-style export (BOM, semicolons), the same as XLSX, broken rows and mappings;
contacts never beside the answers, free text sieved, identities only with consent, a raffle
drawn again to the same winners and then forgotten, and the survey gone once its retention ends."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from openpyxl import Workbook
from typer.testing import CliRunner

from seula.flows.cli import app
from seula.survey import mapping, raffle, store

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "survey"
SURVEY = "asiakastyytyvaisyys-2026"


def seula(*args: str | Path) -> tuple[int, str, str]:
    out = CliRunner().invoke(app, [str(a) for a in args])
    assert out.exception is None or isinstance(out.exception, SystemExit), out.output
    return out.exit_code, out.stdout, out.stderr


def sample_rows() -> list[dict[str, str]]:
    with open(SAMPLE / "answers.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def imported(home: Path) -> None:
    code, out, err = seula("survey", "import", SURVEY, SAMPLE / "answers.csv", "--mapping", SAMPLE / "mapping.yaml")
    assert code == 0, err


def files_bytes(home: Path) -> dict[str, bytes]:
    return {str(p.relative_to(home)): p.read_bytes() for p in (home / "registers").rglob("*") if p.is_file()
            and p.name != ".lock"}


def test_contacts_stand_apart_from_answers_and_free_text_is_sieved(home: Path) -> None:
    imported(home)
    where = home / "registers" / "survey" / SURVEY
    answers_raw = (where / "answers.parquet").read_bytes()
    answers = repr(pq.read_table(where / "answers.parquet").to_pylist())
    rows = sample_rows()
    for row in rows:
        for value in (row["Nimi"], row["Sähköposti"], row["Puhelin"], row["Puhelin"].replace(" ", ""), row["Vastaustunnus"]):
            assert value not in answers and value.encode() not in answers_raw
    assert "FI21 1234 5600 0007 85" not in answers and "<IBAN>" in answers and "<PHONE>" in answers
    contacts = pq.read_table(where / "contacts.parquet")
    assert contacts.num_rows == len(rows) and set(contacts.schema.names) == set(store.CONTACTS.names)
    assert set(contacts["source"].to_pylist()) == {"the client's customer register (tilaajan asiakasrekisteri)"}
    assert all(p.startswith("+358") for p in contacts["phone"].to_pylist())
    assert (where.stat().st_mode & 0o777) == 0o700 and all((p.stat().st_mode & 0o777) == 0o600
                                                           for p in where.iterdir() if p.is_file())


def test_importing_twice_adds_nothing_and_xlsx_imports_as_csv(home: Path, tmp_path: Path) -> None:
    imported(home)
    before = files_bytes(home)
    code, out, _ = seula("survey", "import", SURVEY, SAMPLE / "answers.csv")
    assert code == 0 and "nothing new" in out and files_bytes(home) == before
    book = Workbook()
    sheet = book.active
    rows = sample_rows()
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append([int(v) if v.isdigit() and k != "Vastaustunnus" else v for k, v in row.items()])
    xlsx = tmp_path / "answers.xlsx"
    book.save(xlsx)
    code, out, _ = seula("survey", "import", SURVEY, xlsx)
    assert code == 0 and "nothing new" in out and files_bytes(home) == before  # the same respondents, the same answers


def test_a_row_with_a_wrong_answer_is_named_and_the_others_kept(home: Path, tmp_path: Path) -> None:
    rows = sample_rows()
    rows[3]["Kuinka tyytyväinen olet palveluumme? (1-5)"] = "9"
    rows[7]["Tietoni saa luovuttaa tilaajalle"] = "ehkä"
    path = tmp_path / "broken.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    code, out, err = seula("survey", "import", SURVEY, path, "--mapping", SAMPLE / "mapping.yaml")
    assert code == 1 and "Traceback" not in err
    assert "broken.csv:5: Kuinka tyytyväinen olet palveluumme? (1-5): not a whole number from 1 to 5" in err
    assert "broken.csv:9: Tietoni saa luovuttaa tilaajalle: not a yes or a no" in err
    assert rows[3]["Nimi"] not in err and rows[3]["Sähköposti"] not in err
    assert store.contacts(home, SURVEY).num_rows == len(rows) - 2


@pytest.mark.parametrize("change, problem", [
    (lambda m: m.pop("retention_until"), "retention_until: Field required"),
    (lambda m: m.pop("contact_source"), "contact_source: Field required"),
    (lambda m: m["questions"][2].pop("max"), "a scale needs min and max"),
    (lambda m: m.update(colour="blue"), "colour: Extra inputs are not permitted"),
    (lambda m: m["questions"][0].update(column="Ei ole"), "the mapping names columns the file does not have: Ei ole"),
])
def test_a_mapping_that_cannot_be_used_is_one_line(home: Path, tmp_path: Path, change, problem: str) -> None:
    raw = yaml.safe_load((SAMPLE / "mapping.yaml").read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    code, _, err = seula("survey", "import", SURVEY, SAMPLE / "answers.csv", "--mapping", path)
    assert code == 1 and problem in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not store.surveys(home)


def test_identities_go_out_only_of_consenting_respondents_and_only_when_asked(home: Path, tmp_path: Path) -> None:
    imported(home)
    consenting = {r["Sähköposti"] for r in sample_rows() if r["Tietoni saa luovuttaa tilaajalle"] == "Kyllä"}
    code, _, _ = seula("survey", "export", SURVEY, "-o", tmp_path / "plain")
    plain = (tmp_path / "plain" / f"{SURVEY}-answers.csv").read_text(encoding="utf-8")
    assert code == 0 and not any(r["Sähköposti"] in plain or r["Nimi"] in plain for r in sample_rows())
    code, _, _ = seula("survey", "export", SURVEY, "-o", tmp_path / "named", "--with-identities")
    with open(tmp_path / "named" / f"{SURVEY}-answers.csv", encoding="utf-8") as fh:
        named = list(csv.DictReader(fh))
    assert code == 0 and len(named) == len(sample_rows())
    assert {r["email"] for r in named if r["email"]} == consenting
    log = [json.loads(line) for line in (home / "exports" / "log.jsonl").read_text().splitlines()]
    assert [len(e["people"]) for e in log] == [0, len(consenting)] and log[1]["recipients"] == ["Demo Client Oy"]


def test_the_raffle_draws_the_same_winners_again_among_entrants_and_is_then_forgotten(home: Path) -> None:
    imported(home)
    entrants = {r["Sähköposti"] for r in sample_rows() if r["Osallistun arvontaan"] == "Kyllä"}
    first = raffle.draw(home, SURVEY, 3, seed=2026)
    assert raffle.draw(home, SURVEY, 3, seed=2026) == first and {w["email"] for w in first} <= entrants
    assert raffle.draw(home, SURVEY, 3, seed=1) != first
    code, out, _ = seula("survey", "raffle", SURVEY, "--close")
    assert code == 0 and f"{len(entrants)} entr" in out
    state = json.loads((home / "registers" / "survey" / SURVEY / "raffle.json").read_text())
    assert "winners" not in state and not any(w["respondent"] in json.dumps(state) for w in first)
    assert not any(store.contacts(home, SURVEY)["raffle"].to_pylist())
    code, _, err = seula("survey", "raffle", SURVEY, "--seed", "3")
    assert code == 1 and "closed" in err


def test_a_survey_is_deleted_once_its_retention_ends(home: Path) -> None:
    imported(home)
    until = mapping.load(SAMPLE / "mapping.yaml").retention_until
    assert store.sweep_expired(home, until) == {} and store.surveys(home) == [SURVEY]
    deleted = store.sweep_expired(home, date.fromordinal(until.toordinal() + 1))
    assert list(deleted) == [SURVEY] and not (home / "registers" / "survey" / SURVEY).exists()
