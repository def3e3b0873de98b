"""Free text through the sieve: contact details out, people replaced by their pseudonyms.

This is the first version of the text pass: e-mail addresses and phone numbers become typed
placeholders, and every handle or known display name of a non-publishable person becomes
that person's engagement pseudonym. Presidio-based tagging plugs in here (issue 3).
"""

from __future__ import annotations

import re
from collections.abc import Callable

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b")
# Finnish numbers (+358 40 123 4567, 040 1234567, 050-123 4567, (09) 123 4567) and E.164.
PHONE = re.compile(
    r"(?<![\w+])(?:\+358[\s-]?\(?0?\d{1,3}\)?|\(0\d{1,2}\)|0\d{1,2})[\s-]?\d{3,4}[\s-]?\d{3,4}(?!\w)"
    r"|(?<![\w+])\+[1-9]\d{7,14}(?!\w)"
)
# A handle after @, in a profile URL, or in a search operator (queries are stored too).
# Each alternative begins by taking its @, / or :, and looks back from there: a pattern that
# starts with one of a few characters is skipped through quickly (the scan ran ten times slower
# with the look-behinds first).
HANDLE = re.compile(r"(?:@(?<![\w.@]@)|/(?<=x\.com/)|/(?<=twitter\.com/)|:(?<=\bfrom:)|:(?<=\bto:))(\w{1,50})")
WORD = re.compile(r"\w+(?:[-'’]\w+)*")  # Marja-Leena, O'Brien: one word each
MAX_NAME_WORDS = 4

HandleResolver = Callable[[str], str | None]
NameResolver = Callable[[str], str | None]


def redact_contacts(text: str) -> str:
    return PHONE.sub("<PHONE>", EMAIL.sub("<EMAIL>", text))


def replace_handles(text: str, resolve: HandleResolver) -> str:
    """``resolve(handle)`` gives the pseudonym to write, or None to keep the handle."""
    if "@" not in text and "/" not in text and ":" not in text:
        return text  # every handle HANDLE finds follows one of these: most text has none

    def swap(m: re.Match[str]) -> str:
        pid = resolve(m.group(1))
        return m.group(0) if pid is None else m.group(0)[: m.start(1) - m.start(0)] + pid

    return HANDLE.sub(swap, text)


def find_names(text: str, resolve: NameResolver, starts: Callable[[str], bool] = lambda _: True) -> list[tuple[int, int, str]]:
    """Spans of runs of 2–4 words that ``resolve`` knows as a person's name (longest first).

    ``starts(word)`` says whether any known name begins with that word: it lets the scan
    skip, with one lookup, the runs that cannot be a name.
    """
    words = list(WORD.finditer(text))
    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(words):
        if not starts(words[i].group()):
            i += 1
            continue
        for n in range(min(MAX_NAME_WORDS, len(words) - i), 1, -1):
            run = words[i : i + n]
            if any(text[a.end() : b.start()].strip() for a, b in zip(run, run[1:])):
                continue  # only words separated by whitespace form a name
            pid = resolve(text[run[0].start() : run[-1].end()])
            if pid is not None:
                found.append((run[0].start(), run[-1].end(), pid))
                i += n
                break
        else:
            i += 1
    return found


def replace_names(text: str, resolve: NameResolver, starts: Callable[[str], bool] = lambda _: True) -> str:
    out: list[str] = []
    cursor = 0
    for start, end, pid in find_names(text, resolve, starts):
        out += [text[cursor:start], pid]
        cursor = end
    out.append(text[cursor:])
    return "".join(out)
