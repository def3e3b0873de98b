"""Model-based test of the rights register: random sequences of what a privacy contact and an
analyst do, checked against a small model after every step by reading the raw files.

The steps: collect (with new posts naming the subjects), import an archive made earlier,
objection, restriction, lifting, erasure (in-process, or in `seula requests apply` killed
with SIGKILL at a random moment and run again), rectification, access export, report and
data package, and a master-key mistake. The model says who must be absent (erased), hidden
(restricted) or pseudonymous (objected). The forensic reader decodes every Parquet file and
reads every other file under the data folder (register, suppression list, logs, exports,
reports, Prefect's database) as bytes.

The default suite runs a short, reproducible profile; the ``slow`` marker a longer, random one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from typer.testing import CliRunner

from seula.emulators.x.emulator import XEmulator
from seula.flows.analyse import compute_metrics
from seula.flows.archive import archive_engagement, import_archive
from seula.flows.cli import app
from seula.flows.demo import DEMO_RATE_LIMITS
from seula.flows.report import log_export, render_report, write_package
from seula.flows.rights import apply_subject_requests, export_access
from seula.lake.catalog import connect, read_only_query
from seula.lake.store import Lake
from seula.privacy.keys import KeyMaterialError, engagement_key
from seula.privacy.pseudonyms import Pseudonymiser
from seula.rights.store import register
from tests.test_rights import busy_private_person, collect

SEULA = str(Path(sys.executable).with_name("seula"))
ACTIONS = ("collect_again", "make_archive", "import_old_archive", "object", "restrict", "lift", "erase",
           "erase_killed_then_rerun", "rectify", "access", "report", "key_mistake")
KEY = "model-test-master-key-" + "m" * 32


@dataclass(frozen=True)
class Person:
    user_id: str
    username: str
    name: str
    pid: str
    publishable: bool


_BASE: dict[str, object] = {}


def base() -> tuple[Path, list[Person]]:
    """One collected sample lake per test session, copied for every run of the machine."""
    if "home" not in _BASE:
        home = Path(tempfile.mkdtemp(prefix="seula-model-base-"))
        saved = {k: os.environ.get(k) for k in ("SEULA_HOME", "SEULA_MASTER_KEY")}
        os.environ |= {"SEULA_HOME": str(home), "SEULA_MASTER_KEY": KEY}
        try:
            with XEmulator(rate_limits=DEMO_RATE_LIMITS) as emu:
                collect("sample", emu)
                private, pid = busy_private_person(home, emu)
                pseudo = Pseudonymiser(engagement_key(KEY.encode(), "sample"))
                names = [a.name for a in emu.world.accounts.values()]
                people = [Person(private.id, private.username, private.name, pid, False)]
                for handle in ("ainovirtanen", "mikkolaine_sdp"):
                    a = emu.world.user_by_username(handle)
                    people.append(Person(a.id, a.username, a.name, pseudo.account("x", a.id), True))
                assert all(names.count(p.name) == 1 for p in people)  # a name the forensic reader may look for
        finally:
            for k, v in saved.items():
                os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
        _BASE.update(home=home, people=people)
    return _BASE["home"], _BASE["people"]  # type: ignore[return-value]


def everything(home: Path, skip: str = "master.key") -> str:
    """Every Parquet value decoded, and every other file's bytes (but ``skip``), as one text."""
    parts = [repr(pq.read_table(p).to_pylist()) for p in home.rglob("*.parquet")]
    parts += [p.read_bytes().decode("utf-8", "replace") for p in home.rglob("*")
              if p.is_file() and p.suffix != ".parquet" and p.name not in ("master.key", skip)]
    return "\n".join(parts)


def _mtimes(folder: Path) -> dict[Path, int]:
    """Parquet files and when they last changed (a file may vanish while we look: the erasure runs)."""
    seen = {}
    for f in folder.rglob("*.parquet"):
        try:
            seen[f] = f.stat().st_mtime_ns
        except FileNotFoundError:
            continue
    return seen


def standing(value: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w]){re.escape(value)}(?![\w])", re.I)


class RightsMachine(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        source, self.people = base()
        self.tmp = Path(tempfile.mkdtemp(prefix="seula-model-"))
        self.home = self.tmp / "home"
        shutil.copytree(source, self.home)
        self.saved = {k: os.environ.get(k) for k in ("SEULA_HOME", "SEULA_MASTER_KEY")}
        os.environ |= {"SEULA_HOME": str(self.home), "SEULA_MASTER_KEY": KEY}
        self.emu = XEmulator(rate_limits=DEMO_RATE_LIMITS).__enter__()
        self.erased: set[Person] = set()
        self.restricted: dict[Person, list[str]] = {}
        self.objected: set[Person] = set()
        self.asked_since_erasure: set[Person] = set()  # an open request names its person, rightly
        self.archives: list[Path] = []
        self.cli = CliRunner()

    def teardown(self) -> None:
        if hasattr(self, "emu"):
            self.emu.__exit__(None, None, None)
            for k, v in self.saved.items():
                os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
            shutil.rmtree(self.tmp, ignore_errors=True)

    # --- helpers ----------------------------------------------------------------------

    def file(self, type_: str, person: Person, verify: bool = True, *extra: str) -> str:
        if person in self.erased:
            self.asked_since_erasure.add(person)
        out = self.cli.invoke(app, ["requests", "add", "--type", type_, "--platform", "x", "--handle", "@" + person.username,
                                    *extra])
        assert out.exit_code == 0, out.output
        request_id = re.search(r"R\d{5}", out.output).group(0)  # type: ignore[union-attr]
        if verify:
            assert self.cli.invoke(app, ["requests", "verify", request_id, "--method", "signed-email"]).exit_code == 0
        return request_id

    def seula_apply(self) -> subprocess.Popen:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SEULA_")) or k == "SEULA_SPACY_MODELS"}
        env |= {"SEULA_HOME": str(self.home), "SEULA_MASTER_KEY": KEY}
        return subprocess.Popen([SEULA, "requests", "apply"], cwd=self.home, env=env, start_new_session=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    # --- rules ------------------------------------------------------------------------

    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        """One action, drawn uniformly (separate rules would be thinned out by Hypothesis'
        swarm testing, which in a few examples leaves some actions out altogether)."""
        choices = [a for a in ACTIONS if a != "lift" or any(self.restricted.values())]
        action = data.draw(st.sampled_from(choices), label="action")
        method = getattr(self, action)
        params = [n for n in method.__code__.co_varnames[1:method.__code__.co_argcount]]
        draws = {"person": st.integers(0, 2), "after": st.integers(1, 6), "which": st.integers(0, 10)}
        method(**{n: data.draw(draws[n], label=n) for n in params if n in draws},
               **({"data": data} if "data" in params else {}))

    def collect_again(self, person: int) -> None:
        """New posts name a subject by handle and by name; then a collection."""
        p = self.people[person]
        writer = next(a for a in self.emu.world.accounts.values() if a.username not in {q.username for q in self.people})
        self.emu.world.add_post(writer.username, f"{p.name} kommentoi #vaalit, @{p.username}",
                                self.emu.world.posts[-1].created_at + timedelta(minutes=7))
        collect("sample", self.emu)

    def make_archive(self) -> None:
        folder = self.tmp / f"archive-{len(self.archives)}"
        archive_engagement("sample", folder)
        self.archives.append(folder)

    def import_old_archive(self, which: int) -> None:
        if not self.archives:
            return self.make_archive()
        import_archive("sample", self.archives[which % len(self.archives)])

    def object(self, person: int) -> None:
        p = self.people[person]
        self.file("objection", p)
        apply_subject_requests.fn()
        self.objected.add(p)

    def restrict(self, person: int) -> None:
        p = self.people[person]
        self.restricted.setdefault(p, []).append(self.file("restriction", p, verify=False))

    def lift(self, data: st.DataObject) -> None:
        p = data.draw(st.sampled_from(sorted((q for q, ids in self.restricted.items() if ids), key=lambda q: q.pid)))
        assert self.cli.invoke(app, ["requests", "lift", self.restricted[p].pop()]).exit_code == 0

    def erase(self, person: int) -> None:
        p = self.people[person]
        self.file("erasure", p)
        apply_subject_requests.fn()
        self.erased.add(p)

    def erase_killed_then_rerun(self, person: int, after: int) -> None:
        """`seula requests apply` SIGKILLed once ``after`` files have changed, then run again."""
        p = self.people[person]
        self.file("erasure", p)
        before = _mtimes(self.home / "lake")
        proc = self.seula_apply()
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            now = _mtimes(self.home / "lake")
            if sum(now.get(f) != m for f, m in before.items()) + len(now.keys() - before.keys()) >= after:
                break
            time.sleep(0.002)
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the run and the Prefect server it started
        except ProcessLookupError:
            pass  # it had finished (and its server stopped) before enough files changed
        proc.wait()
        assert proc.returncode in (0, -signal.SIGKILL), proc.stderr.read()[-1500:]  # type: ignore[union-attr]
        rerun = self.seula_apply()
        assert rerun.wait(timeout=300) == 0, rerun.stderr.read()[-1500:]  # type: ignore[union-attr]
        self.erased.add(p)

    def rectify(self, person: int) -> None:
        self.file("rectification", self.people[person], True, "--field", "description", "--value", "Korjattu kuvaus")
        apply_subject_requests.fn()

    def access(self, person: int) -> None:
        p = self.people[person]
        request_id = self.file("access", p)
        out = self.tmp / f"access-{request_id}"
        package = json.loads(export_access(request_id, out).read_text())
        mine = package["engagements"].get("sample", {}).get("data", {})
        if p in self.erased:
            assert not mine  # nothing left to give
        else:
            assert all(r["author_pid"] == p.pid for r in mine.get("posts", []))
        shutil.rmtree(out)  # the package went to the person; it is not ours to keep

    def report(self) -> None:
        apply_subject_requests.fn()
        compute_metrics.fn("sample", 10)
        files = render_report.fn("sample") + write_package.fn("sample", ["csv", "gexf"])
        log_export("sample", files)

    def key_mistake(self) -> None:
        os.environ["SEULA_MASTER_KEY"] = "an-entirely-different-key-" + "z" * 32
        try:
            for attempt in (lambda: collect("sample", self.emu), apply_subject_requests.fn):
                with pytest.raises(KeyMaterialError):
                    attempt()
        finally:
            os.environ["SEULA_MASTER_KEY"] = KEY

    # --- what the model says ---------------------------------------------------------------

    @invariant()
    def erased_people_are_nowhere(self) -> None:
        if not self.erased:
            return
        stored = everything(self.home)
        without_register = everything(self.home, skip="requests.json")
        for p in self.erased:
            for value in (p.pid, p.user_id, p.username, p.name):
                where = without_register if p in self.asked_since_erasure else stored
                assert not standing(value).search(where), (p.username, value)

    @invariant()
    def restricted_people_are_in_no_view_or_derived_table(self) -> None:
        hidden = [p for p, ids in self.restricted.items() if ids and p not in self.erased]
        if not hidden:
            return
        con = connect(self.home, "sample")
        lake = Lake(self.home)
        derived = "".join(repr(lake.read("sample", t).to_pylist()) for t in lake.tables("sample") if t.startswith("m_"))
        for p in hidden:
            for table, column in (("posts", "author_pid"), ("accounts", "account_pid"), ("follows", "follower_pid"),
                                  ("interactions", "actor_pid")):
                assert con.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", [p.pid]).fetchall()[0][0] == 0
                assert read_only_query(self.home, "sample",
                                       f"SELECT count(*) FROM {table} WHERE {column} = '{p.pid}'").fetchall()[0][0] == 0
            assert p.pid not in derived and not standing(p.username).search(derived)
        con.close()

    @invariant()
    def objectors_are_pseudonymous(self) -> None:
        shown = [p for p in self.objected if p not in self.erased]
        if not shown:
            return
        lake = Lake(self.home)
        accounts = [a for a in lake.read("sample", "accounts").to_pylist() if a["account_pid"] in {p.pid for p in shown}]
        assert all(a["handle"] is None and a["display_name"] is None and not a["publishable"] for a in accounts)
        stored = repr(lake.read("sample", "posts").select(["text", "query", "url"]).to_pylist()) + "".join(
            repr(lake.read("sample", t).to_pylist()) for t in lake.tables("sample") if t.startswith("m_"))
        for p in shown:
            assert not standing(p.username).search(stored) and not standing(p.name).search(stored), p.username

    @invariant()
    def closed_erasures_keep_nobody(self) -> None:
        if not hasattr(self, "home"):
            return
        for r in register(self.home).load():
            if r.type == "erasure" and r.status == "closed":
                assert r.identity is None and r.targets is None


def _run(profile: settings) -> None:
    run_state_machine_as_test(RightsMachine, settings=profile)


def test_rights_hold_under_random_request_sequences() -> None:
    _run(settings(max_examples=3, stateful_step_count=8, deadline=None, database=None,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck)))


@pytest.mark.slow
def test_rights_hold_under_longer_random_request_sequences() -> None:
    _run(settings(max_examples=6, stateful_step_count=10, deadline=None, database=None,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck)))
