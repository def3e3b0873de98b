"""Phone numbers as Presidio finds them: the ``phonenumbers`` library's matcher, valid numbers
only, for the countries Seula's posts come from (Finland, Sweden, the UK, the US, Germany;
any number written with its +country code is found whatever the country); and any number
written the Finnish way that the plan merely allows.

The matcher also takes numbers that are part of something else for phone numbers: an IP
address, an identity code, a card number, a date, a price, a case number, the digits of a
link. A number must stand on its own here, and have the shape of none of those.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import phonenumbers
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

from seula.privacy.recognizers.iban import IBAN_SHAPE

_FIVE_DIGITS = re.compile(r"(?:\d\D*){5}")  # fewer digits are no number kept (``_alone``)
# Written the Finnish way: +358 or a leading 0 (an area code in brackets too), then groups of
# digits. The matcher alone misses some of these (a number followed by a year: "0457 1234567 2026").
_INTERNATIONAL = re.compile(r"(?<![\w+\-/])(?<!\d\.)\+[1-9]\d{0,2}(?:[\s-]?(?:\(\d{1,4}\)|\d{1,4})){1,7}"
                            r"(?![\w\-/]|[.,]\d)")
_FINNISH = re.compile(r"(?<![\w+\-/])(?<!\d\.)(?:\+358[\s-]?(?:\(0\)\s?)?|\(0\d{1,3}\)\s?|0)\d{1,3}(?:[\s/-]?\d{2,4}){1,3}"
                      r"(?![\w\-/]|[.,]\d)")


class _Span(NamedTuple):  # what Presidio's result builder reads of a match
    start: int
    end: int


def _written_numbers(text: str) -> list[_Span]:
    """Each number written the Finnish way or with its +country code: the candidate cut after
    the last group of digits that leaves a number (the patterns also take a year or the next
    number after a number as more groups; the search goes on right after the cut)."""
    found = []
    for pattern in (_FINNISH, _INTERNATIONAL):
        at = 0
        while (m := pattern.search(text, at)) is not None:
            ends = [d.end() for d in re.finditer(r"\d+", m.group())]
            end = next((e for e in reversed(ends) if _a_number(m.group()[:e])), None)
            found += [] if end is None else [_Span(m.start(), m.start() + end)]
            at = m.end() if end is None else m.start() + end
    return found


def _a_number(number: str) -> bool:
    """At least eight digits, and a valid number, or one the plan allows with at most ten
    digits after the trunk 0 or country code (longer, it has taken the next number's too)."""
    try:
        parsed = phonenumbers.parse(number, "FI")
    except phonenumbers.NumberParseException:
        return False
    return sum(c.isdigit() for c in number) >= 8 and (phonenumbers.is_valid_number(parsed) or (
        len(str(parsed.national_number)) <= 10 and phonenumbers.is_possible_number(parsed)))


_NOT_A_PHONE = re.compile(
    r"\d{6}[-+A-FYXWVU]\d{3}[0-9A-Y]?"  # a personal identity code (valid or not)
    r"|\d{1,3}(?:\.\d{1,3}){3}"  # an IPv4 address
    r"|\d{1,2}[./]\d{1,2}[./]\d{2,4}"  # a date
    r"|\d{1,2}[.:]\d{2}(?:\s?[-–]\s?\d{1,2}[.:]\d{2})?"  # a time, or from one time to another
    r"|(?:19|20)\d\d-\d+"  # a case or order number: year-number
    r"|\d{7}-\d"  # a business id (Y-tunnus)
)
# Part of a number, a link, an address or a sum ("tel.040…" and "is415-…" are still numbers).
_JOINED_BEFORE = re.compile(r"[\d/\-_#+=@&%~]|(?<=\d)\.")
_FOUR_DIGIT_GROUPS = re.compile(r"(?<!\d)\d{4}(?:[ -]\d{4}){3,}(?!\d)")  # a card or serial number, grouped
_JOINED_AFTER = re.compile(r"[\w/\-_@%+]|[.,]\d|\s?[€$£]")
# Inside an account number written as an IBAN (one with a typo is no less an account number).
_IBAN_SHAPED = re.compile(IBAN_SHAPE)
# Right after a word that names a reference ("Order no. 0610-4110", "tilausnumero 012212427").
_REFERENCE_BEFORE = re.compile(
    r"(?:\b(?:order|ticket|invoice|case|ref|reference|tilaus|tilausnumero|tilausnro|lasku|laskunumero|viite|"
    r"viitenumero|asiakasnumero|asiakasnro|ordernummer|fakturanummer|beställning)"
    r"(?:\s+(?:no|nr|nro|number|numero))?\.?|#)\s*:?\s*$",
    re.IGNORECASE)


class SeulaPhoneRecognizer(PhoneRecognizer):
    REGIONS = ("FI", "SE", "GB", "US", "DE")
    CONTEXT = ["puh", "puhelin", "puhelinnumero", "soita", "numero", "tekstaa", "gsm", "tel", "telefon", "ring",
               "mobil", "nummer", "phone", "call", "mobile", "whatsapp", "signal"]

    def __init__(self, supported_language: str = "fi", regions: tuple[str, ...] = REGIONS, leniency: int = 1) -> None:
        super().__init__(context=self.CONTEXT, supported_language=supported_language, supported_regions=regions,
                         leniency=leniency)

    def candidate_posts(self, texts: list[str]) -> list[int]:
        """The texts the matcher can find anything in (the batch route runs it on these only)."""
        return [i for i, text in enumerate(texts) if _FIVE_DIGITS.search(text)]

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        excluded = [m.span() for pattern in (_FOUR_DIGIT_GROUPS, _IBAN_SHAPED) for m in pattern.finditer(text)]
        results = EntityRecognizer.remove_duplicates([self._get_recognizer_result(span, text, region, nlp_artifacts)
                                                      for span, region in self._matched(text, excluded)])  # as Presidio's
        # A number written the Finnish way (0…, (0…), +358…) is a phone number even where the
        # numbering plan has no such range yet (or it is made up): redacting it costs nothing.
        # So is a +country number the matcher lost because digits followed it.
        # (A stricter leniency than VALID asks for exact grouping: then only the matcher's.)
        if self.leniency <= phonenumbers.Leniency.VALID:
            results += [self._get_recognizer_result(span, text, "FI", nlp_artifacts) for span in _written_numbers(text)]
        return EntityRecognizer.remove_duplicates([r for r in results if _alone(text, r.start, r.end, excluded)])

    def _matched(self, text: str, excluded: list[tuple[int, int]] = ()) -> list[tuple[_Span, str]]:
        """What Presidio's recognizer finds (the ``phonenumbers`` matcher, region by region), with
        the matcher run on each stretch of digits and a few characters either side instead of
        on the whole text: it spends its time trying every run of digits (IBANs, dates, prices)
        five times over, and the words between numbers are of no use to it. Stretches inside
        ``excluded`` (cards, serials, IBANs: no number found there would be kept) are passed by.

        The first region is asked first; the others only about a stretch where it left a run of
        digits unexplained. A run it matched whole, with nothing after it that could extend a
        number, is the same span in every region, and only spans are kept."""
        found = []
        first, *others = self.supported_regions
        for start, end in _windows(text, excluded):
            window = text[start:end]
            spans = _matches(window, first, self.leniency)
            found += [(_Span(start + a, start + b), first) for a, b in spans]
            if _explained(window, spans):
                continue
            for region in others:
                found += [(_Span(start + a, start + b), region) for a, b in _matches(window, region, self.leniency)]
        return found


# Digits and what numbers are written with: whitespace and the marks phonenumbers' matcher
# allows between groups and after a plus sign (its VALID_PUNCTUATION, less the x of an
# extension), so that a run holds every number the matcher can find ("4567–00" is one number
# to it, en dash and all; so is "+/2679…").
_MARKS = " \t\xa0\u3000\\-‐-―−ー－-／\xad\u200b\u2060()（）［］.\\[\\]/~⁓∼～"
_RUN = re.compile(f"(?:[+＋][{_MARKS}]*)?[(（]*\\d(?:[\\d{_MARKS}]*\\d)?")
_CONTEXT = 8  # characters either side a match's checks read (a letter joined to it, a time after it)
_EXTENSION_REACH = 30  # from a number to its extension's digits (", ext. 12"; phonenumbers allows runs of separators)


def _windows(text: str, excluded: list[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Stretches of ``text`` holding every run of digits a kept number may stand in, with some
    context, never cutting through another run of digits."""
    runs = [m.span() for m in _RUN.finditer(text)]
    windows: list[tuple[int, int]] = []
    for start, end in runs:
        if _no_number_kept(text, start, end, excluded):
            continue
        if _EXTENDS.match(text, end):  # an extension's digits may follow the marker at some distance
            end = next((b for a, b in runs if end < a <= end + _EXTENSION_REACH), end)
        start, end = max(0, start - _CONTEXT), min(len(text), end + _CONTEXT)
        # Widen to whole runs at the edges, and one character beyond them: the matcher reads
        # the character either side of a number (a letter joined to it rules it out).
        for a, b in reversed(runs):
            if a <= start < b:
                start = max(0, a - 1)
        for a, b in runs:
            if a < end <= b:
                end = min(len(text), b + 1)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    return windows


def _no_number_kept(text: str, start: int, end: int, excluded: list[tuple[int, int]]) -> bool:
    """Whether no number the matcher could find in this run would be kept (``_alone``): fewer
    than five digits; inside a card, serial or IBAN; a date, time, identity code or address; or
    a tight run joined to what follows it.

    In a tight run (groups of digits joined by ``-``, ``/`` or ``.``: "1507-2119", "712.83")
    every match ends at the run's end or before a digit or a joining mark; where the run itself
    is followed by "€", "%", a letter or a slash, ``_alone`` refuses every one of them. (Not so
    for what stands before a run: a match may begin before it, at "#" for instance, when the
    matcher takes a longer stretch apart.) Unless an extension may follow: then a match can
    reach past the run.
    """
    run = text[start:end]
    if sum(c.isdigit() for c in run) < 5:
        return True
    if _EXTENDS.match(text, end):  # a match may reach past the run ("2024-123456 ext. 12")
        return False
    if any(a <= start and end <= b for a, b in excluded) or _NOT_A_PHONE.fullmatch(run):
        return True
    if not _TIGHT.fullmatch(run):
        return False
    if run.isdigit() and (len(run) > 15 or _WORD_CHAR.match(text, end) or (start and _WORD_CHAR.match(text, start - 1))):
        return True
    return bool(_JOINED_AFTER.match(text, end))


_TIGHT = re.compile(r"\d+(?:[-/.]\d+)*")


def _explained(window: str, spans: tuple[tuple[int, int], ...]) -> bool:
    """Whether every run of five or more digits in ``window`` is exactly one of ``spans`` and
    is followed by nothing a number could go on with (an extension, a bracket, a letter)."""
    for m in _RUN.finditer(window):
        if sum(c.isdigit() for c in m.group()) < 5:
            continue
        if m.span() not in spans or _EXTENDS.match(window, m.end()):
            return False
    return True


# What may continue a number: an extension (a marker phonenumbers knows, then its digits: "x12",
# ", ext. 12", "#12", "anexo 12", "доб. 12", ";ext=12"), a bracketed group or more digits ("(0)",
# "(0)40 …"). A comma or a full stop alone, as after most numbers in a sentence, is no extension.
_EXTENDS = re.compile(r"[\s,]*(?:;ext=|[#~xｘ＃～]|e?xt(?:ensi[oó]n?)?n?|ｅ?ｘｔｎ?|int|ｉｎｔ|anexo|доб)[:.．]?[\s,\-]*\d"
                      r"|\s*\(?\d", re.IGNORECASE)


_WORD_CHAR = re.compile(r"(?![xXeE])\w")  # a letter that cannot begin an extension ("x12", "ext. 12")


@lru_cache(maxsize=65_536)  # reposts and replies repeat their numbers
def _matches(window: str, region: str, leniency: int) -> tuple[tuple[int, int], ...]:
    return tuple((m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(window, region, leniency=leniency))


def _alone(text: str, start: int, end: int, excluded: list[tuple[int, int]]) -> bool:
    """Whether the number stands on its own; ``excluded``: where cards, serials and IBANs stand."""
    span = text[start:end]
    return not (
        (start and _JOINED_BEFORE.match(text, start - 1) and not span.startswith("+"))
        or _JOINED_AFTER.match(text, end)
        or _NOT_A_PHONE.fullmatch(span)
        or not 5 <= sum(c.isdigit() for c in span) <= 15  # a year, a PIN, a short service number (German
        # ones have four digits); or longer than any number (E.164): a card, an account
        or any(a <= start and end <= b for a, b in excluded)
        or _REFERENCE_BEFORE.search(text, max(0, start - 24), start) is not None
    )
