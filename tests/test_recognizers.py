"""Each recognizer on its own: true and false positives, Finnish and English."""

import pytest

from seula.privacy.analyzer import build_analyzer
from seula.privacy.detect import Detector
from seula.privacy.gazetteer import Gazetteer

NAMES = ["Matti Virtanen", "Hannah Robinson", "Marja-Leena Turunen", "Michael O'Brien"]


@pytest.fixture(scope="module")
def detector(tmp_path_factory: pytest.TempPathFactory) -> Detector:
    return Detector(build_analyzer(Gazetteer.from_names(NAMES)))


def found(detector: Detector, text: str, lang: str = "fi") -> list[tuple[str, str]]:
    return [(f.entity_type, text[f.start : f.end]) for f in detector.analyze(text, lang)]


@pytest.mark.parametrize("lang, text, span", [
    ("fi", "Soita +358 40 123 4567 heti", "+358 40 123 4567"),
    ("fi", "numero 040 1234567 illalla", "040 1234567"),
    ("fi", "tekstaa 050-123 4567", "050-123 4567"),
    ("fi", "vaihde (09) 123 4567", "(09) 123 4567"),
    ("en", "call +35891234567 today", "+35891234567"),
    ("en", "my German number +4915112345678", "+4915112345678"),
    ("en", "office +44 20 7946 0958", "+44 20 7946 0958"),
])
def test_phone_numbers(detector: Detector, lang: str, text: str, span: str) -> None:
    assert ("PHONE_NUMBER", span) in found(detector, text, lang)


@pytest.mark.parametrize("lang, text", [
    ("fi", "Kokous 24.11.2026 klo 12.30, hinta 1 234,50 €"),
    ("fi", "Postinumero 02700 Kauniainen, tilaus #48213"),
    ("en", "Order no. 7734-2210 shipped, version 3.11.7, score 3-2"),
    ("fi", "Henkilötunnus 010948-8922 on väärä"),  # hetu-shaped: never a phone
])
def test_not_phone_numbers(detector: Detector, lang: str, text: str) -> None:
    assert [t for t, _ in found(detector, text, lang) if t == "PHONE_NUMBER"] == []


def hetu(date: str, sign: str, individual: str) -> str:
    return f"{date}{sign}{individual}" + "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(date + individual) % 31]


@pytest.mark.parametrize("sign", list("+-ABCDEFYXWVU"))
def test_identity_codes_with_every_century_sign(detector: Detector, sign: str) -> None:
    code = hetu("131052", sign, "308")
    assert ("FI_PERSONAL_IDENTITY_CODE", code) in found(detector, f"hetu {code}", "fi")
    assert ("FI_PERSONAL_IDENTITY_CODE", code) in found(detector, f"my id {code}", "en")


def test_identity_code_checksum_rejects(detector: Detector) -> None:
    assert [t for t, _ in found(detector, "hetu 131052-308U") if t == "FI_PERSONAL_IDENTITY_CODE"] == []


def test_iban_with_and_without_spaces_and_checksum(detector: Detector) -> None:
    assert ("IBAN_CODE", "FI21 1234 5600 0007 85") in found(detector, "tilille FI21 1234 5600 0007 85 kiitos")
    assert ("IBAN_CODE", "FI2112345600000785") in found(detector, "pay FI2112345600000785 now", "en")
    assert [t for t, _ in found(detector, "tilille FI22 1234 5600 0007 85") if t == "IBAN_CODE"] == []


def test_builtins_email_url_ip_card(detector: Detector) -> None:
    text = "mail anna.k@firma.example, see https://yle.fi/uutiset/3-1. from 192.168.10.24, card 2242 7773 9440 5143"
    got = found(detector, text, "en")
    assert ("EMAIL_ADDRESS", "anna.k@firma.example") in got
    assert ("URL", "https://yle.fi/uutiset/3-1") in got  # the sentence's full stop is not part of it
    assert ("IP_ADDRESS", "192.168.10.24") in got
    assert ("CREDIT_CARD", "2242 7773 9440 5143") in got
    assert not [s for t, s in got if t == "URL" and "firma.example" in s]  # an e-mail's domain is not a URL
    assert [t for t, _ in found(detector, "card 4111 1111 1111 1112", "en") if t == "CREDIT_CARD"] == []


def test_no_us_only_recognizers(detector: Detector) -> None:
    names = {r.name for r in detector.analyzer.registry.recognizers}
    assert not {n for n in names if n.startswith("Us")} and "PhoneRecognizer" not in names


def test_mentions_but_not_email_at(detector: Detector) -> None:
    got = found(detector, "kiitos @anna_k ja @Bob! mail bob@example.com")
    assert [s for t, s in got if t == "MENTION"] == ["@anna_k", "@Bob"]


def test_person_names_from_the_gazetteer(detector: Detector) -> None:
    got = found(detector, "Kiitos Marja-Leena Turunen ja Matti Virtanen! Matti oli paikalla.")
    assert [s for t, s in got if t == "PERSON"] == ["Marja-Leena Turunen", "Matti Virtanen"]
    assert ("PERSON", "Michael O'Brien") in found(detector, "Great talk by Michael O'Brien today", "en")


@pytest.mark.parametrize("lang, text, span, party, declared", [
    ("fi", "Olen kokoomuksen kansanedustaja.", "kokoomuksen", "KOK", True),
    ("fi", "Ehdolla SDP:n listalta!", "SDP:n", "SDP", True),
    ("fi", "Vihreiden valtuutettuna ajan pyöräteitä.", "Vihreiden", "VIHR", True),
    ("fi", "@anna äänestää perussuomalaisia vaaleissa.", "perussuomalaisia", "PS", False),
    ("fi", "Keskustan ehdokas puhui torilla.", "Keskustan", "KESK", False),
    ("fi", "Tänään #vasemmistoliitto kokoontuu.", "#vasemmistoliitto", "VAS", False),
    ("fi", "RKP:n puheenjohtaja vieraili.", "RKP:n", "RKP", False),
    ("fi", "Kristillisdemokraattien kannatus nousi.", "Kristillisdemokraattien", "KD", False),
    ("en", "As the Finns Party candidate I will fight for this.", "Finns Party", "PS", True),
    ("en", "I'm a Left Alliance councillor.", "Left Alliance", "VAS", True),
    ("en", "My neighbour votes for the Centre Party.", "Centre Party", "KESK", False),
    ("en", "Movement Now held a press event.", "Movement Now", "LIIK", False),
    ("en", "The Social Democratic Party won.", "Social Democratic Party", "SDP", False),
])
def test_political_affiliation(detector: Detector, lang: str, text: str, span: str, party: str, declared: bool) -> None:
    hits = [f for f in detector.analyze(text, lang) if f.entity_type == "POLITICAL_AFFILIATION"]
    assert [(text[f.start : f.end], f.party, f.self_declared) for f in hits] == [(span, party, declared)]


@pytest.mark.parametrize("lang, text", [
    ("fi", "Uusi keskustan kahvila avattiin."),
    ("fi", "Kaupungin keskustassa oli ruuhkaa."),
    ("fi", "Ostin vihreät kuulat ja vihreää teetä."),
    ("fi", "Ihana liike nyt auki torilla."),
    ("en", "Greens and vegetables for dinner in the city centre."),
    ("en", "The Greens of the golf course were lovely."),
])
def test_everyday_words_are_not_parties(detector: Detector, lang: str, text: str) -> None:
    assert [f for f in detector.analyze(text, lang) if f.entity_type == "POLITICAL_AFFILIATION"] == []
