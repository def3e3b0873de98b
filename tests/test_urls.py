"""The fast URL finder against Presidio's own URL patterns, on words made to trip it up."""

import regex
from hypothesis import given, settings
from hypothesis import strategies as st
from presidio_analyzer.predefined_recognizers import UrlRecognizer

from seula.privacy.urls import finder

FLAGS = UrlRecognizer(supported_language="fi").global_regex_flags
PATTERNS = {p.name: p.regex for p in UrlRecognizer.PATTERNS}
PIECES = [*"acfimostw0123.-/:_?#()<>'\"İKſ", "https://", "http://", "HTTP://", "www.", "www12.", "com", "co", "community",
          "fi", "uk", "org", "example", "a" * 250, ".." ]


def engine(name: str, word: str) -> list[tuple[int, int]]:
    return [m.span() for m in regex.compile(PATTERNS[name], FLAGS).finditer(word)]


def fast(name: str, word: str) -> list[tuple[int, int]]:
    find = finder(name, PATTERNS[name], FLAGS)
    assert find is not None
    return list(find(word))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14).map("".join))
def test_same_spans_as_presidios_patterns(word: str) -> None:
    for name in ("Standard Url", "Non schema URL"):
        assert fast(name, word) == engine(name, word), (name, word)


def test_known_words() -> None:
    for word in ("https://t.co/8eKavYYBtx", "www.example.community/x", "a.b.c.fi.", "x" * 260 + ".fi",
                 "http://" + "y" * 300 + ".com/z", "mailto:matti@example.fi", "v1.2.3", "İ.fi", "example.ſh"):
        for name in ("Standard Url", "Non schema URL"):
            assert fast(name, word) == engine(name, word), (name, word)


def test_other_patterns_are_left_to_the_engine() -> None:
    assert finder("Quoted URL", PATTERNS["Quoted URL"], FLAGS) is None
    assert finder("Non schema URL", PATTERNS["Non schema URL"].replace("253", "99"), FLAGS) is None
