"""Free text through the sieve: contact details out, people replaced by their pseudonyms.

Every handle or known display name of a non-publishable person becomes that person's
engagement pseudonym; contact details are found by the detector (``privacy.detect``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

# A handle after @, in a profile URL, or in a search operator (queries are stored too).
# Each alternative begins by taking its @, / or :, and looks back from there: a pattern that
# starts with one of a few characters is skipped through quickly (the scan ran ten times slower
# with the look-behinds first).
# ``.@name`` (the dot-reply convention) is a mention; ``first.last@`` is an e-mail address.
HANDLE = re.compile(r"(?:@(?<![\w@]@)(?<!\w\.@)|/(?<=x\.com/)|/(?<=twitter\.com/)|:(?<=\bfrom:)|:(?<=\bto:))(\w{1,50})")
WORD = re.compile(r"\w+(?:[-'’]\w+)*")  # Marja-Leena, O'Brien: one word each
MAX_NAME_WORDS = 4
LITERAL_BREAK = re.compile(r"\\[nrt]")


def breaks_apart(text: str) -> str:
    """``text`` with each line break written out as ``\\n`` made two spaces (as long as what
    it replaces, so spans hold): saved Graph messages have them, and they part words."""
    return LITERAL_BREAK.sub("  ", text) if "\\" in text else text


HandleResolver = Callable[[str], str | None]
NameResolver = Callable[[str], str | None]


def first_word(name: str) -> str | None:
    """A name's first word; None for a name of no word at all (emoji, punctuation)."""
    words = WORD.findall(name)
    return words[0] if words else None


def normal_name(name: str) -> str:
    """A name as it is compared and hashed: lower case, single spaces."""
    return " ".join(name.lower().split())


# A person's number in a link's query (Facebook's profile.php?id=…, photo.php?…&id=…,
# ?viewas=…): on Facebook a user's id is their handle.
URL_ID = re.compile(r"(?i)([?&;](?:id|uid|viewas|profile_id|user_id)=)(\d{5,20})(?!\d)")


def replace_url_ids(text: str, resolve: HandleResolver) -> str:
    """``resolve(id)`` gives the pseudonym for a user number in a link, or None to keep it."""
    if "=" not in text:
        return text
    return URL_ID.sub(lambda m: m.group(1) + (resolve(m.group(2)) or m.group(2)), text)


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
    skip, with one lookup, the runs that cannot be a name. A line break written out as
    ``\\n`` (saved Graph messages have them) separates words like the break itself.
    """
    text = breaks_apart(text)
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
