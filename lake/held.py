"""Which pseudonyms a Parquet file holds, kept in the file's own footer.

Every file the lake writes carries, under ``seula.pseudonyms``, the set of every pseudonym
(``u_``/``h_``/``t_``/``n_`` and 20 hex digits) that stands anywhere in it: as a value, in a list,
inside free text. It is computed from the bytes of every string column when the file is
written, so it cannot describe any other content than its own, and an erasure can skip the
files that cannot hold a person without reading them. Each pseudonym is kept as the 32-bit
number of its first eight hex digits: two people may share one (the file is then read for
nothing), but a pseudonym in the file is never missing from its set. A file without the
entry (written by another tool, or before it existed) is read in full by every caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import pyarrow as pa

from seula.lake import location
from seula.lake.location import LakePath

KEY = b"seula.pseudonyms"
WIDTH = 22  # "u_" + 20 hex digits
_IS_PREFIX = np.zeros(256, bool)
_IS_PREFIX[list(b"uhtn")] = True
# The value of every two-byte pair of hex digits, -1 for any other pair.
_PAIR_VALUE = np.full(1 << 16, -1, np.int16)
for _hi, _a in enumerate(b"0123456789abcdef"):
    for _lo, _b in enumerate(b"0123456789abcdef"):
        _PAIR_VALUE[_a << 8 | _b] = _hi << 4 | _lo


def _numbers(data: np.ndarray, underscores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Of ``underscores``, those with eight hex digits after them, and those digits' numbers."""
    value = np.zeros(len(underscores), np.uint32)
    valid = np.ones(len(underscores), bool)
    for k in range(1, 9, 2):  # two digits at a time: one look-up gives their value, or that they are not hex
        pair = _PAIR_VALUE[data[underscores + k].astype(np.uint16) << 8 | data[underscores + k + 1]]
        valid &= pair >= 0
        value = (value << np.uint32(8)) | pair.astype(np.uint32)
    return underscores[valid], value[valid]


def candidates(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where in a run of bytes something begins like a pseudonym (a prefix letter, ``_``, eight
    hex digits), and its number. Every pseudonym is among them, overlapping ones too (every
    occurrence a substring search would find), and some strings that merely begin like one:
    a set too large costs a read, never a miss."""
    at = np.flatnonzero(data == ord("_"))
    at = at[(at >= 1) & (at + 8 < len(data))]
    at, value = _numbers(data, at[_IS_PREFIX[data[at - 1]]])
    return at - 1, value


def value_numbers(array: pa.Array) -> np.ndarray:
    """The numbers of those values of a string array that are as long as a pseudonym."""
    if array.null_count == len(array):
        return np.empty(0, np.uint32)
    offsets = np.frombuffer(array.buffers()[1], np.int32)[array.offset:array.offset + len(array) + 1]
    starts = offsets[:-1][np.diff(offsets) == WIDTH]
    return _numbers(np.frombuffer(array.buffers()[2], np.uint8), starts + 1)[1]


def _string_buffers(array: pa.Array) -> Iterable[pa.Buffer] | None:
    """The value bytes of every string in ``array`` (and in its lists and structs); None for a
    type this module cannot read through, so no set is claimed for it."""
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_binary(kind) \
            or pa.types.is_large_binary(kind):
        data = array.buffers()[2]
        return [data] if data is not None else []
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _string_buffers(array.values)
    if pa.types.is_struct(kind):
        found: list[pa.Buffer] = []
        for i in range(kind.num_fields):
            inner = _string_buffers(array.field(i))
            if inner is None:
                return None
            found += inner
        return found
    if pa.types.is_dictionary(kind):
        return _string_buffers(array.dictionary)
    if pa.types.is_nested(kind) or pa.types.is_string_view(kind) or pa.types.is_binary_view(kind):
        return None
    return []  # numbers, times, booleans: no pseudonym can stand in them


def of_table(table: pa.Table) -> np.ndarray | None:
    """The sorted numbers of every pseudonym in ``table``; None if some column cannot be read through."""
    found = [np.empty(0, np.uint32)]
    for column in table.columns:
        for chunk in column.chunks:
            buffers = _string_buffers(chunk)
            if buffers is None:
                return None
            found += [candidates(np.frombuffer(b, np.uint8))[1] for b in buffers]
    every = np.sort(np.concatenate(found))
    return every[np.concatenate(([True], every[1:] != every[:-1]))] if len(every) else every


def numbers(pids: list[str]) -> np.ndarray:
    """The number of each of ``pids``, in order (each must be a pseudonym)."""
    raw = "".join(pids).encode("ascii", "replace")
    data = np.frombuffer(raw, np.uint8)
    valid, found = _numbers(data, np.arange(1, len(data), WIDTH)) if len(data) else ([], np.empty(0, np.uint32))
    if len(raw) != WIDTH * len(pids) or any(p[1] != "_" for p in pids) or len(valid) != len(pids):
        raise ValueError("not a pseudonym")
    return found


def encode(held: np.ndarray) -> bytes:
    """Sorted numbers as little-endian 32-bit words, read back without a copy (compressed, a
    quarter smaller, they took every erasure 60 % longer to read)."""
    return held.astype("<u4").tobytes()


def decode(raw: bytes) -> np.ndarray:
    return np.frombuffer(raw, "<u4")


def of_file(path: LakePath) -> np.ndarray | None:
    """The set a file carries; None if it carries none (read it in full).

    Read once per version of the file: the file's identity (``location.version``: on disk its
    inode, size and times; in a bucket its size and entity tag) is part of the look-up, so a
    rewritten or replaced file is read afresh, and an erasure and the check that follows it
    read each untouched footer once between them."""
    return _of_version(path, location.version(path))


@lru_cache(maxsize=2048)  # about 10,000 posts' worth per file: at most a few hundred MB held
def _of_version(path: LakePath, version: tuple) -> np.ndarray | None:
    raw = (location.read_metadata(path).metadata or {}).get(KEY)
    return decode(raw) if raw is not None else None


def among(found: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """For each of the numbers ``wanted``, whether the sorted set ``found`` has it."""
    if not len(found):
        return np.zeros(len(wanted), bool)
    if len(wanted) <= 8 * len(found):
        return _in_sorted(found, wanted)
    # Many numbers against a small set (a text's candidates against the people erased): a
    # table of the set's top 16 bits passes most of them by at once.
    top = np.zeros(1 << 16, bool)
    top[found >> 16] = True
    hit = np.zeros(len(wanted), bool)
    maybe = np.flatnonzero(top[wanted >> 16])
    hit[maybe] = _in_sorted(found, wanted[maybe])
    return hit


def _in_sorted(found: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    return found[np.minimum(np.searchsorted(found, wanted), len(found) - 1)] == wanted


class Sought:
    """Pseudonyms' numbers to look for in many files' sets. Few are looked up in each set (a
    binary search each); many (a thousand people and their twenty thousand posts) the other
    way round: each number of a file's set is looked up in a table of the sought numbers' top
    20 bits, small enough to stay in the processor's cache, and only the few that pass are
    compared exactly (searching each set for twenty thousand numbers took half a millisecond
    a file)."""

    BITS = 20

    def __init__(self, sought: np.ndarray) -> None:
        self.numbers = np.unique(sought)
        self._top: np.ndarray | None = None

    def found_in(self, found: np.ndarray) -> np.ndarray:
        """Those of the sought numbers that the sorted set ``found`` holds."""
        if not len(self.numbers) or not len(found):
            return self.numbers[:0]
        if 8 * len(self.numbers) <= len(found):
            return self.numbers[_in_sorted(found, self.numbers)]
        if self._top is None:
            self._top = np.zeros(1 << self.BITS, bool)
            self._top[self.numbers >> (32 - self.BITS)] = True
        maybe = found[self._top[found >> (32 - self.BITS)]]
        return maybe[_in_sorted(self.numbers, maybe)]


def sort_out(paths: Iterable[LakePath], pids: Iterable[str]) -> tuple[list[LakePath], list[LakePath]]:
    """Of ``paths``: those whose set may hold one of ``pids``, and those that carry no set."""
    sought = Sought(numbers(sorted(pids)))
    maybe, unknown = [], []
    for path in paths:
        found = of_file(path)
        if found is None:
            unknown.append(path)
        elif len(sought.found_in(found)):
            maybe.append(path)
    return maybe, unknown


def narrow(paths: Iterable[LakePath], pids: Iterable[str]) -> tuple[list[LakePath], set[str]]:
    """The files that may hold one of ``pids`` (those with no set among them), and which of
    ``pids`` may stand in them: what a scan for them needs to read and to look for."""
    ordered = sorted(pids)
    each = numbers(ordered)
    sought = Sought(each)
    files, hits = [], [np.empty(0, np.uint32)]
    for path in paths:
        found = of_file(path)
        here = sought.numbers if found is None else sought.found_in(found)
        if len(here):
            files.append(path)
            hits.append(here)
    hit = np.unique(np.concatenate(hits))
    return files, {p for p, keep in zip(ordered, _in_sorted(hit, each) if len(hit) else []) if keep}
