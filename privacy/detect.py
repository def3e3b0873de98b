"""Detection over many posts at once, with exactly the findings of per-post Presidio.

Per-post ``AnalyzerEngine.analyze`` spends most of its time around the regexes: an NLP
pass per post, a Python loop per recognizer and pattern. Here each pattern runs once over
the whole batch (posts joined by a separator; a match across it sends those posts the slow
way), matches are mapped back to their post, and Presidio's own scoring rules
(validate/invalidate, duplicate and containment removal) are applied to the few matches
found. The slow patterns run only where something every match of theirs must contain was
found (``NECESSARY``): in the words, or from the positions, that hold it. Recognizers that
override ``analyze`` run per post, but only on posts where one of their patterns matched;
the gazetteer runs on the posts with a word that begins a known name, and a model's NER
(where one is installed) on the posts with two capitalised words in a row. The engine's own pipelines are blank, so Presidio's
context scoring finds nothing to change.
``tests/test_detect.py`` checks that both routes give identical findings: on the labelled
corpus, on edge cases, and on generated texts.
"""

from __future__ import annotations

import re as stdre
from bisect import bisect_right
from collections.abc import Callable, Iterator
from functools import cache
from typing import NamedTuple

import ahocorasick
import regex as re
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, PatternRecognizer, RecognizerResult

from seula.privacy.lang import served
from seula.privacy.recognizers.model_names import MODEL_RECOGNIZER
from seula.privacy.recognizers.political import PARTY_STEMS
from seula.privacy.urls import finder

SEPARATOR = "\n\x00\n"  # NUL between line breaks: no recognizer here matches across it
BATCH = 2000
URL_TRAILING = ".,;:!?"


class AfterNonSpace:
    """A literal where something other than whitespace comes before it: the standard
    library's fast literal search, then one character looked at (a look-behind in the
    pattern itself would make the search try every position)."""

    def __init__(self, literal: str) -> None:
        self.literal = stdre.compile(stdre.escape(literal))

    def finditer(self, text: str) -> Iterator[stdre.Match[str]]:
        return (m for m in self.literal.finditer(text) if m.start() and not text[m.start() - 1].isspace())


# For the slowest patterns, something every match of theirs must contain, wider than what
# they need and found fast: patterns that begin with a literal (the standard library's
# ``re`` skips to it with a plain string search), or literal strings, all sought at once in
# the lower-cased batch. Character classes here are ASCII or wider than the patterns' own
# (the two regex libraries disagree about some Unicode digits and letters).
_DOMAIN = stdre.compile(r"\.[a-z]", stdre.IGNORECASE)  # a dot before the first letter of a domain ending
_COLONS = stdre.compile("::")
Necessary = re.Pattern | stdre.Pattern | AfterNonSpace | tuple[str, ...]
NECESSARY: dict[str, Necessary] = {
    "IPv4": stdre.compile(r"\.[0-9]"), "IPv4_embedded": stdre.compile(r":[0-9]{1,3}\.[0-9]"),
    "IPv6": stdre.compile(r":[0-9a-f]{0,4}:", stdre.IGNORECASE), "IPv4_mapped": _COLONS, "IPv6_unspecified": _COLONS,
    "Standard Url": _DOMAIN, "Non schema URL": _DOMAIN, "Quoted URL": _DOMAIN, "Quoted Non-schema URL": _DOMAIN,
    "Email (Medium)": AfterNonSpace("@"),  # a mention's @ follows a space
    "Email (at)": stdre.compile(r"[(\[]at[)\]]", stdre.IGNORECASE),
    "party": PARTY_STEMS,
}
# Patterns that cannot match whitespace and whose only assertions are word boundaries: a
# match lies inside one whitespace-separated word, which must contain what it needs and
# pass the test given here.
WITHIN_A_WORD: dict[str, Callable[[str], bool]] = {
    "Standard Url": lambda word: "://" in word,
    "Non schema URL": lambda word: True,
    "Quoted URL": lambda word: "'" in word or '"' in word,
    "Quoted Non-schema URL": lambda word: "'" in word or '"' in word,
    "Email (Medium)": lambda word: "@" in word[1:],  # something before the @ (a mention has nothing)
}
# Patterns each of whose matches begins at most this many characters before one of its
# necessary strings: they are tried only there, not along whole posts.
BEGINS_NEAR_NECESSARY = {"party": 1}  # a hashtag's # before the party name
# The rest of a word either side of a position, whitespace as the patterns' engine sees it
# (not as str.isspace, which also counts the ASCII separators \x1c–\x1f).
WORD_BEFORE = re.compile(r"(?r)\S*")
WORD_AFTER = re.compile(r"\S*")


@cache
def _automaton(literals: tuple[str, ...]) -> ahocorasick.Automaton:
    """All the literals found in one pass (Aho-Corasick), not one pass each."""
    automaton = ahocorasick.Automaton()
    for literal in literals:
        automaton.add_word(literal, len(literal))
    automaton.make_automaton()
    return automaton


def lower_as_patterns_see(text: str) -> str:
    """Lower case as the patterns' case-blind matching sees it: a long s is an s (checked
    against every character in ``tests/test_detect.py``)."""
    return text.lower().replace("ſ", "s")


class Finding(NamedTuple):  # a tuple: thousands are made per batch, and they sort by position
    start: int
    end: int
    entity_type: str
    score: float
    party: str | None = None
    self_declared: bool | None = None


def _post_end(i: int, starts: list[int], joined: str) -> int:
    """Where post ``i`` ends in the joined batch (its separator excluded)."""
    return starts[i + 1] - len(SEPARATOR) if i + 1 < len(starts) else len(joined)


def remove_duplicates(results: list[RecognizerResult]) -> list[RecognizerResult]:
    """``EntityRecognizer.remove_duplicates``, with the same answer in the same order, faster:
    equal results are found by a tuple key (Presidio hashes each through an f-string), and
    the first of equals is kept, as Presidio's set keeps it."""
    unique = list({(r.entity_type, r.score, r.start, r.end): r for r in reversed(results)}.values())
    unique.sort(key=lambda r: (r.entity_type, r.start, r.start - r.end, -r.score))
    kept: list[RecognizerResult] = []
    active: list[RecognizerResult] = []
    kind = None
    for r in unique:
        if r.entity_type != kind:
            kind, active = r.entity_type, []
        if r.score == 0:
            continue
        active = [f for f in active if f.end >= r.start]  # only these can contain it
        if not any(f.start <= r.start and r.end <= f.end and r.score <= f.score for f in active):
            kept.append(r)
            active.append(r)
    return sorted(kept, key=lambda r: (-r.score, r.start, r.start - r.end))


# Values that are one thing each: a card number inside an IBAN, a link inside an e-mail
# address, a phone number inside an identity code is a part of the larger value, not a second one.
IDENTIFIERS = frozenset({"EMAIL_ADDRESS", "IBAN_CODE", "CREDIT_CARD", "PHONE_NUMBER", "IP_ADDRESS", "URL",
                         "FI_PERSONAL_IDENTITY_CODE"})


def _inside_another(r: RecognizerResult, results: list[RecognizerResult]) -> bool:
    return r.entity_type in IDENTIFIERS and any(
        o.entity_type in IDENTIFIERS and o.entity_type != r.entity_type and o.start <= r.start and r.end <= o.end
        and (o.end - o.start > r.end - r.start or o.score > r.score) for o in results)


def to_findings(results: list[RecognizerResult], text: str) -> list[Finding]:
    """Seula's findings: Presidio's results, less those that are part of a larger value of
    another type, and without the sentence punctuation Presidio's URL pattern swallows at the end."""
    out = []
    for r in results:
        end = r.end
        if _inside_another(r, results):
            continue
        if r.entity_type == "URL":
            while end > r.start + 1 and text[end - 1] in URL_TRAILING:
                end -= 1
        meta = r.recognition_metadata or {}
        out.append(Finding(r.start, end, r.entity_type, round(r.score, 6), meta.get("party"), meta.get("self_declared")))
    return sorted(out)


def _vectorised(recognizer: PatternRecognizer) -> bool:
    return type(recognizer).analyze is PatternRecognizer.analyze or hasattr(recognizer, "refine")


class Detector:
    def __init__(self, analyzer: AnalyzerEngine) -> None:
        self.analyzer = analyzer
        self._compiled: dict[tuple[str, int], re.Pattern] = {}
        self._finders: dict[tuple[str, str, int], Callable[[str], Iterator[tuple[int, int]]] | None] = {}
        # what the necessary strings found in the batch in hand, per necessary pattern
        self._batch_text = ""  # held, not its id: a later batch's text could reuse the id
        self._folded_text: str | None = ""
        self._posts: dict[int, list[int]] = {}
        self._words: dict[int, list[tuple[int, int, str]]] = {}

    def analyze(self, text: str, lang: str | None) -> list[Finding]:
        """Plain Presidio, one post: the reference the batch route must equal."""
        return to_findings(self.analyzer.analyze(text, language=served(lang, text)), text)

    def analyze_batch(self, texts: list[str], langs: list[str | None], with_model: bool = True) -> list[list[Finding]]:
        """Findings per text; ``langs`` are the platforms' tags (any, or None: see ``privacy.lang``);
        ``with_model=False`` leaves a spaCy model's name recognizer out."""
        langs = [served(lang, text) for lang, text in zip(langs, texts)]
        out: list[list[Finding]] = [[] for _ in texts]
        for lang in sorted(set(langs)):
            idx = [i for i, lang_i in enumerate(langs) if lang_i == lang]
            for chunk in range(0, len(idx), BATCH):
                part = idx[chunk : chunk + BATCH]
                for i, results in zip(part, self._batch([texts[i] for i in part], lang, with_model)):
                    out[i] = to_findings(results, texts[i]) if results else []
        return out

    def _regex(self, pattern: str, flags: int) -> re.Pattern:
        key = (pattern, flags)
        if key not in self._compiled:
            self._compiled[key] = re.compile(pattern, flags=flags)
        return self._compiled[key]

    def _batch(self, texts: list[str], lang: str, with_model: bool = True) -> list[list[RecognizerResult]]:
        recognizers = [r for r in self.analyzer.registry.get_recognizers(language=lang, all_fields=True)
                       if with_model or r.name != MODEL_RECOGNIZER]
        joined = SEPARATOR.join(texts)
        starts, pos = [], 0
        for t in texts:
            starts.append(pos)
            pos += len(t) + len(SEPARATOR)
        results: list[list[RecognizerResult]] = [[] for _ in texts]
        for rec in recognizers:
            if isinstance(rec, PatternRecognizer) and _vectorised(rec):
                found = self._patterns(rec, texts, joined, starts)
                refine = getattr(rec, "refine", None)
                for i, hits in found.items():
                    if refine:  # else the last step's dedupe sees them
                        hits = remove_duplicates(hits) if len(hits) > 1 else hits
                    results[i] += refine(texts[i], hits) if refine else hits
            elif isinstance(rec, PatternRecognizer):
                for i in self._candidates(rec, joined, starts):
                    results[i] += rec.analyze(texts[i], [], None)
            elif hasattr(rec, "candidate_posts"):
                for i in rec.candidate_posts(texts):
                    results[i] += rec.analyze(texts[i], [], None)
            else:
                for i, text in enumerate(texts):
                    results[i] += rec.analyze(text, [], None)
        return [remove_duplicates(r) if len(r) > 1 else r for r in results]

    def _matches(self, rec: PatternRecognizer, joined: str, starts: list[int]):  # type: ignore[no-untyped-def]
        for pattern in rec.patterns:
            compiled = self._regex(pattern.regex, rec.global_regex_flags)
            necessary = NECESSARY.get(pattern.name)
            if necessary is None:
                for m in compiled.finditer(joined):
                    i = bisect_right(starts, m.start()) - 1
                    yield pattern, i, m.start() - starts[i], m.end() - starts[i]
            elif pattern.name in WITHIN_A_WORD:
                could_be = WITHIN_A_WORD[pattern.name]
                spans = self._fast(pattern.name, pattern.regex, rec.global_regex_flags) or (
                    lambda word, engine=compiled: (m.span() for m in engine.finditer(word)))
                for i, offset, word in self._words_with(necessary, joined, starts):
                    if could_be(word):
                        for start, end in spans(word):
                            yield pattern, i, offset + start, offset + end
            elif pattern.name in BEGINS_NEAR_NECESSARY and self._folded(joined) is not None:
                # finditer's leftmost, non-overlapping matches, tried only where one can begin
                before, taken = BEGINS_NEAR_NECESSARY[pattern.name], 0
                for at in sorted({p - k for p in self._positions(necessary, joined, starts) for k in range(before + 1)}):
                    if at < taken or at < 0:
                        continue
                    i = bisect_right(starts, at) - 1
                    end = _post_end(i, starts, joined)
                    m = compiled.match(joined, at, end)
                    if m is not None and m.end() > at:
                        taken = m.end()
                        yield pattern, i, at - starts[i], m.end() - starts[i]
            else:  # the others run on the posts that contain what every match of theirs must
                for i in self._posts_with(necessary, joined, starts):
                    end = _post_end(i, starts, joined)
                    for m in compiled.finditer(joined, starts[i], end):
                        yield pattern, i, m.start() - starts[i], m.end() - starts[i]

    def _fast(self, name: str, regex: str, flags: int) -> Callable[[str], Iterator[tuple[int, int]]] | None:
        key = (name, regex, flags)
        if key not in self._finders:
            self._finders[key] = finder(name, regex, flags)
        return self._finders[key]

    def _found(self, joined: str) -> None:
        if self._batch_text is not joined:
            self._batch_text, self._folded_text, self._posts, self._words = joined, "", {}, {}

    def _folded(self, joined: str) -> str | None:
        """The batch in lower case as the patterns' case-blind matching sees it (a long s is
        an s), or None where that changed its length (offsets would shift)."""
        self._found(joined)
        if self._folded_text == "":
            folded = lower_as_patterns_see(joined)
            self._folded_text = folded if len(folded) == len(joined) else None
        return self._folded_text

    def _posts_with(self, necessary: Necessary, joined: str, starts: list[int]) -> list[int]:
        self._found(joined)
        if id(necessary) not in self._posts:
            found = self._positions(necessary, joined, starts)
            self._posts[id(necessary)] = sorted({bisect_right(starts, p) - 1 for p in found})
        return self._posts[id(necessary)]

    def _positions(self, necessary: Necessary, joined: str, starts: list[int]) -> list[int]:
        if not isinstance(necessary, tuple):
            return [m.start() for m in necessary.finditer(joined)]
        folded = self._folded(joined)
        if folded is None:
            return starts  # every post
        return [end + 1 - length for end, length in _automaton(necessary).iter(folded)]

    def _words_with(self, necessary: Necessary, joined: str, starts: list[int]) -> list[tuple[int, int, str]]:
        """(post, offset in it, word) of each whitespace-separated word that holds a match of ``necessary``."""
        self._found(joined)
        if id(necessary) not in self._words:
            words, end = [], -1
            for m in necessary.finditer(joined):  # type: ignore[union-attr]  (never a tuple here)
                if m.start() < end:
                    continue  # in the word just taken
                start = WORD_BEFORE.match(joined, 0, m.start()).start()  # type: ignore[union-attr]
                end = WORD_AFTER.match(joined, m.start()).end()  # type: ignore[union-attr]
                i = bisect_right(starts, start) - 1
                words.append((i, start - starts[i], joined[start:end]))
            self._words[id(necessary)] = words
        return self._words[id(necessary)]

    def _candidates(self, rec: PatternRecognizer, joined: str, starts: list[int]) -> set[int]:
        return {i for _, i, _, _ in self._matches(rec, joined, starts)}

    def _patterns(self, rec: PatternRecognizer, texts: list[str], joined: str, starts: list[int]) -> dict[int, list[RecognizerResult]]:
        """What ``PatternRecognizer.analyze`` finds in each post, per post (scoring as Presidio's)."""
        found: dict[int, list[RecognizerResult]] = {}
        crossed: set[int] = set()
        scores: dict[tuple[str, str], float] = {}
        meta = {RecognizerResult.RECOGNIZER_NAME_KEY: rec.name, RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: rec.id}
        for pattern, i, start, end in self._matches(rec, joined, starts):
            text = texts[i]
            if end > len(text):
                # A pattern that can match the separator: redo the posts it touched one by one.
                crossed |= {j for j in range(i, len(texts)) if starts[j] < starts[i] + end}
                continue
            span = text[start:end]
            if not span:
                continue
            if (pattern.name, span) not in scores:  # handles and links recur: validate each once
                scores[pattern.name, span] = self._score(rec, pattern.score, span)
            score = scores[pattern.name, span]
            if score > EntityRecognizer.MIN_SCORE:
                found.setdefault(i, []).append(
                    RecognizerResult(rec.supported_entities[0], start, end, score, recognition_metadata=dict(meta))
                )
        for i in crossed:
            found[i] = PatternRecognizer.analyze(rec, texts[i], [])
        return found

    @staticmethod
    def _validated(rec: PatternRecognizer, score: float, span: str) -> float:
        """A pattern's score after the recognizer's validation, as Presidio applies it."""
        valid = rec.validate_result(span)
        return score if valid is None else EntityRecognizer.MAX_SCORE if valid else EntityRecognizer.MIN_SCORE

    @classmethod
    def _score(cls, rec: PatternRecognizer, score: float, span: str) -> float:
        validated = cls._validated(rec, score, span)
        return EntityRecognizer.MIN_SCORE if rec.invalidate_result(span) else validated
