"""Known person names, held as keyed hashes: what the PERSON recognizer looks names up in."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Iterable

from seula.lake.subjects import ERASED
from seula.privacy.pseudonyms import Pseudonymiser
from seula.privacy.text import WORD


class Gazetteer:
    """Looks up runs of words among names it knows only as keyed hashes.

    ``entries`` maps ``"name:<token>"`` to a pseudonym and ``"first:<token>"`` to anything;
    it is the sieve's identity index, or one built from a list of names.
    """

    def __init__(self, pseudo: Pseudonymiser, entries: dict[str, str],
                 erased: Callable[[str, str], bool] | None = None) -> None:
        self.pseudo = pseudo
        self.entries = entries
        # (kind "name" or "first", clear value) -> whether an erased person's:
        # a later post naming them gets ``<erased>``, though the index no longer knows them.
        self.erased = erased
        self._starts: dict[str, bool] = {}  # the word -> answer memo a scan of many posts lives on
        self._size = len(entries)

    @classmethod
    def from_names(cls, names: Iterable[str]) -> Gazetteer:
        """A gazetteer from clear names (e.g. a file), hashed under a throwaway key."""
        pseudo = Pseudonymiser(secrets.token_bytes(32))
        entries: dict[str, str] = {}
        for name in names:
            if len(WORD.findall(name)) > 1:
                entries[f"name:{pseudo.token('name', name)}"] = "PERSON"
                entries[f"first:{pseudo.token('first', WORD.findall(name)[0])}"] = "PERSON"
        return cls(pseudo, entries)

    def resolve(self, run: str) -> str | None:
        found = self.entries.get(f"name:{self.pseudo.token('name', run)}")
        if found is None and self.erased is not None and self.erased("name", run):
            return ERASED
        return found

    def starts(self, word: str) -> bool:
        """Whether ``word`` begins a known name (one lookup per word, remembered)."""
        self._fresh()
        known = self._starts.get(word)
        if known is None:
            known = self._starts[word] = self._begins(word)
        return known

    def starting(self, words: Collection[str]) -> set[str]:
        """Those of ``words`` that begin a known name."""
        self._fresh()
        memo = self._starts
        for word in words:
            if word not in memo:
                memo[word] = self._begins(word)
        return {word for word in words if memo[word]}

    def _begins(self, word: str) -> bool:
        return f"first:{self.pseudo.token('first', word)}" in self.entries or (self.erased is not None and self.erased("first", word))

    def _fresh(self) -> None:
        if self._size != len(self.entries) or len(self._starts) > 500_000:  # names were learnt since
            self._starts.clear()
            self._size = len(self.entries)
