"""Seula's own archives: written, verified, imported through the same path as a collection."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seula.emulators.x.emulator import XEmulator
from seula.flows.archive import archive_engagement, import_archive
from seula.flows.cli import app
from seula.flows.rights import apply_subject_requests
from seula.rights.store import register as rights_register
from seula.lake.archive import ArchiveError
from seula.lake.store import Lake
from tests.test_rights import busy_private_person, file_request, lake_home, rows_about  # noqa: F401  (fixture)

TABLES = ("accounts", "posts", "follows", "interactions", "identity_index")


def keys(home: Path) -> dict[str, set]:
    lake = Lake(home)
    return {t: {tuple(sorted(r.items())) for r in lake.read("sample", t).drop_columns(["collected_at"]).to_pylist()}
            if t != "posts" else set(lake.read("sample", t)["post_pid"].to_pylist()) for t in TABLES}


def test_archive_moves_an_engagement_to_a_new_data_folder(
    lake_home: tuple[Path, XEmulator], tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    home, _ = lake_home
    folder = tmp_path_factory.mktemp("archive") / "sample-archive"
    files = archive_engagement("sample", folder)
    assert {f.name for f in files} == {*(f"{t}.parquet" for t in TABLES), "manifest.json"}
    assert json.loads((home / "exports" / "log.jsonl").read_text().splitlines()[-1])["recipients"] == [f"archive {folder}"]

    elsewhere = tmp_path_factory.mktemp("elsewhere")  # same master secret (the env), new data folder
    monkeypatch.setenv("SEULA_HOME", str(elsewhere))
    tally = import_archive("sample", folder)
    assert tally.rows["posts"] == Lake(home).read("sample", "posts").num_rows > 500
    assert keys(elsewhere) == keys(home)
    assert sum(import_archive("sample", folder).rows.values()) == 0  # twice: nothing new
    assert Lake(elsewhere).read("sample", "findings").num_rows > 0  # derived again, as after a collection


def test_a_person_erased_after_the_archive_stays_erased_on_import(
    lake_home: tuple[Path, XEmulator], tmp_path_factory: pytest.TempPathFactory,  # noqa: F811
) -> None:
    home, emu = lake_home
    person, pid = busy_private_person(home, emu)
    folder = tmp_path_factory.mktemp("archive") / "before-erasure"
    archive_engagement("sample", folder)
    file_request("erasure", person)
    apply_subject_requests.fn()
    after = {t: Lake(home).read("sample", t).num_rows for t in TABLES}
    assert any(x["files"] for x in rights_register(home).load()[0].notify_recipients)  # the archive is an earlier export

    import_archive("sample", folder)
    assert {t: Lake(home).read("sample", t).num_rows for t in TABLES} == after
    assert rows_about(home, pid) == dict.fromkeys(rows_about(home, pid), 0)
    everything = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    decoded = "".join(repr(Lake(home).read("sample", t).to_pylist()) for t in TABLES)
    assert pid.encode() not in everything and pid not in decoded


def test_archives_that_do_not_fit_are_refused_in_one_line(
    lake_home: tuple[Path, XEmulator], tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    home, _ = lake_home
    folder = tmp_path_factory.mktemp("archive") / "a"
    archive_engagement("sample", folder)
    before = {t: Lake(home).read("sample", t).num_rows for t in TABLES}

    corrupt = folder.with_name("corrupt")
    shutil.copytree(folder, corrupt)
    data = bytearray((corrupt / "posts.parquet").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (corrupt / "posts.parquet").write_bytes(bytes(data))
    with pytest.raises(ArchiveError, match="posts.parquet is missing or does not match"):
        import_archive("sample", corrupt)

    other = folder.with_name("other")
    shutil.copytree(folder, other)
    manifest = json.loads((other / "manifest.json").read_text())
    (other / "manifest.json").write_text(json.dumps({**manifest, "engagement": "fb"}))
    with pytest.raises(ArchiveError, match="can only be imported into 'fb'"):
        import_archive("sample", other)

    (folder.with_name("junk")).mkdir()
    (folder.with_name("junk") / "manifest.json").write_text("{not json")
    out = CliRunner().invoke(app, ["import", "sample", str(folder.with_name("junk"))])
    assert out.exit_code == 1 and "unreadable archive" in out.output and "Traceback" not in out.output

    monkeypatch.setenv("SEULA_MASTER_KEY", "another-master-key-" + "y" * 32)
    with pytest.raises(ArchiveError, match="another master secret"):
        import_archive("sample", folder)
    assert {t: Lake(home).read("sample", t).num_rows for t in TABLES} == before  # nothing written by any of them
