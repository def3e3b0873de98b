import threading
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from seula.lake import files, schema
from seula.lake.checkpoints import Checkpoints
from seula.lake.store import Lake, LakeError

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def follows(*pairs: tuple[str, str]) -> pa.Table:
    return schema.conform(schema.FOLLOWS, [
        {"engagement": "e", "platform": "x", "endpoint": "followers", "query": None, "collected_at": NOW,
         "follower_pid": a, "followee_pid": b} for a, b in pairs
    ])


def test_append_adds_only_new_keys(home: Path) -> None:
    lake = Lake(home)
    assert lake.append("e", schema.FOLLOWS, follows(("a", "b"), ("a", "c"), ("a", "b"))) == 2
    assert lake.append("e", schema.FOLLOWS, follows(("a", "b"), ("b", "c"))) == 1
    assert lake.append("e", schema.FOLLOWS, follows(("a", "b"))) == 0
    stored = lake.read("e", "follows")
    assert sorted(zip(stored["follower_pid"].to_pylist(), stored["followee_pid"].to_pylist())) == [
        ("a", "b"), ("a", "c"), ("b", "c")]
    assert len(lake.files("e", "follows")) == 2


def test_interrupted_write_leaves_no_partial_file(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = Lake(home)
    lake.append("e", schema.FOLLOWS, follows(("a", "b")))

    def crash(*_a: object, **_k: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", crash)
    with pytest.raises(OSError):
        lake.append("e", schema.FOLLOWS, follows(("x", "y")))
    folder = lake.table_dir("e", "follows")
    assert [p.name for p in folder.iterdir() if not p.name.startswith("part-")] == []
    assert lake.read("e", "follows").num_rows == 1


def test_rejects_unsafe_names(home: Path) -> None:
    with pytest.raises(LakeError, match="invalid engagement name"):
        Lake(home).table_dir("../other", "posts")


def test_corrupt_parquet_is_reported(home: Path) -> None:
    lake = Lake(home)
    lake.append("e", schema.FOLLOWS, follows(("a", "b")))
    lake.files("e", "follows")[0].write_bytes(b"not parquet")
    with pytest.raises(LakeError, match="unreadable file in e/follows"):
        lake.read("e", "follows")


def test_replace_swaps_derived_table(home: Path) -> None:
    lake = Lake(home)
    lake.replace("e", "m_x", pa.table({"v": [1, 2]}))
    lake.replace("e", "m_x", pa.table({"v": [3]}))
    assert lake.read("e", "m_x")["v"].to_pylist() == [3]
    assert pq.read_table(lake.files("e", "m_x")[0]).num_rows == 1


def test_checkpoints_roundtrip_and_corruption(home: Path) -> None:
    cp = Checkpoints(home, "e")
    assert cp.get("x/search/0") == {}
    cp.put("x/search/0", {"high_water": "2026-09-01T00:00:00Z", "pending": None})
    assert cp.get("x/search/0")["high_water"] == "2026-09-01T00:00:00Z"
    assert oct(cp.path.stat().st_mode & 0o777) == oct(0o600)
    cp.path.write_text("{broken")
    with pytest.raises(LakeError, match="corrupt checkpoint"):
        cp.get("x/search/0")


def test_concurrent_checkpoint_writes_lose_nothing(home: Path) -> None:
    def writer(n: int) -> None:
        for k in range(20):
            Checkpoints(home, "e").put(f"source-{n}-{k}", {"until": k})

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(Checkpoints(home, "e").load()) == 120


def test_temporaries_of_a_killed_writer_are_swept(home: Path) -> None:
    lake = Lake(home)
    lake.append("e", schema.FOLLOWS, follows(("a", "b")))
    leftover = lake.table_dir("e", "follows") / ".part-x.parquet.deadbeef.tmp"
    leftover.write_bytes(b"half a file")
    cp = Checkpoints(home, "e")
    cp.put("s", {"pending": None})
    (cp.path.parent / ".checkpoints.json.cafe.tmp").write_text("{")
    assert lake.sweep_temps("e") == 1 and cp.sweep_temps() == 1
    assert not list(home.rglob("*.tmp")) and lake.read("e", "follows").num_rows == 1


def post(pid: str, text: str) -> dict:
    return {"engagement": "e", "platform": "x", "endpoint": "search", "query": None, "collected_at": NOW,
            "post_pid": pid, "author_pid": "u_a", "created_at": NOW, "lang": "fi", "text": text}


def test_terms_are_derived_on_every_write_so_a_rewrite_cannot_leave_them_stale(home: Path) -> None:
    lake = Lake(home)
    lake.append("e", schema.POSTS, schema.conform(schema.POSTS, [
        post("t_1", "Matti Meikäläinen puhui #vaalit ilmasto, ilmasto! u_0123abcd ok"), post("t_2", "")]))
    assert lake.read("e", "posts")["terms"].to_pylist() == [["matti", "meikäläinen", "puhui", "ilmasto"], []]
    with pytest.raises(ValueError):  # only derived columns may be left out by a writer
        lake.append("e", schema.POSTS, schema.conform(schema.POSTS, [post("t_3", "x")]).drop(["lang"]))

    def pseudonymise(table: pa.Table) -> pa.Table:  # as a re-sieve does once a name is known
        texts = [t.replace("Matti Meikäläinen", "u_99") for t in table["text"].to_pylist()]
        return table.set_column(table.schema.get_field_index("text"), "text", pa.array(texts))

    lake.rewrite("e", schema.POSTS, pseudonymise)
    assert lake.read("e", "posts")["terms"].to_pylist() == [["puhui", "ilmasto"], []]


def test_files_from_before_a_derived_column_are_upgraded_once(home: Path) -> None:
    lake = Lake(home)
    old = schema.POSTS.complete(schema.conform(schema.POSTS, [post("t_1", "Vanha teksti ilman termejä")])).drop(["terms", "author_key"])
    folder = lake.table_dir("e", "posts")
    folder.mkdir(parents=True)
    pq.write_table(old, folder / "part-00000000000000000001-old.parquet")  # as an earlier Seula wrote it
    assert lake.upgrade("e") == 1 and lake.upgrade("e") == 0
    upgraded = lake.read("e", "posts")
    assert upgraded["terms"].to_pylist() == [["vanha", "teksti", "ilman", "termejä"]]
    assert upgraded["author_key"].to_pylist() == [schema.pid_key(upgraded["author_pid"][0].as_py())]


def test_a_rewrite_reuses_derived_values_only_for_unchanged_sources(home: Path) -> None:
    lake = Lake(home)
    texts = ["yksi kaksi", "kolme neljä", None, "viisi kuusi", "yksi kaksi"]
    lake.append("e", schema.POSTS, schema.conform(schema.POSTS, [post(f"t_{i}", t) for i, t in enumerate(texts)]))

    def edit(table: pa.Table) -> pa.Table:  # drop a row, change one, keep the rest (as an erasure and a re-sieve do)
        table = table.filter(pa.array([True, True, True, False, True]))
        new = ["yksi kaksi", "kolme u_00", None, "yksi kaksi"]
        return table.set_column(table.schema.get_field_index("text"), "text", pa.array(new, pa.string()))

    lake.rewrite("e", schema.POSTS, edit)
    stored = lake.read("e", "posts")
    assert stored["terms"].to_pylist() == [schema.post_terms(t) for t in stored["text"].to_pylist()]
    assert stored["terms"].to_pylist() == [["yksi", "kaksi"], ["kolme"], [], ["yksi", "kaksi"]]
