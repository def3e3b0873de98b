import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from seula.collectors.records import Account, Batch, Follow, Post
from seula.privacy.keys import KeyMaterialError, create_key_file, engagement_key, master_secret
from seula.privacy.policy import PublishabilityPolicy
from seula.privacy.pseudonyms import Pseudonymiser
from seula.privacy.sieve import Sieve
from seula.privacy.text import replace_handles, replace_names

NOW = datetime(2026, 10, 1, tzinfo=UTC)


def make_sieve(engagement: str = "e", key: bytes = b"k" * 32, allow: set[str] | None = None) -> Sieve:
    return Sieve(engagement, Pseudonymiser(key), PublishabilityPolicy(allow or {"publicfigure"}))


def sample_batch() -> Batch:
    batch = Batch("x", "search_recent", "from:ordinary_joe #vaalit", NOW)
    batch.accounts += [
        Account("x", "111", "ordinary_joe", "Joe Ordinary", "Call me +358 40 123 4567", "Espoo"),
        Account("x", "222", "publicfigure", "Public Figure", "MP", "Helsinki"),
    ]
    batch.posts.append(Post(
        "x", "9001", "111", NOW,
        "Hei @PublicFigure ja @friend_anna! Joe Ordinary here, mail joe.o@example.fi or 050-123 4567 #Vaalit",
        mentions=(("PublicFigure", "222"), ("friend_anna", "333")), hashtags=("Vaalit",),
        url="https://x.com/ordinary_joe/status/9001",
    ))
    batch.follows.append(Follow("x", "111", "222"))
    return batch


# --- invariant 2: keyed, per-engagement pseudonyms ------------------------------------

def test_invariant2_pseudonyms_are_keyed_and_per_engagement() -> None:
    master = b"m" * 32
    a = Pseudonymiser(engagement_key(master, "client_a")).account("x", "111")
    b = Pseudonymiser(engagement_key(master, "client_b")).account("x", "111")
    assert a != b
    assert a == Pseudonymiser(engagement_key(master, "client_a")).account("x", "111")
    # Without the key, nobody recomputes it: another key gives another pseudonym.
    assert Pseudonymiser(engagement_key(b"n" * 32, "client_a")).account("x", "111") != a


def test_master_key_file_is_created_private_and_refused_when_readable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEULA_MASTER_KEY", raising=False)
    monkeypatch.delenv("SEULA_KEY_FILE", raising=False)
    with pytest.raises(KeyMaterialError, match="no master key"):
        master_secret(tmp_path)
    secret = master_secret(tmp_path, create=True)
    path = tmp_path / "keys" / "master.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert master_secret(tmp_path) == secret
    os.chmod(path, 0o644)
    with pytest.raises(KeyMaterialError, match="readable by others"):
        master_secret(tmp_path)


def test_short_master_key_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEULA_MASTER_KEY", "short")
    with pytest.raises(KeyMaterialError, match="at least 32 bytes"):
        master_secret(tmp_path)


def test_create_key_file_never_overwrites(tmp_path: Path) -> None:
    create_key_file(tmp_path / "k")
    with pytest.raises(KeyMaterialError, match="never overwritten"):
        create_key_file(tmp_path / "k")


# --- the text pass --------------------------------------------------------------------

def test_handles_in_mentions_urls_and_queries() -> None:
    text = "@anna ja https://x.com/anna/status/1 sekä from:anna mutta ei anna@example"
    out = replace_handles(text, lambda h: "u_x" if h == "anna" else None)
    assert out == "@u_x ja https://x.com/u_x/status/1 sekä from:u_x mutta ei anna@example"
    hard = "@anna@anna .@anna @@anna twitter.com/anna x.com//anna infrom:anna to:anna @anna_ first.@anna"
    assert replace_handles(hard, lambda h: "u_x" if h == "anna" else None) == (  # .@ is the dot-reply convention
        "@u_x@anna .@u_x @@anna twitter.com/u_x x.com//anna infrom:anna to:u_x @anna_ first.@anna")


def test_names_longest_match_first() -> None:
    names = {"matti meikäläinen": "u_1", "matti meikäläinen junior": "u_2"}
    out = replace_names("Moi Matti Meikäläinen Junior ja Matti  Meikäläinen!", lambda n: names.get(" ".join(n.lower().split())))
    assert out == "Moi u_2 ja u_1!"


# --- the sieve ------------------------------------------------------------------------

def test_sieve_keeps_publishable_in_clear_and_pseudonymises_the_rest() -> None:
    sieve = make_sieve()
    result = sieve.apply(sample_batch())
    accounts = {r["handle"]: r for r in result.tables["accounts"].to_pylist()}
    assert set(accounts) == {None, "publicfigure"}
    joe = accounts[None]
    assert joe["display_name"] is None and joe["location"] is None and joe["publishable"] is False
    assert joe["description"] == "Call me <PHONE>"
    assert accounts["publicfigure"]["display_name"] == "Public Figure"
    post = result.tables["posts"].to_pylist()[0]
    joe_pid = sieve.pseudo.account("x", "111")
    anna_pid = sieve.pseudo.account("x", "333")
    assert post["author_pid"] == joe_pid and post["url"] is None
    assert post["text"] == f"Hei @PublicFigure ja @{anna_pid}! {joe_pid} here, mail <EMAIL> or <PHONE> #Vaalit"
    assert post["hashtags"] == ["vaalit"]
    assert post["mention_pids"] == [sieve.pseudo.account("x", "222"), anna_pid]
    assert result.tables["posts"]["post_pid"].to_pylist() == [sieve.pseudo.post("x", "9001")]
    stored_query = result.tables["posts"]["query"].to_pylist()[0]
    assert "ordinary_joe" not in stored_query


def test_invariant1_sieve_output_holds_no_raw_identifier() -> None:
    result = make_sieve().apply(sample_batch())
    dump = repr([t.to_pylist() for t in result.tables.values()])
    for raw in ("111", "333", "9001", "ordinary_joe", "Joe Ordinary", "friend_anna", "Espoo", "joe.o@example.fi", "123 4567"):
        assert raw not in dump, raw


def test_identity_index_finds_people_from_earlier_batches() -> None:
    first = make_sieve()
    stored = first.apply(sample_batch()).tables["identity_index"]
    assert "ordinary_joe" not in repr(stored.to_pylist())
    later = Sieve("e", first.pseudo, first.policy, Sieve.index_from(stored))
    batch = Batch("x", "search_recent", None, NOW)
    batch.posts.append(Post("x", "9002", "222", NOW, "Kiitos Joe Ordinary ja @ordinary_joe"))
    text = later.apply(batch).tables["posts"]["text"].to_pylist()[0]
    pid = first.pseudo.account("x", "111")
    assert text == f"Kiitos {pid} ja @{pid}"


def test_unknown_handles_get_a_keyed_pseudonym() -> None:
    batch = Batch("x", "search_recent", None, NOW)
    batch.posts.append(Post("x", "9003", "222", NOW, "cc @stranger"))
    sieve = make_sieve()
    text = sieve.apply(batch).tables["posts"]["text"].to_pylist()[0]
    assert text == "cc @" + sieve.pseudo.unresolved_handle("x", "stranger")


def test_sieving_stored_text_again_changes_nothing() -> None:
    sieve = make_sieve()
    stored = sieve.apply(sample_batch()).tables["posts"]["text"].to_pylist()[0]
    assert sieve.clean_text("x", stored) == stored


def test_equal_texts_in_a_batch_are_cleaned_once_and_alike() -> None:
    sieve = make_sieve()
    sieve.apply(sample_batch())  # the sieve now knows Joe
    texts = ["RT mail joe.o@example.fi, Joe Ordinary", None, "", "toinen 040 123 4567",
             "RT mail joe.o@example.fi, Joe Ordinary", "RT mail joe.o@example.fi, Joe Ordinary"]
    langs = ["fi", None, None, "fi", "fi", "en"]
    alone = [sieve.clean_text("x", t, lang) for t, lang in zip(texts, langs)]
    assert sieve.clean_texts("x", texts, langs) == alone
    assert alone[0] == f"RT mail <EMAIL>, {sieve.pseudo.account('x', '111')}" and alone[1] is None and alone[2] == ""
