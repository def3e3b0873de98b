"""Invariant 5 (the sensitive-data gate) and the publishability policy."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from seula.collectors.records import Account, Batch, Post
from seula.lake import schema
from seula.privacy.analyzer import shared_analyzer
from seula.privacy.candidates import CandidateRegister, CandidateRegisterError
from seula.privacy.detect import Detector
from seula.privacy.findings import derive
from seula.privacy.gazetteer import Gazetteer
from seula.privacy.policy import PublishabilityPolicy
from seula.privacy.pseudonyms import Pseudonymiser
from seula.privacy.sieve import Sieve
from tests.test_rights import lake_home  # noqa: F401  (fixture)

NOW = datetime(2026, 10, 1, tzinfo=UTC)


@pytest.fixture
def register(tmp_path: Path) -> CandidateRegister:
    path = tmp_path / "candidates.csv"
    path.write_text("name,handle,party,election\nSanna Ehdokas,sannae,KESK,Kuntavaalit 2029\n")
    return CandidateRegister.load(path)


def collect(register: CandidateRegister) -> tuple[Sieve, dict]:
    sieve = Sieve("e", Pseudonymiser(b"k" * 32), PublishabilityPolicy(set(), register))
    batch = Batch("x", "search_recent", None, NOW)
    batch.accounts += [
        Account("x", "1", "sannae", "Sanna Ehdokas", "Kunnanvaltuutettu"),
        Account("x", "2", "olli_o", "Olli Ordinary", "Kalastaja ja isä"),
        Account("x", "3", "tiina_t", "Tiina Tavallinen", "Olen vihreiden jäsen ja valtuutettu."),
        Account("x", "4", "pekka_p", "Pekka Puhuja", None),
    ]
    batch.posts += [
        Post("x", "10", "1", NOW, "Olen keskustan ehdokas kuntavaaleissa!", lang="fi"),
        Post("x", "11", "4", NOW, "@olli_o äänestää vihreitä vaaleissa, tiedän sen.", lang="fi",
             mentions=(("olli_o", "2"),)),
        Post("x", "12", "4", NOW, "Olen kokoomuksen jäsen.", lang="fi"),
    ]
    tables = sieve.apply(batch).tables
    findings, affiliations = derive(
        Detector(shared_analyzer(Gazetteer.from_names([]))), tables["posts"], tables["accounts"], register)
    return sieve, {"findings": findings, "affiliations": affiliations, **tables}


def test_invariant5_only_manifestly_public_affiliations_are_kept(register: CandidateRegister) -> None:
    sieve, t = collect(register)
    pid = lambda account_id: sieve.pseudo.account("x", account_id)  # noqa: E731
    kept = {(r["account_pid"], r["party"]): r["basis"] for r in t["affiliations"].to_pylist()}
    assert kept[(pid("1"), "KESK")].startswith("candidate register")
    assert kept[(pid("3"), "VIHR")] == "own public profile"
    assert kept[(pid("4"), "KOK")] == "self-declared in own post"
    # A third party's claim: nothing about Olli, nor a Green affiliation for the writer.
    assert not [k for k in kept if k[0] == pid("2")]
    assert (pid("4"), "VIHR") not in kept
    # ...but the claim stays countable as a finding on the post, for aggregates by party.
    parties = {(r["subject"], r["party"]) for r in t["findings"].to_pylist() if r["party"]}
    assert ("post", "VIHR") in parties


def test_findings_offsets_point_into_the_stored_text(register: CandidateRegister) -> None:
    _, t = collect(register)
    texts = {r["post_pid"]: r["text"] for r in t["posts"].to_pylist()}
    for f in t["findings"].to_pylist():
        if f["subject"] == "post":
            span = texts[f["subject_pid"]][f["start"] : f["end"]]
            if f["entity_type"] == "MENTION":
                assert span.startswith("@u_")
            if f["entity_type"] == "POLITICAL_AFFILIATION":
                assert span.lower().startswith(("keskust", "vihre", "kokoomu"))
    assert "olli_o" not in repr(t["findings"].to_pylist())
    assert t["findings"].schema.equals(schema.FINDINGS)


def test_publishability_reasons(register: CandidateRegister) -> None:
    objected = {"bigcorp_ceo"}
    policy = PublishabilityPolicy({"news_org", "bigcorp_ceo"}, register, verified_min_followers=10_000,
                                  objected=lambda platform, account_id, handle: handle in objected)
    decide = lambda handle, **kw: policy.decide(Account("x", "9", handle, **kw))  # noqa: E731
    assert decide("news_org").reason == "allowlist"
    assert decide("sannae").reason == "election candidate: Kuntavaalit 2029"
    assert decide("famous", verified=True, followers_count=50_000).reason.startswith("rule: verified")
    assert not decide("small", verified=True, followers_count=50).publishable
    assert decide("bigcorp_ceo") == decide("bigcorp_ceo") and not decide("bigcorp_ceo").publishable
    assert decide("bigcorp_ceo").reason == "objected"
    assert not policy.handle_is_publishable("bigcorp_ceo")  # and so pseudonymised in text too


def test_candidate_register_errors(tmp_path: Path) -> None:
    bad = tmp_path / "c.csv"
    bad.write_text("name,handle,party,election\nX,x,GREENS,2027\n")
    with pytest.raises(CandidateRegisterError, match="c.csv:2: unknown party code 'GREENS'"):
        CandidateRegister.load(bad)
    bad.write_text("name,handle\nX,x\n")
    with pytest.raises(CandidateRegisterError, match="missing column"):
        CandidateRegister.load(bad)


def test_stored_findings_are_kept_per_posts_file_and_equal_a_whole_derivation(
    lake_home,  # type: ignore[no-untyped-def]  # noqa: F811
) -> None:
    from seula.flows import config
    from seula.flows.collect import derive_findings
    from seula.lake.store import Lake

    home, _ = lake_home
    lake = Lake(home)
    pieces = home / "lake" / "sample" / "_partials" / "findings"
    assert len(list(pieces.glob("part-*.parquet"))) == len(lake.files("sample", "posts"))  # one per posts file
    whole, gate = derive(Detector(shared_analyzer(Gazetteer.from_names([]))), lake.read("sample", "posts"),
                         lake.read("sample", "accounts"), CandidateRegister.load(config.load("sample").publishable.candidates))

    def rows(table):  # type: ignore[no-untyped-def]
        return sorted(tuple(r.values()) for r in table.to_pylist())

    assert rows(lake.read("sample", "findings")) == rows(whole) and rows(lake.read("sample", "affiliations")) == rows(gate)
    before = {p.name: p.stat().st_mtime_ns for p in pieces.glob("part-*.parquet")}
    rewritten = lake.rewrite("sample", schema.POSTS, lambda t: t, only=lake.files("sample", "posts")[:1])
    assert rewritten[0].name not in {p.name for p in pieces.glob("part-*.parquet")}  # dropped with its file's change
    derive_findings.fn("sample")
    after = {p.name: p.stat().st_mtime_ns for p in pieces.glob("part-*.parquet")}
    assert {n for n in after if after[n] != before.get(n)} == {rewritten[0].name}  # only that one scanned again
    assert rows(lake.read("sample", "findings")) == rows(whole)
