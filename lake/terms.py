"""What counts as a term in the term statistics: a word's lemma in its post's language, less
stop words.

The lake derives each post's distinct lower-case words on write (``lake.schema.post_terms``);
the partial counts (``lake.partials``) turn them into lemmas here, so "eduskunta" and
"eduskunnan" are one term, and leave out stop words and social-media filler. Finnish, Swedish
and English are lemmatised with simplemma (its dictionaries ship in the package: nothing is
fetched); a post the platform did not tag with a language (Facebook tags none; X says "und")
is given the one of the three in whose dictionary most of its words are, if any. Work is per
distinct word, never per occurrence: each (language, word) is looked up once per process.

A term never holds a pseudonym or a placeholder: words are runs of letters that start after
a space (``lake.schema.TERM``), so ``u_…`` pseudonyms, ``@`` mentions and ``<EMAIL>``-style
placeholders are never words, and ``is_term`` checks every lemma again.

``VERSION`` names this whole definition (the lemmatiser's and the stop lists' versions and
this module's own lists): the partial counts are kept under it, so counts made under another
definition are never summed with these.
"""

from __future__ import annotations

import functools
import hashlib
import re
from importlib.metadata import version

import duckdb
import pyarrow as pa
import simplemma
import stopwords

from seula.lake.subjects import PID

LEMMATISED = ("fi", "sv", "en")
UNKNOWN = ("", "und")  # no language tag from the platform, or "undetermined"

# Filler of social-media posts that the general stop lists keep (checked against the word
# and against its lemma): discourse particles, talk about talking, greetings, URL pieces.
FILLER = {
    "fi": """taas vaan vain ihan kyllä joo jep niin nyt juuri jotain jotenkin tosi aika oikeesti oikeasti
             puhua puhe sanoa kertoa kysyä mieli mieltä ajatella miettiä tietää luulla lukea saada pitää tehdä
             kiitos moi hei terve tänään eilen huomenna viikko päivä lisää asia juttu homma""",
    "sv": """bara också just typ liksom väl nog ju tack hej idag igår imorgon säga prata tycka tänka
             fråga vecka dag sak bra läsa göra komma""",
    "en": """just really like get got one new today yesterday tomorrow say said says talk talking think
             thing things lot way also even still thanks thank hey week day another honestly actually
             good great need see next want right everyone nobody anyone someone exactly sure maybe well
             yes yeah please know going make let come look read lol omg""",
    "": """http https www com html amp via""",
}
STOP: dict[str, frozenset[str]] = {
    lang: frozenset(stopwords.get_stopwords(lang)) | frozenset(FILLER[lang].split()) | frozenset(FILLER[""].split())
    for lang in LEMMATISED
}
ANY_STOP = frozenset().union(*STOP.values())  # for posts of another or an unknown language
TERM = re.compile(r"[^\W\d_](?:[^\W\d_]|-){2,}")  # a whole term, as lake.schema.TERM finds them

RULES = 1  # raise when the code below changes how a word becomes a term


def language(lang: str | None) -> str:
    """The language whose rules a post's words follow: fi, sv or en; "" for an unknown one
    (to be guessed from the words); any other tag as it is (no lemmatiser, every stop list)."""
    lang = (lang or "").strip().lower().split("-")[0]
    return "" if lang in UNKNOWN else lang


@functools.lru_cache(maxsize=1 << 20)
def known_in(word: str) -> tuple[str, ...]:
    """The lemmatised languages whose dictionary knows ``word``."""
    return tuple(lang for lang in LEMMATISED if simplemma.is_known(word, lang))


@functools.lru_cache(maxsize=1 << 20)
def term(lang: str, word: str) -> str | None:
    """The term ``word`` of a post in ``lang`` (see ``language``) counts as, or None when it
    is a stop word (as written, or as its lemma)."""
    stop = _stop(lang)
    if word in stop or not is_term(word):
        return None
    lemma = lemmatise(lang, word) if lang in STOP else word
    if not is_term(lemma):
        lemma = word
    return None if lemma in stop else lemma


# Forms simplemma's dictionary gives another word's lemma, in the sense social-media research
# meets them: "vaalit" (elections) is not "vaalia" (to cherish), "vaaleissa" not "vaalea" (pale).
CORRECTIONS = {
    "fi": dict.fromkeys("""vaali vaalin vaalit vaalien vaaleissa vaaleista vaaleihin vaaleilla vaaleille vaaleja
                           vaalissa vaalista vaaliin""".split(), "vaalit"),
}
COMPOUNDING = ("fi", "sv")  # new compounds every day: "keräystili", "riksdagsvalet"


def lemmatise(lang: str, word: str) -> str:
    """The lemma of ``word`` in ``lang`` (one of ``LEMMATISED``), lower-case.

    A Finnish or Swedish word the dictionary does not know is taken as a compound when it
    splits into two known words: its lemma is the first part as written and the lemma of
    the last ("keräystilille" → "keräys" + "tili"), where simplemma's own decomposition
    would keep only the first ("keräys")."""
    fixed = CORRECTIONS.get(lang, {}).get(word)
    if fixed:
        return fixed
    if lang in COMPOUNDING and not simplemma.is_known(word, lang):
        for i in range(3, len(word) - 2):
            head, tail = word[:i], word[i:]
            if simplemma.is_known(tail, lang) and simplemma.is_known(head, lang):
                return head + (CORRECTIONS.get(lang, {}).get(tail) or simplemma.lemmatize(tail, lang).lower())
    return simplemma.lemmatize(word, lang).lower()


@functools.cache
def _stop(lang: str) -> frozenset[str]:
    """Stop words of a lemmatised language; for another one its own list (when the package
    has one) and all of ours; for an unknown one all of ours."""
    return STOP.get(lang) or ANY_STOP | frozenset(stopwords.safe_get_stopwords(lang) if lang else ())


def is_term(word: str) -> bool:
    """A run of at least three letters (hyphens inside allowed), and no pseudonym."""
    return bool(TERM.fullmatch(word)) and not PID.search(word)


def counts(con: duckdb.DuckDBPyConnection, source: str, params: dict | None = None) -> pa.Table:
    """Posts per term (a post counts each of its terms once) over ``source``, SQL (with
    ``params``) for a relation with the posts' ``lang`` and ``terms``. DuckDB joins and
    counts; Python sees each distinct language tag and (language, word) once."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _terms_posts AS SELECT row_number() OVER () AS r, lang, terms FROM {source}",
                parameters=params)
    try:
        tags = [r[0] for r in con.execute("SELECT DISTINCT lang FROM _terms_posts").fetchall()]
        _register(con, "_terms_langs", {"lang": tags, "code": [language(t) for t in tags]})
        con.execute("""CREATE OR REPLACE TEMP TABLE _terms_words AS
                       SELECT r, code, unnest(terms) AS word FROM _terms_posts JOIN _terms_langs
                         ON _terms_posts.lang IS NOT DISTINCT FROM _terms_langs.lang""")
        # Untagged posts: the language whose dictionary knows most of their words (ties: fi, sv, en).
        unknown = [r[0] for r in con.execute("SELECT DISTINCT word FROM _terms_words WHERE code = ''").fetchall()]
        known = [(w, lang) for w in unknown for lang in known_in(w)]
        _register(con, "_terms_known", {"word": [w for w, _ in known], "lang": [lang for _, lang in known],
                                        "rank": [-LEMMATISED.index(lang) for _, lang in known]})
        con.execute("""CREATE OR REPLACE TEMP TABLE _terms_guess AS
                       SELECT r, arg_max(lang, n * 4 + rank) AS code FROM (
                         SELECT r, k.lang, k.rank, count(*) AS n FROM _terms_words JOIN _terms_known k USING (word)
                         WHERE code = '' GROUP BY ALL) GROUP BY r""")
        con.execute("""CREATE OR REPLACE TEMP TABLE _terms_words AS
                       SELECT w.r, coalesce(g.code, w.code) AS code, w.word
                       FROM _terms_words w LEFT JOIN _terms_guess g ON w.code = '' AND g.r = w.r""")
        pairs = con.execute("SELECT DISTINCT code, word FROM _terms_words").fetchall()
        found = [(code, word, term(code, word)) for code, word in pairs]
        found = [f for f in found if f[2] is not None]
        _register(con, "_terms_lemmas", {"code": [f[0] for f in found], "word": [f[1] for f in found],
                                         "term": [f[2] for f in found]})
        return con.sql("""SELECT term, count(*) AS posts FROM (
                            SELECT DISTINCT r, term FROM _terms_words JOIN _terms_lemmas USING (code, word))
                          GROUP BY term""").to_arrow_table()
    finally:
        for name in ("_terms_langs", "_terms_known", "_terms_lemmas"):
            con.unregister(name)
        for name in ("_terms_posts", "_terms_words", "_terms_guess"):
            con.execute(f"DROP TABLE IF EXISTS {name}")


def _register(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, list]) -> None:
    types = {"lang": pa.string(), "code": pa.string(), "word": pa.string(), "term": pa.string(), "rank": pa.int64()}
    con.register(name, pa.table({k: pa.array(v, types[k]) for k, v in columns.items()}))


# This definition of a term, by name: the rules, both packages' versions and every list.
VERSION = hashlib.sha256(repr((
    RULES, version("simplemma"), version("stopwords"), sorted((k, sorted(v)) for k, v in STOP.items()),
    sorted((k, sorted(v.items())) for k, v in CORRECTIONS.items()), COMPOUNDING,
)).encode()).hexdigest()[:12]
