"""The report's content is what a consultancy sends a client: a summary at the top that names
only public accounts, terms as lemmas without filler, languages by name, accounts with their
platform, and methods and legal basis written for the client (no internal notes)."""

from __future__ import annotations

import html as htmllib
import re
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
import simplemma

from seula.analysis.report import legal_basis_text, summary_text
from seula.emulators.facebook.emulator import FbEmulator
from seula.emulators.x.emulator import XEmulator
from seula.flows.analyse import compute_metrics
from seula.flows.collect import derive_findings
from tests.collecting import collect_facebook_pages
from seula.flows.demo import DEMO_GRAPH_CALLS_PER_HOUR, DEMO_RATE_LIMITS
from seula.flows.report import render_report
from seula.lake import partials, terms
from seula.lake.catalog import analysis_connection, connect
from seula.lake.store import Lake
from tests.test_rights import collect

FILLER = ("tästä", "puhutaan", "juuri", "taas")  # what got through before (issue 15)
INFLECTED = ("eduskunnan", "eduskunnassa", "keskustelua", "uutisia", "ilmastokriisistä", "debates", "solutions")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The sample engagement collected from both platforms, analysed once for this module."""
    home = tmp_path_factory.mktemp("content")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SEULA_HOME", str(home))
        mp.setenv("SEULA_MASTER_KEY", "test-master-key-" + "x" * 32)
        with XEmulator(rate_limits=DEMO_RATE_LIMITS) as x, FbEmulator(calls_per_hour=DEMO_GRAPH_CALLS_PER_HOUR) as fb:
            collect("sample", x)
            collect_facebook_pages("sample", fb.base_url)
        derive_findings.fn("sample")
        compute_metrics.fn("sample", 10, 3)
        yield home


@pytest.fixture(scope="module")
def reports(sample: Path) -> Iterator[dict[str, str]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SEULA_HOME", str(sample))
        mp.setenv("SEULA_MASTER_KEY", "test-master-key-" + "x" * 32)
        en = render_report.fn("sample", "en")[0].read_text()
        time.sleep(1.05)  # reports are named by the second
        fi = render_report.fn("sample", "fi")[0].read_text()
    yield {"en": en, "fi": fi}


def _text(fragment: str) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", fragment))


def _section(html: str, heading: str) -> str:
    start = html.index(f"<h2>{heading}</h2>")
    return html[start:html.index("<h2>", start + 4)]


def _accounts(home: Path) -> tuple[set[str], set[str]]:
    """Handles and display names of publishable accounts, and of everyone else."""
    rows = Lake(home).read("sample", "accounts").select(["handle", "display_name", "publishable"]).to_pylist()
    public = {v for r in rows if r["publishable"] for v in (r["handle"], r["display_name"]) if v}
    private = {v for r in rows if not r["publishable"] for v in (r["handle"], r["display_name"]) if v} - public
    return public, private


def test_top_terms_hold_no_stop_word_and_no_two_forms_of_one_lemma(sample: Path) -> None:
    top = [r["term"] for r in Lake(sample).read("sample", "m_top_terms").to_pylist()]
    assert len(top) == 10
    assert not set(top) & terms.ANY_STOP, top
    for lang in ("fi", "en"):  # no two of them are forms of one lemma, in either language
        of = [simplemma.lemmatize(t, lang).lower() for t in top]
        assert len(set(of)) == len(of), (lang, top)
    con = analysis_connection(sample, "sample")
    try:
        counted = dict(con.execute("SELECT term, posts FROM terms_counts").fetchall())
        # "eduskunta" counts every post with any of its forms, each post once
        eduskunta = con.execute(r"""SELECT count(*) FROM posts WHERE regexp_matches(lower(text),
                                     '(^|\s)eduskun(ta|taa|nan|nassa|nasta|taan|nalle|nalta|nat|tien)($|[^\p{L}-])')""").fetchall()[0][0]
    finally:
        con.close()
    assert not set(FILLER) & set(counted) and not set(INFLECTED) & set(counted)
    assert counted["eduskunta"] == eduskunta > 50
    assert {"keskustelu", "uutinen", "ilmastokriisi", "debate", "solution"} <= set(counted)


def test_pseudonyms_and_placeholders_never_become_terms() -> None:
    con = duckdb.connect()
    con.register("p", pa.table({
        "lang": ["fi", None, "en"],
        "terms": [["u_0123456789abcdef0123", "eduskunnan", "email"], ["n_aaaaaaaaaaaaaaaaaaaa", "<email>"],
                  ["h_0000", "elections", "phone"]],
    }))
    counted = {r["term"] for r in terms.counts(con, "(SELECT * FROM p)").to_pylist()}
    assert counted == {"eduskunta", "election", "email", "phone"}  # words, when written as words
    assert not any(terms.PID.search(t) or "<" in t for t in counted)
    assert terms.term("fi", "u_0123456789abcdef0123") is None and terms.term("", "<email>") is None


def test_counts_kept_under_an_older_definition_of_a_term_are_dropped_not_summed(sample: Path) -> None:
    lake = Lake(sample)
    root = lake.engagement_dir("sample") / "_partials"
    current = root / partials.FOLDERS["terms"]
    assert current.is_dir() and not (root / "terms").exists()
    old = root / "terms"  # how a lake from before lemmas keeps its word counts
    old.mkdir()
    for f in current.glob("part-*.parquet"):
        (old / f.name).write_bytes(f.read_bytes())
    (root / "terms-000000000000").mkdir()
    before = analysis_connection(sample, "sample").execute("SELECT sum(posts) FROM terms_counts").fetchall()
    assert not old.exists() and not (root / "terms-000000000000").exists() and current.is_dir()
    assert before == analysis_connection(sample, "sample").execute("SELECT sum(posts) FROM terms_counts").fetchall()


def test_languages_are_named_and_unknown_is_explained(reports: dict[str, str]) -> None:
    en, fi = _section(reports["en"], "Posts by language"), _section(reports["fi"], "Julkaisut kielittäin")
    assert "?" not in _text(en) and "?" not in _text(fi)
    assert "<td>Finnish</td>" in en and "<td>English</td>" in en and "<td>unknown</td>" in en
    assert "<td>suomi</td>" in fi and "<td>englanti</td>" in fi and "<td>tuntematon</td>" in fi
    assert "no language" in en and "“und”" in en and "ei ilmoittanut" in fi


def test_a_summary_opens_the_report_and_names_only_public_accounts(sample: Path, reports: dict[str, str]) -> None:
    con = connect(sample, "sample")
    posts, first, last = con.execute("SELECT count(*), min(created_at)::DATE, max(created_at)::DATE FROM posts").fetchall()[0]
    con.close()
    public, private = _accounts(sample)
    for lang, heading in (("en", "Summary"), ("fi", "Yhteenveto")):
        html = reports[lang]
        assert html.index(f"<h2>{heading}</h2>") < html.index('<div class="kpis">')  # at the top
        text = _text(html[html.index('<p id="summary">'):html.index("</p>", html.index('<p id="summary">'))])
        assert str(first) in text and str(last) in text and f"{posts} " in text
        assert "#vaalit" in text and "eduskunta" in text
        handles = set(re.findall(r"@(\w+)", text))
        assert len(handles) >= 2 and handles <= public, handles - public
        assert not any(re.search(rf"(?<![\w@]){re.escape(name)}(?!\w)", text) for name in private if len(name) > 3)
        assert ("busiest day" in text) if lang == "en" else ("Vilkkain päivä" in text)


def test_the_summary_never_names_an_account_outside_the_public_tables() -> None:
    """Built from the report's tables alone: with no public account in them, it names none."""
    empty = {"m_top_accounts": pa.table({"handle": pa.array([], pa.string()), "display_name": pa.array([], pa.string()),
                                         "platform": pa.array([], pa.string()), "posts": pa.array([], pa.int64())}),
             "m_central_accounts": pa.table({"handle": pa.array([], pa.string())})}
    tables = {
        "m_summary": pa.table({"metric": ["posts", "authors"], "value": [30.0, 4.0]}),
        "m_daily_volume": pa.table({"day": [date(2023, 8, 31), date(2023, 9, 3)], "posts": [10, 20]}),
        "m_volume_platform": pa.table({"platform": ["x"], "posts": [30]}),
        "m_top_hashtags": pa.table({"hashtag": ["vaalit"], "posts": [12]}),
        "m_top_terms": pa.table({"term": ["eduskunta"], "posts": [9]}),
        **empty,
    }
    text = summary_text(tables, "en")
    assert "@" not in text and "30 posts by 4 accounts" in text and "2023-08-31" in text and "2023-09-03" in text
    assert "busiest day was 2023-09-03 with 20 posts, 2.7 times the daily average of 7.5" in text
    assert "second half of the period had 100 % more posts per day" in text
    assert "#vaalit" in summary_text(tables, "fi") and "7,5" in summary_text(tables, "fi")


def test_top_accounts_carry_their_platform(reports: dict[str, str]) -> None:
    table = _section(reports["en"], "Most active public accounts")
    assert "<th>Platform</th>" in table
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td class=\"n\">", table)
    assert rows and all(platform in ("X", "Facebook") for _, platform in rows)
    by_name: dict[str, list[str]] = {}
    for name, platform in rows:
        by_name.setdefault(re.sub(r" \(@\w+\)$", "", name), []).append(platform)
    twice = {n: sorted(p) for n, p in by_name.items() if len(p) > 1}
    assert twice and all(p == ["Facebook", "X"] for p in twice.values()), by_name  # an organisation, on each platform
    assert "once per platform" in table
    assert "<th>Palvelu</th>" in _section(reports["fi"], "Aktiivisimmat julkiset tilit")


def test_methods_and_legal_basis_are_written_for_the_client(reports: dict[str, str]) -> None:
    for lang, heading in (("en", "Methods and data protection"), ("fi", "Menetelmät ja tietosuoja")):
        html = reports[lang]
        assert "seed:" not in html and "(seed" not in html
        methods = _text(html[html.index(f"<h2>{heading}</h2>"):])
        assert ("What was collected" in methods) if lang == "en" else ("Mitä kerättiin" in methods)
        assert "HMAC-SHA256" in methods and "1050/2018" in methods
    en = _text(reports["en"][reports["en"].index("<h2>Methods and data protection</h2>"):])
    assert "the controller's legitimate interest (GDPR Art. 6(1)(f))" in en and "Art. 89" in en
    assert "Finnish Data Protection Act (1050/2018)" in en


def test_the_legal_basis_is_the_configuration_s_in_the_report_s_language() -> None:
    config = "GDPR Art. 6(1)(f) legitimate interest; Art. 9(2)(j) research (seed: social-media research register)"
    assert legal_basis_text(config, "en").startswith(
        "Legal basis: the controller's legitimate interest (GDPR Art. 6(1)(f)); for special categories of data, "
        "scientific research and statistics (Art. 9(2)(j)")
    assert "9 artiklan 2 kohdan j alakohta" in legal_basis_text(config, "fi")
    unknown = legal_basis_text("GDPR Art. 6(1)(d) vital interests (seed: a note)", "en")
    assert "Art. 6(1)(d) vital interests." in unknown and "seed" not in unknown


def test_language_names_come_from_cldr_and_x_codes_from_us() -> None:
    from seula.analysis.report import language_name

    assert [language_name(c, "fi") for c in ("sv", "et", "pt", "und", "qme")] == [
        "ruotsi", "viro", "portugali", "tuntematon", "vain mediaa"]
    assert [language_name(c, "en") for c in ("sv", "ar", "zxx", "xx-yy")] == ["Swedish", "Arabic", "no text", "xx-yy"]
