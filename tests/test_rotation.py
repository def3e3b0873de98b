"""`seula keys rotate`: every stored pseudonym re-keyed at once, collections and requests go on."""

import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from seula.emulators.x.emulator import XEmulator
from seula.flows.analyse import compute_metrics
from seula.flows.cli import app
from seula.flows.report import log_export, write_package
from seula.flows.rights import apply_subject_requests
from seula.lake import rekey as rekey_module
from seula.lake.store import Lake
from seula.lake.subjects import PID
from seula.rights.store import pseudonymiser, register
from tests.test_rights import busy_private_person, collect, file_request, lake_home, pid_of, rows_about  # noqa: F401


def stored_pids(home: Path) -> set[str]:
    text = "\n".join(repr(pq.read_table(p).to_pylist()) for p in (home / "lake" / "sample").rglob("*.parquet"))
    return set(PID.findall(text))


def counts(home: Path) -> dict[str, int]:
    lake = Lake(home)
    return {t: lake.read("sample", t).num_rows for t in ("accounts", "posts", "follows", "interactions", "identity_index")}


def test_rotation_rekeys_every_pseudonym_and_collection_goes_on(lake_home: tuple[Path, XEmulator]) -> None:
    home, emu = lake_home
    person, old_pid = busy_private_person(home, emu)
    erased = next(a for a in emu.world.accounts.values() if pid_of(home, a.id) in stored_pids(home) and a.id != person.id
                  and rows_about(home, pid_of(home, a.id))["posts"])
    file_request("erasure", erased)  # erased before the rotation: must stay erased after it
    apply_subject_requests.fn()
    compute_metrics.fn("sample", 10)
    package = write_package.fn("sample", ["gexf"])  # an export naming the person by pseudonym...
    log_export("sample", package)
    assert old_pid in package[0].read_text()
    restriction = file_request("restriction", person, verify=False)
    before, rows = stored_pids(home), counts(home)  # (the restriction's exclusions hold their name's pseudonym too)
    out = CliRunner().invoke(app, ["keys", "rotate", "sample"])
    assert out.exit_code == 0, out.output
    after = stored_pids(home)
    assert not before & after and len(after) == len(before)  # every pseudonym changed, none merged
    assert counts(home) == rows
    new_pid = pseudonymiser(Lake(home), "sample").account("x", person.id)
    assert new_pid in after and new_pid != old_pid
    collect("sample", emu)  # the same people again: no second set of accounts
    assert counts(home)["accounts"] == rows["accounts"]
    assert rows_about(home, pseudonymiser(Lake(home), "sample").account("x", erased.id))["posts"] == 0
    r = register(home).get(restriction)[1]  # the restriction follows the new pseudonyms
    assert r.targets is not None and new_pid in r.targets.pids["sample"] and old_pid not in r.targets.pids["sample"]
    erasure = file_request("erasure", person)
    apply_subject_requests.fn()
    assert rows_about(home, new_pid) == dict.fromkeys(rows_about(home, new_pid), 0)
    # ...is still found for Art. 19 under the new key
    assert [x["files"] for x in register(home).get(erasure)[1].notify_recipients] == [[p.name for p in package]]


def test_a_rotation_killed_before_its_swap_leaves_the_old_keys_working(
        lake_home: tuple[Path, XEmulator], monkeypatch: pytest.MonkeyPatch) -> None:
    home, emu = lake_home
    before, rows = stored_pids(home), counts(home)
    real = rekey_module.os.replace

    def crash(src, dst):  # type: ignore[no-untyped-def]
        if str(src).endswith(".rekeying"):
            raise OSError("power cut")
        return real(src, dst)

    monkeypatch.setattr(rekey_module.os, "replace", crash)
    with pytest.raises(OSError):
        CliRunner().invoke(app, ["keys", "rotate", "sample"], catch_exceptions=False)
    monkeypatch.setattr(rekey_module.os, "replace", real)
    Lake(home)  # opening the lake finishes the swap the crash interrupted
    assert counts(home) == rows
    after = stored_pids(home)
    assert after == before or not before & after  # one key or the other, never a mix
    collect("sample", emu)
    assert counts(home)["accounts"] == rows["accounts"]
    assert CliRunner().invoke(app, ["keys", "rotate", "sample"]).exit_code == 0
    assert not re.search("rekeying|\\.old", " ".join(p.name for p in (home / "lake").iterdir()))
