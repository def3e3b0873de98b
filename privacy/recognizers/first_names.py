"""Names of people nobody collected, found without a model: a first name and the capitalised
word after it ("Tapasin tänään Matti Meikäläinen torilla").

The first names are Faker's lists for Finland, Sweden and the United States (a maintained
source of the names people in these countries are given), less the ones that are also
English words that begin sentences and headings ("Will", "May"). The word after it
must look like a surname: a capital, then lower-case letters, and not a word that follows
names without being one (a weekday, a month, a party, a place). What it misses: a lone first
name, a name written in lower case, a first name in an inflected form ("Matille").
"""

from __future__ import annotations

import re

from faker.providers.person.en_US import Provider as EnglishNames
from faker.providers.person.fi_FI import Provider as FinnishNames
from faker.providers.person.sv_SE import Provider as SwedishNames
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

# Given names that are also English words which begin sentences and title-case headings
# ("Will Finland Win?"); in Finnish and Swedish the capitalised word after them sorts that out.
EVERYDAY = frozenset("""
    bill frank grace hope joy june may will dawn faith art summer april august rose ray sky
    gay iris ivy jack jean pat page sunny major judge my
""".split())
# Capitalised words that often follow a first name and are not surnames (a sentence may begin after it).
NOT_SURNAMES = frozenset("""
    maanantaina tiistaina keskiviikkona torstaina perjantaina lauantaina sunnuntaina
    monday tuesday wednesday thursday friday saturday sunday january february march april june july
    august september october november december
    måndag tisdag onsdag torsdag fredag lördag söndag
    helsinki helsingissä helsingin tampere tampereella turku turussa oulu suomi suomen suomessa finland
    sverige stockholm espoo vantaa
    kokoomus sdp perussuomalaiset keskusta vihreät vasemmistoliitto rkp kd
    democrats democrat party finnish swedish english german french american british russian estonian
    the a an and or but if in on at to for of with from by we you he she it they this that is was
    och men på det den en ett vi jag han hon ja mutta se hän me he tämä että
""".split())
FIRST_NAMES = frozenset(
    n.lower() for provider in (FinnishNames, SwedishNames, EnglishNames) for n in provider.first_names
) - EVERYDAY
WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")  # Anna-Kaisa, Halla-aho: one word each
MAX_GIVEN = 3  # "Anna Maria Liisa Virtanen"


def _given(word: str) -> bool:
    return word[:1].isupper() and all(part.lower() in FIRST_NAMES for part in word.split("-"))


def _surname(word: str) -> bool:
    return len(word) > 1 and word[0].isupper() and not word.isupper() and word.lower() not in NOT_SURNAMES


def find_names(text: str) -> list[tuple[int, int]]:
    """Spans of one to three given names and the surname-like word after them (or the last
    of several given names as the surname), separated by spaces only, not inside a handle,
    hashtag, link or address."""
    words = list(WORD.finditer(text))
    found, i = [], 0
    while i < len(words):
        w = words[i]
        if not _given(w.group()) or text[w.start() - 1:w.start()] in set("@#/._-") and w.start() > 0:
            i += 1
            continue
        j = i + 1
        while j < len(words) and j - i < MAX_GIVEN and _given(words[j].group()) and _spaced(text, words[j - 1], words[j]):
            j += 1
        if j < len(words) and _spaced(text, words[j - 1], words[j]) and _surname(words[j].group()) \
                and text[words[j].end():words[j].end() + 1] not in set("@-_"):
            found.append((w.start(), words[j].end()))
            i = j + 1
        elif j - i > 1:  # "Sarah Connor": the surname is a given name too
            found.append((w.start(), words[j - 1].end()))
            i = j
        else:
            i += 1
    return found


def _spaced(text: str, a: re.Match[str], b: re.Match[str]) -> bool:
    gap = text[a.end():b.start()]
    return bool(gap) and gap.strip(" \t") == ""


class FirstNameRecognizer(EntityRecognizer):
    """PERSON for known first names followed by a surname-like word."""

    def __init__(self, supported_language: str = "fi") -> None:
        super().__init__(supported_entities=["PERSON"], supported_language=supported_language,
                         name="FirstNameRecognizer")

    def load(self) -> None:  # the lists are imported with the module
        pass

    def candidate_posts(self, texts: list[str]) -> list[int]:
        """Indexes of the texts with a capitalised first name: where such a name can be."""
        words = {t: {w for w in WORD.findall(t) if w[:1].isupper()} for t in set(texts)}
        given = {w for ws in words.values() for w in ws if _given(w)}
        return [i for i, t in enumerate(texts) if not given.isdisjoint(words[t])]

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        return [RecognizerResult("PERSON", start, end, 0.6, recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: self.name, RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id})
            for start, end in find_names(text)]
