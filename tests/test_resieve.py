"""Re-sieving stored text runs when what decides the sieve changed, and only then."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from seula.collectors.records import Account, Batch, Post
from seula.emulators.x.emulator import XEmulator
from seula.flows import config
from seula.flows.collect import RESIEVED, Pipeline, Tally, resieve_stored_text
from seula.flows.rights import apply_subject_requests
from seula.lake import schema
from seula.lake.checkpoints import Checkpoints
from seula.lake.store import Lake
from seula.privacy.sieve import Sieve
from tests.test_rights import file_request, lake_home  # noqa: F401  (fixture)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    seen: list[int] = []
    original = Sieve.clean_texts

    def counting(self, platform, texts, langs, with_model=True):  # type: ignore[no-untyped-def]
        seen.append(len(texts))
        return original(self, platform, texts, langs, with_model)

    monkeypatch.setattr(Sieve, "clean_texts", counting)
    return seen


def test_resieve_runs_once_per_change_of_the_sieves_inputs(
    lake_home: tuple[Path, XEmulator], calls: list[int], monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    home, _ = lake_home
    resieve_stored_text.fn("sample")
    assert sum(calls) > 1000  # every stored text, the first time
    calls.clear()
    assert resieve_stored_text.fn("sample") == 0 and calls == []  # nothing changed: nothing read

    pipe = Pipeline(config.load("sample"))  # someone new learnt (a new identity-index file)
    pipe.lake.append("sample", schema.IDENTITY_INDEX, schema.conform(schema.IDENTITY_INDEX, [{
        "engagement": "sample", "platform": "x", "endpoint": "users", "query": None, "collected_at": datetime.now(UTC),
        "kind": "handle", "token_hash": "0" * 32, "account_pid": "u_" + "0" * 20}]))

    def killed(self, source, state):  # type: ignore[no-untyped-def]
        if source == RESIEVED:
            raise KeyboardInterrupt("killed before the mark")
        return put(self, source, state)

    put = Checkpoints.put
    monkeypatch.setattr(Checkpoints, "put", killed)
    with pytest.raises(KeyboardInterrupt):
        resieve_stored_text.fn("sample")
    monkeypatch.setattr(Checkpoints, "put", put)
    calls.clear()
    resieve_stored_text.fn("sample")  # the killed run left no mark: it runs again
    assert sum(calls) > 1000
    calls.clear()
    resieve_stored_text.fn("sample")
    assert calls == []


def test_a_changed_publication_list_is_a_reason_to_resieve(
    lake_home: tuple[Path, XEmulator], calls: list[int],  # noqa: F811
) -> None:
    home, _ = lake_home
    resieve_stored_text.fn("sample")
    eng = config.load("sample").model_dump(mode="json")
    eng["publishable"]["handles"] = eng["publishable"]["handles"][1:]  # one account no longer to be named
    (home / "engagements").mkdir(exist_ok=True)
    (home / "engagements" / "sample.yaml").write_text(yaml.safe_dump(eng))
    calls.clear()
    resieve_stored_text.fn("sample")
    assert sum(calls) > 1000


def _post_naming(name: str) -> Batch:
    return Batch("x", "search_recent", None, datetime.now(UTC), accounts=[Account("x", "900001", "kirjoittaja", "Kirjoittaja")],
                 posts=[Post("x", "800001", "900001", datetime.now(UTC), f"Tapasin tänään {name} torilla.", "fi")])


def _account_named(name: str) -> Batch:
    return Batch("x", "users", None, datetime.now(UTC), accounts=[Account("x", "900002", "mattimeik", name)])


def _stored_text(home: Path) -> str:
    return Lake(home).read("sample", "posts")["text"].to_pylist()[0]


@pytest.mark.parametrize("account_first", [True, False])
@pytest.mark.parametrize(("written", "own_pseudonym", "at"), [("Matti Meikäläinen", "n_", ""), ("@mattimeik", "h_", "@")])
def test_a_name_or_handle_stored_before_its_account_is_stored_as_if_the_account_came_first(
    home: Path, account_first: bool, written: str, own_pseudonym: str, at: str,
) -> None:
    pipe = Pipeline(config.load("sample"))
    order = [_account_named("Matti Meikäläinen"), _post_naming(written)]
    for batch in order if account_first else order[::-1]:
        pipe.store(batch, Tally())
    if not account_first:  # the name's or handle's own pseudonym, so far
        assert written.lstrip("@").split()[0] not in _stored_text(home) and own_pseudonym in _stored_text(home)
    resieve_stored_text.fn("sample")
    account = pipe.sieve.pseudo.account("x", "900002")
    assert _stored_text(home) == f"Tapasin tänään {at}{account} torilla."


def test_an_erasure_takes_the_name_pseudonym_stored_before_the_account_was_met(home: Path) -> None:
    pipe = Pipeline(config.load("sample"))
    pipe.store(_post_naming("Matti Meikäläinen"), Tally())
    named = _stored_text(home)
    pipe.store(_account_named("Matti Meikäläinen"), Tally())  # learnt, no re-sieve yet
    file_request("erasure", "@mattimeik")
    apply_subject_requests()
    text = _stored_text(home)
    assert text == "Tapasin tänään <erased> torilla." and named != text


def test_the_name_model_reads_stored_text_again_only_when_it_has_not_read_it(
    lake_home: tuple[Path, XEmulator], monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    seen: list[bool] = []
    original = Sieve.clean_texts

    def recording(self, platform, texts, langs, with_model=True):  # type: ignore[no-untyped-def]
        seen.append(with_model)
        return original(self, platform, texts, langs, with_model)

    monkeypatch.setattr(Sieve, "clean_texts", recording)
    pipe = Pipeline(config.load("sample"))
    assert pipe.sieved_with() == {pipe.models}  # everything was sieved by this process's models
    resieve_stored_text.fn("sample")  # people learnt: the gazetteer reads everything, the model nothing
    assert seen and not any(seen)
    seen.clear()
    resieve_stored_text.fn("sample")
    assert seen == []
    monkeypatch.setattr("seula.flows.collect.models_in_use", lambda: "fi=another_model-1.0")
    resieve_stored_text.fn("sample")  # a new model: it reads everything once
    assert seen and all(seen)
    seen.clear()
    pipe = Pipeline(config.load("sample"))
    assert pipe.sieved_with() == {"fi=another_model-1.0"}
    pipe.lake.append("sample", schema.IDENTITY_INDEX, schema.conform(schema.IDENTITY_INDEX, [{
        "engagement": "sample", "platform": "x", "endpoint": "users", "query": None, "collected_at": datetime.now(UTC),
        "kind": "handle", "token_hash": "1" * 20, "account_pid": "u_" + "1" * 20}]))
    resieve_stored_text.fn("sample")  # someone new: the gazetteer reads everything, the model nothing
    assert seen and not any(seen)


def test_text_stored_before_the_models_were_recorded_is_read_by_the_model_once(home: Path) -> None:
    pipe = Pipeline(config.load("sample"))
    pipe.store(_post_naming("Matti Meikäläinen"), Tally())
    Checkpoints(home, "sample").put("privacy/sieved-with", {})  # as a lake from before the record
    assert Pipeline(config.load("sample")).sieved_with() == {"?"}
    resieve_stored_text.fn("sample")
    assert Pipeline(config.load("sample")).sieved_with() == {pipe.models}
