"""Names of people nobody collected (issue 12): found without a model by a first name and the
capitalised word after it, and stored as the name's own keyed pseudonym (``n_``); the
names of publishable people stay as written, and look-alikes are left alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from seula.collectors.records import Account, Batch
from seula.privacy.candidates import Candidate, CandidateRegister
from seula.privacy.policy import PublishabilityPolicy
from seula.privacy.pseudonyms import Pseudonymiser, is_pseudonym
from seula.privacy.recognizers.first_names import find_names
from seula.privacy.sieve import Sieve

KEY = Pseudonymiser(b"k" * 32)


def sieve(policy: PublishabilityPolicy | None = None, key: Pseudonymiser = KEY) -> Sieve:
    return Sieve("e", key, policy or PublishabilityPolicy({"publicfigure"}))


@pytest.mark.parametrize(("text", "name"), [
    ("Tapasin tänään Matti Meikäläinen torilla.", "Matti Meikäläinen"),
    ("Soitin eilen Anna-Kaisa Rantaselle", "Anna-Kaisa Rantaselle"),
    ("Kiitos Jussi Halla-aho ja muut", "Jussi Halla-aho"),
    ("Anna Maria Virtanen piti puheen", "Anna Maria Virtanen"),
    ("Jag träffade Per Månsson i Vasa", "Per Månsson"),
    ("Karin Sjöberg och Erik Holmberg", "Karin Sjöberg"),
    ("Lunch with Sarah Connor today", "Sarah Connor"),
    ("Mark Twain wrote it", "Mark Twain"),
])
def test_a_name_nobody_collected_is_pseudonymised(text: str, name: str) -> None:
    out = sieve().clean_text("x", text, None)
    assert out is not None and name not in out, out
    assert KEY.name(name) in out


def test_the_same_name_gets_the_same_pseudonym_and_another_key_another() -> None:
    a = sieve().clean_text("x", "Tapasin Matti Meikäläinen torilla", "fi")
    b = sieve().clean_text("x", "Matti  Meikäläinen soitti", "fi")  # other spacing
    other = sieve(key=Pseudonymiser(b"o" * 32)).clean_text("x", "Matti Meikäläinen soitti", "fi")
    pid = KEY.name("Matti Meikäläinen")
    assert is_pseudonym(pid) and pid.startswith("n_")
    assert pid in a and pid in b and pid not in other  # unlinkable across engagements


def test_publishable_peoples_names_stay_as_written() -> None:
    register = CandidateRegister([Candidate("Sanna Esimerkki", "sannaesim", "SDP", "eduskuntavaalit 2027")])
    s = sieve(PublishabilityPolicy({"publicfigure"}, register))
    assert s.clean_text("x", "Sanna Esimerkki puhui torilla", "fi") == "Sanna Esimerkki puhui torilla"
    public = Account(platform="x", account_id="1", handle="publicfigure", display_name="Liisa Julkinen")
    s.apply(Batch(platform="x", endpoint="users", query=None, collected_at=datetime(2026, 11, 1, tzinfo=UTC), accounts=[public]))
    assert s.clean_text("x", "Liisa Julkinen kommentoi", "fi") == "Liisa Julkinen kommentoi"
    assert "Matti Meikäläinen" not in (s.clean_text("x", "Matti Meikäläinen kommentoi", "fi") or "")


@pytest.mark.parametrize("text", [
    "Kiitos Anna!", "Anna palautetta kyselyssä", "Matti maanantaina torilla", "Toivo Helsingin puolesta",
    "My Finnish personal ID is secret", "The Christian Democrats leader spoke", "Will Finland Win Tonight",
    "Matti Maanantaina", "#Matti Virtanen", "@Matti Virtanen", "MATTI MEIKÄLÄINEN", "matti meikäläinen",
    "Helsinki Stockholm", "Kokoomus SDP", "Per dag", "May Day parade",
])
def test_look_alikes_are_no_names(text: str) -> None:
    assert find_names(text) == [], [text[a:b] for a, b in find_names(text)]
