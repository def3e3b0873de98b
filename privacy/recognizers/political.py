"""Political affiliation (a GDPR Art. 9 special category): Finnish parliamentary parties,
named in Finnish, Swedish or English.

A finding carries the party code and whether the writer declares it of themselves.
Words with an everyday meaning ("keskusta" is also a town centre, "vihreät" anything green)
count only when the same sentence has a political cue; party names, abbreviations and
hashtags count on their own.
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

# party code -> (unambiguous forms, forms that need a political cue); regex fragments
PARTIES: dict[str, tuple[list[str], list[str]]] = {
    "KOK": ([r"kokoomu\w*", r"National\s+Coalition(?:\s+Party)?", r"\(kok\.?\)", r"samlingsparti\w*"], []),
    "SDP": ([r"SDP(?::\w+)?", r"demar(?:i|it|ien|eja|eita|eille|eissa|ien|ille)\b", r"sosialidemokraat\w*",
             r"Social\s+Democrat(?:ic\s+Party|s)", r"socialdemokrat\w*"], []),
    # the party in the plural; "perussuomalainen arki" is everyday Finnish unless the sentence is political
    "PS": ([r"perussuomalais(?:et|ten|ille|ia|iin|issa|ista|illa|ilta|ilt)", r"persu(?:t|jen|ja|ille|ihin|issa)?",
            r"Finns\s+Party", r"\(ps\.?\)", r"sannfinländ\w*"], [r"perussuomalai\w*"]),
    "KESK": ([r"keskustalai\w*", r"keskustapuolue\w*", r"Cent(?:re|er)\s+Party", r"\(kesk\.?\)"],
             [r"keskusta(?:n|a|lle|ssa|sta|an)?", r"centern"]),
    "VIHR": ([r"Green\s+League", r"\(vihr\.?\)", r"vihr\."],
             [r"vihre(?:ät|iden|itä|ille|issä|istä|ihin|änä|äksi)", r"Greens", r"gröna"]),
    "VAS": ([r"vasemmistoliit\w*", r"Left\s+Alliance", r"\(vas\.?\)", r"vänsterförbund\w*"], []),
    "RKP": ([r"RKP(?::\w+)?", r"SFP(?::\w+)?", r"Swedish\s+People's\s+Party", r"\(r\.?\)", r"Svenska\s+folkpartiet\w*"], []),
    "KD": ([r"kristillisdemokraat\w*", r"KD(?::\w+)?", r"Christian\s+Democrats?", r"kristdemokrat\w*"], []),
    "LIIK": ([r"Movement\s+Now"], [r"Liike\s+Nyt(?:in|iä|iin|issä|istä|ille|iltä|illä)?", r"Rörelse\s+Nu"]),
}
HASHTAGS = {
    "KOK": "kokoomus", "SDP": "sdp", "PS": "perussuomalaiset", "KESK": "keskusta", "VIHR": "vihreät",
    "VAS": "vasemmistoliitto", "RKP": "rkp", "KD": "kd", "LIIK": "liikenyt",
}
CUES = re.compile(
    r"\b(?:ehdok\w*|ehdolla|puolue\w*|kansanedustaj\w*|valtuutet\w*|valtuusto\w*|jäsen\w*|äänest\w*|vaal\w*|"
    r"hallitu\w*|oppositio\w*|puheenjohtaj\w*|eduskun\w*|ministeri\w*|kannatu\w*|candidate\w*|MPs?|councillor\w*|"
    r"part(?:y|ies)|vot(?:e|es|ed|ing|ers?)|election\w*|government|parliament\w*|polls?|"
    r"parti\w*|kandidat\w*|riksdag\w*|ledamot\w*|fullmäktige\w*|regering\w*|röst\w*|val(?:et|en)|valkampanj\w*|"
    r"ordförande\w*)\b",
    re.IGNORECASE,
)
SELF_FI = re.compile(
    r"\b(?:olen|olemme|oon|olin|olimme|minä|mä|puolueeni|puolueemme|listaltani|ehdokkaana|valtuutettuna|"
    r"kansanedustajana|jäsenenä|puheenjohtajana)\b|^\s*ehdolla\b",
    re.IGNORECASE,
)
SELF_SV = re.compile(r"\b(?:jag|vi|mitt\s+parti|vårt\s+parti)\b", re.IGNORECASE)
# English first person: a capital "I" only, so "i" in other words or languages does not count.
SELF_EN = re.compile(r"(?<![\w'])I(?:'m|'ve|'ll)?(?![\w'])|\b(?i:my|our)\s+(?i:party)\b")


# Lower-case strings of which every party form contains at least one (a cheap pre-filter).
PARTY_STEMS = ("kokoomu", "(kok", "national", "sdp", "demar", "sosialidem", "social", "perussuom", "persu", "finns",
               "(ps", "keskust", "centre", "center", "(kesk", "green", "vihr", "vasemmisto", "left", "(vas", "rkp",
               "sfp", "swedish", "(r", "kristillis", "kd", "christian", "movement", "liike", "samlingsparti",
               "sannfinl", "grön", "vänster", "svenska", "kristdem", "rörelse")
AMBIGUOUS_SCORE = 0.6  # an everyday word that the sentence's political cue made a party


def _alternation(forms: list[str]) -> str:
    return "|".join(f"(?:{f})" for f in forms)


def _sentence(text: str, start: int, end: int) -> str:
    left = max(text.rfind(c, 0, start) for c in ".!?\n")
    rights = [i for i in (text.find(c, end) for c in ".!?\n") if i != -1]
    return text[left + 1 : min(rights) if rights else len(text)]


class PoliticalAffiliationRecognizer(PatternRecognizer):
    ENTITY = "POLITICAL_AFFILIATION"

    def __init__(self, supported_language: str = "fi") -> None:
        self._forms: list[tuple[str, bool, re.Pattern]] = []
        self._classified: dict[str, tuple[str, bool] | None] = {}
        alternatives = []
        for code, (plain, ambiguous) in PARTIES.items():
            for forms, needs_cue in ((plain, False), (ambiguous, True), ([f"#{HASHTAGS[code]}"], False)):
                if forms:
                    alternatives += forms
                    self._forms.append((code, needs_cue, re.compile(rf"^(?:{_alternation(forms)})$", re.IGNORECASE)))
        # One pattern for every party form: one pass over the text; ``refine`` tells them apart.
        pattern = Pattern("party", rf"(?<![\w#])(?:{_alternation(alternatives)})(?!\w)", 0.8)
        super().__init__(
            supported_entity=self.ENTITY, patterns=[pattern], supported_language=supported_language,
            name="PoliticalAffiliationRecognizer",
            context=["ehdokas", "kansanedustaja", "valtuutettu", "jäsen", "candidate", "MP", "councillor"],
        )

    def classify(self, span: str) -> tuple[str, bool] | None:
        """The party code of a matched span and whether it needs a political cue."""
        if span not in self._classified:  # the same few party words, over and over
            if len(self._classified) > 10_000:
                self._classified.clear()
            self._classified[span] = next(
                ((code, needs_cue) for code, needs_cue, form in self._forms if form.match(span)), None)
        return self._classified[span]

    def refine(self, text: str, results: list[RecognizerResult]) -> list[RecognizerResult]:
        """Keep real party mentions, each with its party code and self-declaration flag."""
        kept = []
        for result in results:
            found = self.classify(text[result.start : result.end])
            if found is None:
                continue
            code, needs_cue = found
            sentence = _sentence(text, result.start, result.end)
            if needs_cue:
                if not CUES.search(sentence):
                    continue
                result.score = AMBIGUOUS_SCORE
            declared = bool(SELF_FI.search(sentence) or SELF_SV.search(sentence) or SELF_EN.search(sentence))
            result.recognition_metadata = {**(result.recognition_metadata or {}), "party": code, "self_declared": declared}
            kept.append(result)
        return kept

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        return self.refine(text, super().analyze(text, entities, nlp_artifacts, regex_flags))
