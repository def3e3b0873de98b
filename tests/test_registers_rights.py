"""The rights room over the survey and customer registers (issue 14): a request that names a
person by e-mail, phone or name finds them in both; erasure leaves no byte of them in any file
of the data folder; access gives everything; restriction hides them at once; a SIGKILLed
erasure is finished by the next run."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seula.customers import store as customers
from seula.flows.cli import app
from seula.survey import store as surveys

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "survey"
PIPEDRIVE = ROOT / "tests" / "data" / "pipedrive" / "pipedrive_persons.csv"
SURVEY = "asiakastyytyvaisyys-2026"
EMAIL, PHONE, NAME = "aino.virtanen@example.fi", "040 000 0101", "Aino Virtanen"  # a Pipedrive contact
SEULA = str(Path(sys.executable).with_name("seula"))


def seula(*args: str | Path) -> tuple[int, str, str]:
    out = CliRunner().invoke(app, [str(a) for a in args])
    assert out.exception is None or isinstance(out.exception, SystemExit), out.output
    return out.exit_code, out.stdout, out.stderr


def survey_with_her(tmp_path: Path) -> Path:
    """The sample survey, one respondent of which is the customer contact (Aino Virtanen)."""
    with open(SAMPLE / "answers.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    rows[5].update({"Nimi": NAME, "Sähköposti": EMAIL.upper(), "Puhelin": PHONE,
                    "Vapaa palaute": f"Olen {NAME}, soittakaa {PHONE}", "Osallistun arvontaan": "Kyllä"})
    path = tmp_path / "answers.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def registers(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    inputs = tmp_path_factory.mktemp("inputs")  # outside the data folder, which is searched for her afterwards
    code, _, err = seula("survey", "import", SURVEY, survey_with_her(inputs), "--mapping", SAMPLE / "mapping.yaml")
    assert code == 0, err
    customers.import_file(home, PIPEDRIVE)
    assert surveys.find(home, email=EMAIL) and customers.find(home, email=EMAIL)
    return home


def traces(home: Path) -> list[str]:
    """Every file of the data folder that holds her e-mail, phone or name, decoded or as bytes."""
    import pyarrow.parquet as pq

    needles = [EMAIL, EMAIL.upper(), NAME, "+358400000101", PHONE, "aino.virtanen"]
    found = []
    for path in home.rglob("*"):
        if not path.is_file() or path.suffix == ".lock" or "prefect" in path.parts:
            continue
        raw = path.read_bytes()
        decoded = repr(pq.read_table(path).to_pylist()) if path.suffix == ".parquet" else ""
        if any(n.encode() in raw or n in decoded for n in needles):
            found.append(str(path.relative_to(home)))
    return found


def request(*args: str) -> str:
    code, out, err = seula("requests", "add", *args)
    assert code == 0, err
    return out.split()[0]


def test_erasure_by_email_removes_her_from_the_survey_and_customer_registers(
        registers: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    rid = request("--type", "erasure", "--email", EMAIL)
    assert seula("requests", "verify", rid, "--method", "signed-email")[0] == 0
    code, out, err = seula("requests", "apply")
    assert code == 0, err
    assert not surveys.find(registers, email=EMAIL) and not customers.find(registers, email=EMAIL)
    assert traces(registers) == []
    assert surveys.contacts(registers, SURVEY).num_rows == 159 and surveys.answers(registers, SURVEY).num_rows == 159
    code, out, _ = seula("requests", "show", rid)
    assert "closed" in out
    inputs = tmp_path_factory.mktemp("again")  # the client and the CRM still have her: she must not come back
    code, out, _ = seula("survey", "import", SURVEY, survey_with_her(inputs))
    assert code == 0 and "1 erased earlier left out" in out
    code, out, _ = seula("customers", "import", PIPEDRIVE)
    assert code == 0 and "1 erased earlier left out" in out
    assert traces(registers) == []


def test_access_by_email_gives_everything_both_registers_hold(registers: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    tmp_path = tmp_path_factory.mktemp("out")
    rid = request("--type", "access", "--email", EMAIL)
    seula("requests", "verify", rid, "--method", "signed-email")
    code, out, err = seula("requests", "export", rid, "-o", tmp_path / "package")
    assert code == 0, err
    package = json.loads((tmp_path / "package" / "access.json").read_text(encoding="utf-8"))
    held = package["registers_data"]
    [answers] = held["survey_participants_register"][SURVEY]["answers"]
    assert held["survey_participants_register"][SURVEY]["contacts"][0]["email"] == EMAIL
    assert held["survey_participants_register"][SURVEY]["contact_source"].startswith("the client's customer register")
    assert "<PHONE>" in answers["feedback"] and PHONE not in answers["feedback"]
    [contact] = held["customer_and_marketing_register"]
    assert contact["name"] == NAME and EMAIL in contact["emails"]


def test_a_restriction_by_phone_takes_her_out_of_tables_exports_and_lists_at_once(
        registers: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    tmp_path = tmp_path_factory.mktemp("out")
    rid = request("--type", "restriction", "--phone", "+358 40 000 0101")
    [pid] = surveys.find(registers, phone=PHONE)[SURVEY]
    assert pid not in surveys.answers(registers, SURVEY)["respondent"].to_pylist()
    assert EMAIL not in {e for c in customers.listing(registers) for e in c.emails}
    seula("survey", "export", SURVEY, "-o", tmp_path / "out", "--with-identities")
    assert pid not in (tmp_path / "out" / f"{SURVEY}-answers.csv").read_text(encoding="utf-8")
    assert seula("requests", "lift", rid)[0] == 0
    seula("requests", "apply")
    assert pid in surveys.answers(registers, SURVEY)["respondent"].to_pylist()
    assert EMAIL in {e for c in customers.listing(registers) for e in c.emails}


def test_an_objection_ends_her_marketing_for_good(registers: Path) -> None:
    rid = request("--type", "objection", "--name", "aino  VIRTANEN")
    seula("requests", "verify", rid, "--method", "signed-email")
    assert seula("requests", "apply")[0] == 0
    [contact] = customers.find(registers, email=EMAIL)
    assert contact.objected_marketing and not contact.marketing_consent
    customers.import_file(registers, PIPEDRIVE)  # the CRM still says "Subscribed"
    [contact] = customers.find(registers, email=EMAIL)
    assert not contact.marketing_consent


@pytest.mark.slow
def test_an_erasure_killed_half_way_is_finished_by_the_next_run(registers: Path) -> None:
    rid = request("--type", "erasure", "--email", EMAIL)
    seula("requests", "verify", rid, "--method", "signed-email")
    env = {**os.environ, "SEULA_HOME": str(registers)}
    journal = registers / "rights" / "requests.json"
    proc = subprocess.Popen([SEULA, "requests", "apply"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and '"erasure_started": null' in journal.read_text(encoding="utf-8"):
        time.sleep(0.01)  # killed the moment the erasure is journaled: its targets recorded, no file changed yet
    os.killpg(proc.pid, signal.SIGKILL)  # the run and the Prefect server it started
    proc.wait()
    state = {r["id"]: r for r in json.loads(journal.read_text(encoding="utf-8"))}[rid]
    assert state["erasure_started"] and state["status"] == "open", "the kill came before the erasure, or after it"
    done = subprocess.run([SEULA, "requests", "apply"], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert traces(registers) == []
    assert "closed" in subprocess.run([SEULA, "requests", "show", rid], env=env, capture_output=True, text=True).stdout


def test_the_customers_commands_import_list_show_edit_and_fail_in_one_line(home: Path) -> None:
    code, out, _ = seula("customers", "import", PIPEDRIVE)
    assert code == 0 and "20 new" in out
    code, out, _ = seula("customers", "import", PIPEDRIVE)
    assert code == 0 and "0 new, 0 updated, 20 unchanged" in out
    [her] = customers.find(home, email=EMAIL)
    assert seula("customers", "edit", her.id, "--set", "position=Toimitusjohtaja")[0] == 0
    code, out, _ = seula("customers", "show", her.id)
    assert code == 0 and "position: Toimitusjohtaja" in out and "marketing data kept until:" in out
    for args, problem in ((("edit", her.id, "--set", "colour=red"), "colour cannot be edited"),
                          (("edit", her.id, "--set", "position"), "write FIELD=VALUE"),
                          (("show", "C99999"), "no contact C99999"),
                          (("import", ROOT / "README.md"), "README.md")):
        code, _, err = seula("customers", *args)
        assert code == 1 and problem in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
        assert NAME not in err and EMAIL not in err
