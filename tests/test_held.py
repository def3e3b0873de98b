"""The footer's set of pseudonyms (lake/held.py) never misses one the file holds, and the
erasure and its postcondition still find people in files that carry no set."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from hypothesis import example, given, settings
from hypothesis import strategies as st

from seula.lake import held, schema
from seula.lake.files import write_parquet_atomic
from seula.lake.store import Lake
from seula.lake.subjects import ERASED, Subjects, Wanted, _erased_in, erase, files_mentioning, remaining

HEX = "0123456789abcdef"
POOL = ["u_0123456789abcdef0123", "t_ffffffffffffffffffff", "h_aaaaaaaaaaaaaaaaaaaa"]
pseudonym = st.sampled_from(POOL) | st.builds(lambda p, d: p + "_" + d, st.sampled_from("uhtn"),
                                              st.text(HEX, min_size=20, max_size=20))
# Pieces that sit next to pseudonyms in real columns, near-misses of them, and halves of them
# (a value may end with a pseudonym's head and the next begin with its tail).
halves = st.builds(lambda p, k, tail: p[k:] if tail else p[:k], st.sampled_from(POOL), st.integers(1, 21), st.booleans())
piece = st.one_of(pseudonym, halves, st.sampled_from(["@", " ", "_", "u_", "t_0", "x", "ä", "\n", "u_g", "<erased>"]),
                  st.text(HEX + "uht_", max_size=25))
text = st.lists(piece, max_size=8).map("".join)
value = st.none() | text
PROVENANCE = {"engagement": "e", "platform": "x", "endpoint": "likes", "query": None,
              "collected_at": datetime(2026, 11, 1, tzinfo=UTC)}


def occurrences(values: list) -> set[str]:
    """Every pseudonym standing anywhere in the values, overlapping ones too (a substring search's view)."""
    found = set()
    for v in values:
        if v is not None:
            found.update(m.group(1) for m in re.finditer(r"(?=([uht]_[0-9a-f]{20}))", v))
    return found


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(value, st.none() | st.lists(value, max_size=3)), max_size=12), st.integers(0, 5))
def test_every_pseudonym_in_a_file_is_in_its_set(tmp_path_factory, rows, cut) -> None:
    table = pa.table({"text": pa.array([r[0] for r in rows], pa.string()),
                      "mentions": pa.array([r[1] for r in rows], pa.list_(pa.string())),
                      "n": pa.array(range(len(rows)), pa.int64())})
    table = table.slice(min(cut, len(rows)))  # sliced arrays share buffers with what was cut off
    path = tmp_path_factory.mktemp("held") / "part-x.parquet"
    write_parquet_atomic(table, path)
    stored = held.of_file(path)
    assert stored is not None
    inside = occurrences(table["text"].to_pylist() + [v for vs in table["mentions"].to_pylist() if vs for v in vs])
    if inside:
        assert np.isin(held.numbers(sorted(inside)), stored).all()
    assert (held.decode(held.encode(stored)) == stored).all()


def test_a_file_without_a_set_is_read_and_a_file_with_one_passed_by(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    subject, other = "u_" + "a" * 20, "u_" + "b" * 20
    row = {"kind": "like", "post_pid": "t_" + "c" * 20, "target_account_pid": None, **PROVENANCE}
    folder = lake.table_dir("e", "interactions")
    table = lambda actor: schema.INTERACTIONS.complete(pa.Table.from_pylist(  # noqa: E731
        [{**row, "actor_pid": actor}], schema=schema.INTERACTIONS.schema))
    write_parquet_atomic(table(other), folder / "part-1-ours.parquet")
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table(subject), folder / "part-2-foreign.parquet")  # another tool's file: no set in its footer
    write_parquet_atomic(table(subject), folder / "part-3-ours.parquet")
    who = Subjects(frozenset({subject}))
    assert [p.name for p in files_mentioning(lake, "e", schema.INTERACTIONS, who)] == \
        ["part-2-foreign.parquet", "part-3-ours.parquet"]
    assert remaining(lake, "e", who) == {"interactions": 2}
    erase(lake, "e", who)
    assert remaining(lake, "e", who) == {}
    assert held.of_file(folder / "part-2-foreign.parquet") is not None  # rewritten by the lake: it has one now
    assert lake.read("e", "interactions")["actor_pid"].to_pylist() == [other]


def test_a_file_replaced_on_disk_is_read_afresh(tmp_path: Path) -> None:
    """Sets are read once per version of a file: another tool overwriting it in place, or the
    lake replacing it, is seen at once (a stale set would let an erasure pass a person by)."""
    path = tmp_path / "part-x.parquet"
    first, second = "u_" + "1" * 20, "u_" + "2" * 20
    write_parquet_atomic(pa.table({"text": [first]}), path)
    assert held.of_file(path).tolist() == held.numbers([first]).tolist()
    with open(path, "r+b") as fh:  # the same inode, rewritten in place with a set of another person
        write_parquet_atomic(pa.table({"text": [second]}), tmp_path / "other.parquet")
        fh.write((tmp_path / "other.parquet").read_bytes())
        fh.truncate()
    assert held.of_file(path).tolist() == held.numbers([second]).tolist()
    write_parquet_atomic(pa.table({"text": [first]}), path)
    assert held.of_file(path).tolist() == held.numbers([first]).tolist()


def test_upgrade_gives_old_files_their_set(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    folder = lake.table_dir("e", "identity_index")
    folder.mkdir(parents=True)
    rows = pa.Table.from_pylist([{"kind": "handle", "token_hash": "k", "account_pid": "u_" + "d" * 20, **PROVENANCE}],
                                schema=schema.IDENTITY_INDEX.schema)
    pq.write_table(schema.IDENTITY_INDEX.complete(rows), folder / "part-old.parquet")
    assert held.of_file(folder / "part-old.parquet") is None
    assert lake.upgrade("e") == 1
    assert held.of_file(folder / "part-old.parquet").tolist() == held.numbers(["u_" + "d" * 20]).tolist()
    assert lake.upgrade("e") == 0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(value, max_size=6), min_size=1, max_size=3), st.lists(pseudonym, max_size=4), st.integers(0, 3))
@example(chunks=[["x u_0123456789", "abcdef0123 y"]], extra=[], cut=0)  # a value's end and the next one's start
def test_pseudonyms_erased_in_bytes_as_a_pattern_would(chunks, extra, cut) -> None:
    """The erasure replaces pseudonyms in a column's bytes; the result must be what a regex gives."""
    values = pa.chunked_array([pa.array(c, pa.string()).slice(min(cut, len(c))) for c in chunks], pa.string())
    present = sorted(occurrences(values.to_pylist()))
    wanted = set(present[::2]) | set(extra) | {POOL[0]}  # some that stand in the texts, some that do not
    expected = [None if v is None else re.sub("|".join(sorted(wanted)), ERASED, v) if wanted else v
                for v in values.to_pylist()]
    got = _erased_in(values, Wanted(wanted))
    assert (values.to_pylist() if got is None else got.to_pylist()) == expected
    assert got is None or got.to_pylist() != values.to_pylist()
    if got is not None:
        got.validate(full=True)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 2**32 - 1), max_size=40), st.lists(st.integers(0, 2**32 - 1), max_size=400),
       st.integers(0, 3))
def test_among_is_membership(found, wanted, shared) -> None:
    """Both ways of asking (few numbers against a large set, many against a small one) agree with numpy's."""
    wanted = wanted + found[:shared] * 100  # hits too, also when the queries outnumber the set
    found_set = np.unique(np.array(found, np.uint32))
    asked = np.array(wanted, np.uint32)
    assert (held.among(found_set, asked) == np.isin(asked, found_set)).all()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 2**32 - 1), max_size=400), st.lists(st.integers(0, 2**32 - 1), max_size=400),
       st.integers(0, 40), st.integers(0, 16))
def test_sought_numbers_are_found_as_an_intersection(sought, found, shared, near) -> None:
    """Both ways of looking for many numbers in a file's set (few: a search each; many: the
    top-bits table, then an exact look) find exactly the intersection; ``near``: numbers that
    share their top 20 bits with a sought one without being it."""
    found = found + sought[:shared] + [(n & ~0xFFF) | (n + 1 & 0xFFF) for n in sought[:near]]
    got = held.Sought(np.array(sought, np.uint32)).found_in(np.unique(np.array(found, np.uint32)))
    assert got.tolist() == sorted(set(sought) & set(found))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(value | pseudonym, max_size=8), min_size=1, max_size=3), st.lists(pseudonym, max_size=30),
       st.integers(0, 3), st.booleans())
def test_membership_by_numbers_is_membership(chunks, targets, cut, foreign) -> None:
    """The erasure's look-up of pseudonyms (by their numbers, then their bytes) finds what
    Arrow's own look-up finds, in sliced chunks, with nulls, and among values that merely look
    alike; a set with something that is no pseudonym is looked up as it is."""
    values = pa.chunked_array([pa.array(c, pa.string()).slice(min(cut, len(c))) for c in chunks], pa.string())
    stored = [v for v in values.to_pylist() if v is not None]
    wanted = sorted(set(targets) | set(stored[::2]) | ({"not a pseudonym", *stored[:1]} if foreign else set()))
    got = Wanted(set(wanted)).among(values)
    assert got.tolist() == pc.fill_null(pc.is_in(values, value_set=pa.array(wanted, pa.string())), False).to_pylist()
