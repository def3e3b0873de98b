"""Analysis and client outputs: numbers equal the lake, networks, disclosure control, safe packages."""

import hashlib
from collections import Counter
import json
from pathlib import Path

import networkx as nx
import pyarrow as pa
import pytest
from openpyxl import load_workbook

from seula.analysis.disclosure import suppress
from seula.analysis.package import ExportRefused, check
from seula.emulators.x.emulator import XEmulator
from seula.flows.analyse import compute_metrics
from seula.flows.demo import DEMO_RATE_LIMITS
from seula.flows.report import render_report, write_package
from seula.lake import terms
from seula.lake.catalog import connect
from seula.lake.store import Lake
from tests.test_rights import collect


@pytest.fixture
def analysed(home: Path) -> Path:
    with XEmulator(rate_limits=DEMO_RATE_LIMITS) as emu:
        collect("sample", emu)
    compute_metrics.fn("sample", 10, 3)
    return home


def test_report_numbers_equal_the_lake(analysed: Path) -> None:
    con = connect(analysed, "sample")
    posts = con.execute("SELECT count(*) FROM posts").fetchall()[0][0]
    top_tag = con.execute("SELECT t, count(*) c FROM (SELECT unnest(list_distinct(hashtags)) t FROM posts) "
                          "GROUP BY t ORDER BY c DESC, t LIMIT 1").fetchall()[0]
    by_lang = dict(con.execute("SELECT coalesce(nullif(lang, ''), 'und'), count(*) FROM posts GROUP BY 1").fetchall())
    others = con.execute("""SELECT count(DISTINCT p.author_pid), count(*) FROM posts p
                             LEFT JOIN accounts a ON a.account_pid = p.author_pid WHERE a.publishable IS NOT TRUE""").fetchall()[0]
    words = lemma_counts(con.execute(  # from the texts themselves, not from the terms the lake derived on write
        "SELECT lang, list_distinct(regexp_extract_all(lower(text), '(?:^|\\s)(\\p{L}[\\p{L}-]{2,})', 1)) FROM posts").fetchall())
    con.close()
    lake = Lake(analysed)
    summary = dict(zip(*(lake.read("sample", "m_summary")[c].to_pylist() for c in ("metric", "value"))))
    assert summary["posts"] == posts
    assert (summary["other_accounts"], summary["other_posts"]) == others and others[0] > 100
    assert lake.read("sample", "m_top_hashtags").to_pylist()[0] == {"hashtag": top_tag[0], "posts": top_tag[1]}
    assert {r["lang"]: r["posts"] for r in lake.read("sample", "m_volume_lang").to_pylist()} == by_lang
    top_terms = sorted(words.items(), key=lambda wc: (-wc[1], wc[0]))[:10]
    assert [(r["term"], r["posts"]) for r in lake.read("sample", "m_top_terms").to_pylist()] == top_terms
    html = render_report.fn("sample", "en")[0].read_text()
    assert f"<b>{posts}</b>posts" in html and f"#{top_tag[0]}" in html
    assert "Share of voice by party" in html and "Interaction network" in html
    assert "Julkaisuja päivittäin" in render_report.fn("sample", "fi")[0].read_text()


def test_small_cells_are_suppressed_with_their_complement() -> None:
    assert suppress({"KOK": 12, "SDP": 3, "PS": 20}, 10) == {"KOK": None, "SDP": None, "PS": 20}
    assert suppress({"KOK": 12, "SDP": 3, "PS": 4}, 10) == {"KOK": 12, "SDP": None, "PS": None}
    assert suppress({"KOK": 12}, 10) == {"KOK": 12}


def test_party_breakdown_in_the_lake_is_suppressed(analysed: Path) -> None:
    rows = Lake(analysed).read("sample", "m_share_of_voice").to_pylist()
    assert rows and all((r["accounts"] is None) == r["suppressed"] for r in rows)
    assert all(r["accounts"] is None or r["accounts"] >= 3 for r in rows)
    assert sum(r["suppressed"] for r in rows) != 1  # never a lone hidden cell


def test_data_package_with_manifest(analysed: Path) -> None:
    files = write_package.fn("sample", ["csv", "parquet", "xlsx"])
    folder = files[0].parent
    manifest = json.loads((folder / "manifest.json").read_text())
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    assert manifest["tables"]["m_top_hashtags"]["rows"] == Lake(analysed).read("sample", "m_top_hashtags").num_rows
    book = load_workbook(folder / "tables.xlsx")
    assert "m_top_accounts" in book.sheetnames and manifest["seula_version"]


def test_exports_refuse_private_names_and_excluded_people() -> None:
    ok = {"m_top_accounts": pa.table({"handle": ["public_org"], "display_name": ["Public Org"]})}
    check(ok, {"public_org", "Public Org"}, set())
    with pytest.raises(ExportRefused, match="m_top_accounts.handle: 1 value"):
        check({"m_top_accounts": pa.table({"handle": ["private_person"]})}, {"public_org"}, set())
    with pytest.raises(ExportRefused, match="excluded"):
        check({"m_x": pa.table({"pid": ["u_" + "a" * 20]})}, set(), {"u_" + "a" * 20})


def test_network_export_labels_only_publishable_people_in_clear(analysed: Path) -> None:
    files = write_package.fn("sample", ["gexf", "graphml"])
    manifest = json.loads(next(f for f in files if f.name == "manifest.json").read_text())
    assert {"interactions.gexf", "follows.gexf", "interactions.graphml", "follows.graphml"} <= set(manifest["files"])
    accounts = Lake(analysed).read("sample", "accounts").to_pylist()
    public = {a["handle"] for a in accounts if a["publishable"]}
    for name in ("interactions.gexf", "follows.gexf"):
        graph = nx.read_gexf(next(f for f in files if f.name == name))
        labels = {data["label"] for _, data in graph.nodes(data=True)}
        assert labels & public and graph.number_of_edges() > 100
        assert all(label in public or label.startswith(("u_", "h_")) for label in labels)


def test_methods_section_in_both_languages(analysed: Path) -> None:
    fi = render_report.fn("sample", "fi")[0].read_text()
    en = render_report.fn("sample", "en")[0].read_text()
    assert "Menetelmät ja tietosuoja" in fi and "avainnetulla pseudonyymillä" in fi and "365 päivän kuluttua" in fi
    assert "tarkoitus: tutkimus" in fi and "purpose: research" in en
    assert "keyed pseudonym" in en and "#vaalit OR #eduskunta" in en
    assert "6 artiklan 1 kohdan f alakohta" in fi and "GDPR Art. 6(1)(f)" in en and "1050/2018" in en


def lemma_counts(posts: list[tuple[str | None, list[str]]]) -> Counter[str]:
    """Posts per term of (lang, words) rows, post by post (what lake.terms.counts does in DuckDB)."""
    counts: Counter[str] = Counter()
    for lang, words in posts:
        code = terms.language(lang)
        if code == "":  # no tag: the language whose dictionary knows most of the words
            known = Counter(k for w in words for k in terms.known_in(w))
            code = max(terms.LEMMATISED, key=lambda k: (known[k], -terms.LEMMATISED.index(k))) if known else ""
        counts.update({t for w in words if (t := terms.term(code, w))})
    return counts


DIRECT = {  # the same counts straight from the engagement's posts view
    "tag_pairs": """SELECT a.t, b.t, count(*) FROM (SELECT DISTINCT post_pid, unnest(hashtags) AS t FROM posts) a
                    JOIN (SELECT DISTINCT post_pid, unnest(hashtags) AS t FROM posts) b ON a.post_pid = b.post_pid AND a.t < b.t
                    GROUP BY 1, 2""",
    "tag_days": """SELECT d, t, count(*) FROM (SELECT DISTINCT post_pid, epoch_us(created_at) // 86400000000 AS d,
                    unnest(hashtags) AS t FROM posts) GROUP BY 1, 2""",
}


def test_partial_counts_equal_counts_over_the_views(analysed: Path) -> None:
    from seula.lake.catalog import analysis_connection
    from seula.lake.subjects import Subjects, erase, set_exclusions

    def compare() -> None:
        con = analysis_connection(analysed, "sample")
        for kind, sql in DIRECT.items():
            assert sorted(con.execute(f"SELECT * FROM {kind}_counts").fetchall()) == sorted(con.execute(sql).fetchall()), kind
        assert (sorted(con.execute("SELECT * FROM terms_counts").fetchall())
                == sorted(lemma_counts(con.execute("SELECT lang, terms FROM posts").fetchall()).items()))
        con.close()

    lake = Lake(analysed)
    compare()
    authors = Counter(lake.read("sample", "posts")["author_pid"].to_pylist()).most_common(2)
    set_exclusions(lake, "sample", {authors[0][0]: "restriction R00001"})  # their posts subtracted, not counted
    compare()
    partials = analysed / "lake" / "sample" / "_partials"
    before = {p.name for p in partials.rglob("part-*.parquet")}
    erase(lake, "sample", Subjects(frozenset({authors[1][0]})))  # files rewritten: their partials go at once, and come back computed anew
    assert {p.name for p in partials.rglob("part-*.parquet")} < before
    compare()


def test_a_report_after_a_rate_limit_stop_warns_that_data_are_missing(home: Path) -> None:
    """The search stops on a window longer than the engagement lets the collector wait: the
    report says at the top that its data are incomplete, and which task stopped and why."""
    with XEmulator(rate_limits={**DEMO_RATE_LIMITS, "search_recent": (2, 3600.0)}) as emu:
        collect("sample", emu)
    compute_metrics.fn("sample", 10, 3)
    html = render_report.fn("sample", "en")[0].read_text()
    warning = html[html.index('<div class="warning"'):html.index("</div>", html.index('<div class="warning"'))]
    assert "These data are incomplete." in warning and "x/search/0" in warning
    assert "stopped early: search_recent: rate limit spent until" in warning
    assert "x/accounts" not in warning  # the timelines were collected whole


def test_a_report_over_imported_data_states_their_own_period_and_platform(home: Path) -> None:
    from typer.testing import CliRunner

    from seula.flows.cli import app

    data = Path(__file__).parent / "data"
    for path in (data / "x-archives" / "x_search_recent_brexit_100tweets.jsonl",
                 data / "facebook-graph" / "fb_page_statuses_2011_25posts_embedded_comments_likes.json"):
        assert CliRunner().invoke(app, ["import", "sample", str(path)]).exit_code == 0
    compute_metrics.fn("sample", 10, 3)
    en = render_report.fn("sample", "en")[0].read_text()
    fi = render_report.fn("sample", "fi")[0].read_text()
    con = connect(home, "sample")
    first, last = con.sql("SELECT strftime(min(created_at), '%Y-%m-%d'), strftime(max(created_at), '%Y-%m-%d') FROM posts").fetchall()[0]
    assert first.startswith("20") and first < "2012" and last.startswith("2021-09")  # 2011 statuses, 2021 tweets
    assert f"The stored posts were written between {first} and {last}." in en
    assert f"Tallennetut julkaisut on kirjoitettu {first} – {last}." in fi
    assert "imported X file" in en and "imported Facebook Graph file" in en and "<td>Facebook</td>" in en
    assert 'class="warning"' not in en  # nothing is known to be missing from these two files
