"""Presidio's two unquoted URL patterns, matched as its regex engine matches them, faster.

Presidio's URL pattern is a greedy run of domain characters, a dot, then a 1,000-way
alternation of top-level domains, with nothing to anchor it: the engine starts it at every
position of a word and backtracks through every dot of the run. The same leftmost match is
found here by taking each run of domain characters once and trying its dots from the last,
in the order the engine's backtracking tries them; the domain ending is the first
alternative that matches, as the engine's is. The pieces are cut out of Presidio's own
pattern, so the character classes and the list of endings are Presidio's. If Presidio's
pattern ever changes shape, ``finder`` returns None and the caller uses the pattern itself.
``tests/test_urls.py`` checks equality with the engine on generated words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import regex as re
from presidio_analyzer.predefined_recognizers import UrlRecognizer

_HEAD = r"((www\d{0,3}[.])?[a-z0-9.\-]{1,253}[.](?:"
_TAIL = r")(?:/[^\s()<>\"']*)?)"
_LONGEST_RUN = 253
Spans = Iterator[tuple[int, int]]


def finder(name: str, regex: str, flags: int) -> Callable[[str], Spans] | None:
    """Spans of ``regex`` (Presidio's pattern ``name``) in a word, or None if not one of these."""
    base = UrlRecognizer.BASE_URL_REGEX
    if not (base.startswith(_HEAD) and base.endswith(_TAIL)) or regex not in (
            "(?i)" + base, "(?i)(?:https?://)" + base):
        return None
    alternatives = base[len(_HEAD) : -len(_TAIL)]
    endings = [a.removeprefix("(?:").removesuffix(")") for a in alternatives.split("|")]
    if not all(e.isascii() and e.isalpha() and e.islower() for e in endings):
        return None
    rank = {e: i for i, e in reversed(list(enumerate(endings)))}  # a repeated ending ranks first
    longest = max(map(len, endings))
    run = re.compile(r"(?i)[a-z0-9.\-]+", flags)
    ending = re.compile("(?i)(?:" + alternatives + ")", flags)
    path = re.compile(r"(?i)(?:/[^\s()<>\"']*)?", flags)
    engine = re.compile(regex, flags)

    def first_ending(word: str, at: int) -> int | None:
        """End of the first alternative (in Presidio's order) that matches at ``at``."""
        ahead = word[at : at + longest]
        if not ahead.isascii():  # case-blind matching of other letters (K, ſ, İ) is the engine's
            found = ending.match(word, at)
            return found.end() if found else None
        ahead = ahead.lower()
        ranks = [(rank[ahead[:n]], n) for n in range(1, len(ahead) + 1) if ahead[:n] in rank]
        return at + min(ranks)[1] if ranks else None

    def domain_end(word: str, start: int, stop: int) -> int | None:
        """Where the URL that begins at ``start`` (a run of domain characters to ``stop``) ends."""
        dot = word.rfind(".", start + 1, stop)
        while dot != -1:
            found = first_ending(word, dot + 1)
            if found is not None:
                return path.match(word, found).end()
            dot = word.rfind(".", start + 1, dot)
        return None

    def without_scheme(word: str) -> Spans:
        pos = 0
        while (m := run.search(word, pos)) is not None:
            if m.end() - m.start() > _LONGEST_RUN:  # the engine would cut the run: let it
                yield from (found.span() for found in engine.finditer(word, m.start()))
                return
            end = domain_end(word, m.start(), m.end())
            if end is not None:
                yield m.start(), end
            pos = end if end is not None else m.end()

    scheme = re.compile(r"(?i)https?://", flags)

    def with_scheme(word: str) -> Spans:
        pos = 0
        while (s := scheme.search(word, pos)) is not None:
            m = run.match(word, s.end())
            if m is not None and m.end() - m.start() > _LONGEST_RUN:
                yield from (found.span() for found in engine.finditer(word, s.start()))
                return
            end = domain_end(word, m.start(), m.end()) if m is not None else None
            if end is not None:
                yield s.start(), end
            pos = end if end is not None else s.start() + 1

    return with_scheme if regex.startswith("(?i)(?:https?://)") else without_scheme
