#!/usr/bin/env python3
"""Generate tests/data/formats_eval.jsonl: posts in Finnish, Swedish and English written the
way people write contact details, handles, names and parties (issue 12), with labels.

Deterministic (``random.Random(1212)``). Every value is made up: e-mail domains are
``example.*``, phone numbers are drawn from the ranges the numbering plans keep for drama and
tests where they have one, IBANs are random with valid check digits, and names are Faker's
first and last names combined at random. Run from anywhere:

    python tests/data/make_formats_eval.py

The label policy (spans, which look-alikes count as nothing) is in tests/data/README.md.
"""

from __future__ import annotations

import json
import random
import string
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from faker.providers.person.en_US import Provider as EnglishNames
from faker.providers.person.fi_FI import Provider as FinnishNames
from faker.providers.person.sv_SE import Provider as SwedishNames

OUT = Path(__file__).resolve().parent / "formats_eval.jsonl"
rng = random.Random(1212)
Piece = tuple[str, dict | None]  # a stretch of text, and its label if it is one


def digits(n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


# --- handles ----------------------------------------------------------------------------
BASES = ["matti_v", "liisa", "kahvila_kuu", "tiina88", "sanna_k", "erik_s", "anna_lind", "jukka", "hannah_b",
         "runner", "kuntalainen", "pormestari", "yleuutiset", "opiskelija", "stina", "bokmal", "devnull"]


def handle() -> str:
    base = rng.choice(BASES)
    return rng.choice([base, base + digits(2), "_" + base, base + "_", "_" + base + "_", base.capitalize()])


def mention() -> list[Piece]:
    h = handle()
    form = rng.choice(["plain", "dot", "rt", "paren", "case", "case", "colon"])
    label = {"type": "MENTION"}
    if form == "dot":
        return [(".", None), ("@" + h, label)]
    if form == "rt":
        return [("RT ", None), ("@" + h, label), (":", None)]
    if form == "paren":
        return [("(", None), ("@" + h, label), (")", None)]
    if form == "case":
        return [("@" + h, label), (rng.choice([":n", ":lle", ":lta", ":ltä", ":ssa", ":s"]), None)]
    if form == "colon":
        return [("@" + h, label), (":", None)]
    return [("@" + h, label)]


# --- e-mail addresses -------------------------------------------------------------------
ORGS = ["example.fi", "kunta.example.fi", "yliopisto.example.fi", "example.se", "foretag.example.se",
        "example.com", "example.org", "mail.example.co.uk"]


def local_part() -> str:
    first = rng.choice(["etunimi", "liisa", "matti", "anna", "erik", "karin", "john", "emma", "jussi"])
    last = rng.choice(["sukunimi", "virtanen", "lind", "nieminen", "smith", "berg", "korhonen"])
    return rng.choice([f"{first}.{last}", f"{first}{digits(2)}", f"{first}_{last}", f"{first[0]}.{last}"])


def email() -> list[Piece]:
    local, domain = local_part(), rng.choice(ORGS)
    form = rng.choice(["plain", "at_paren", "at_bracket", "upper", "plus", "angle", "mailto", "at_paren"])
    label = {"type": "EMAIL_ADDRESS"}
    if form == "at_paren":
        return [(f"{local}(at){domain}", label)]
    if form == "at_bracket":
        return [(f"{local}[at]{domain}", label)]
    if form == "upper":
        return [(f"{local}@{domain}".upper(), label)]
    if form == "plus":
        return [(f"{local}+{rng.choice(['uutiset', 'somesta', 'news', 'x'])}@{domain}", label)]
    if form == "angle":
        return [("<", None), (f"{local}@{domain}", label), (">", None)]
    if form == "mailto":
        return [("mailto:", None), (f"{local}@{domain}", label)]
    return [(f"{local}@{domain}", label)]


# --- phone numbers ----------------------------------------------------------------------
def phone() -> list[Piece]:
    n = rng.randint(1, 9)
    forms: list[Callable[[], str]] = [
        lambda: f"0457 {n}{digits(2)} {digits(4)}",  # a four-digit mobile prefix
        lambda: f"0457{n}{digits(6)}",
        lambda: f"045/{n}{digits(2)} {digits(4)}",
        lambda: f"040/{n}{digits(6)}",
        lambda: f"+358 (0)40 {n}{digits(2)} {digits(4)}",
        lambda: f"+358 (0)9 {n}{digits(2)} {digits(4)}",
        lambda: f"+358 40 {n}{digits(2)} {digits(4)}",
        lambda: f"050 {n}{digits(2)} {digits(4)}",
        lambda: f"(09) {n}{digits(2)} {digits(4)}",
        lambda: f"+46 70 {n}{digits(2)} {digits(2)} {digits(2)}",  # Sweden
        lambda: f"070-{n}{digits(2)} {digits(2)} {digits(2)}",
        lambda: f"08-{n}{digits(2)} {digits(2)} {digits(2)}",
        lambda: f"+44 20 7946 0{digits(3)}",  # the UK's drama range
        lambda: f"+44 7700 900{digits(3)}",
        lambda: f"(415) 555-01{digits(2)}",  # the US's fictional 555-01xx
        lambda: f"415-555-01{digits(2)}",
        lambda: f"+1 202 555 01{digits(2)}",
        lambda: f"+49 30 {n}{digits(7)}",  # Germany
        lambda: f"+49 151 {n}{digits(7)}",
    ]
    return [(rng.choice(forms)(), {"type": "PHONE_NUMBER"})]


# --- IBANs ------------------------------------------------------------------------------
BBAN = {"FI": 14, "SE": 20, "DE": 18, "EE": 16, "DK": 14, "NL": 14, "FR": 23, "ES": 20}


def _mod97(s: str) -> int:
    return int("".join(str(int(c, 36)) for c in s)) % 97


def iban_value(valid: bool = True) -> str:
    country = rng.choice(list(BBAN))
    bban = (rng.choice(["ABNA", "INGB", "RABO"]) + digits(10)) if country == "NL" else digits(BBAN[country])
    check = 98 - _mod97(bban + country + "00")
    while not valid and _mod97(bban + country + f"{check:02d}") == 1:
        check = rng.randint(2, 98)  # a typo in the check digits
    value = f"{country}{check:02d}{bban}"
    grouped = rng.random() < 0.6
    value = " ".join(value[i:i + 4] for i in range(0, len(value), 4)) if grouped else value
    return value.lower() if rng.random() < 0.4 else value


def iban() -> list[Piece]:
    return [(iban_value(), {"type": "IBAN_CODE"})]


# --- names of people nobody collected ---------------------------------------------------
NAMES = {"fi": FinnishNames, "sv": SwedishNames, "en": EnglishNames}

def person(lang: str) -> list[Piece]:
    provider = NAMES[lang]
    first = rng.choice(list(provider.first_names))
    last = rng.choice(list(provider.last_names))
    return [(f"{first} {last}", {"type": "PERSON"})]


# --- parties ----------------------------------------------------------------------------
PARTY_FORMS = {  # (as written, party, needs a cue in its sentence)
    "fi": [("vihreänä", "VIHR", True), ("vihreäksi", "VIHR", True), ("kokoomuslaisena", "KOK", False),
           ("keskustapuolueen", "KESK", False), ("Liike Nytin", "LIIK", True), ("perussuomalaisten", "PS", False),
           ("demarit", "SDP", False), ("vasemmistoliiton", "VAS", False), ("RKP:n", "RKP", False),
           ("kristillisdemokraattien", "KD", False), ("SDP:n", "SDP", False), ("kokoomuksen", "KOK", False)],
    "sv": [("Samlingspartiet", "KOK", False), ("Socialdemokraterna", "SDP", False), ("Sannfinländarna", "PS", False),
           ("Centern", "KESK", True), ("Gröna", "VIHR", True), ("Vänsterförbundet", "VAS", False),
           ("Svenska folkpartiet", "RKP", False), ("SFP", "RKP", False), ("Kristdemokraterna", "KD", False)],
    "en": [("Finns Party", "PS", False), ("National Coalition Party", "KOK", False), ("Left Alliance", "VAS", False),
           ("Green League", "VIHR", False), ("Centre Party", "KESK", False), ("Social Democrats", "SDP", False),
           ("Swedish People's Party", "RKP", False), ("Christian Democrats", "KD", False), ("Movement Now", "LIIK", False)],
}
CUE_SENTENCES = {
    "fi": ["Hän on ehdolla vaaleissa {p}.", "Eduskunnassa {p} äänesti vastaan.", "Puolueen linja: {p} mukana.",
           "Vaalit lähestyvät ja {p} kampanjoi."],
    "sv": ["Hon är kandidat för {p} i valet.", "I riksdagen röstade {p} emot.", "Partiet {p} vill ändra lagen."],
    "en": ["She is the {p} candidate in the election.", "In parliament the {p} voted against.",
           "The {p} MP spoke about the vote."],
}


def party(lang: str) -> list[Piece]:
    written, code, _ = rng.choice(PARTY_FORMS[lang])
    template = rng.choice(CUE_SENTENCES[lang])
    before, after = template.split("{p}")
    prefix = "De " if written == "Gröna" else ""
    return [(before + prefix, None), (written, {"type": "POLITICAL_AFFILIATION", "party": code}), (after, None)]


# --- look-alikes: none of these is anything --------------------------------------------
def ytunnus() -> str:
    """A Finnish business id with its check digit (a remainder of 1 is never given out)."""
    while True:
        body = digits(7)
        rest = sum(int(d) * w for d, w in zip(body, [7, 9, 10, 5, 8, 4, 2])) % 11
        if rest != 1:
            return f"{body}-{0 if rest == 0 else 11 - rest}"


def isbn13() -> str:
    body = "978951" + digits(6)
    check = (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body)) % 10) % 10
    return f"ISBN {body[:3]}-{body[3:6]}-{body[6:8]}-{body[8:]}-{check}"


LOOK_ALIKES = {
    "fi": [lambda: f"Kokous {rng.randint(1, 28)}.{rng.randint(1, 12)}.2026 klo {rng.randint(8, 20)}.{rng.choice(['00', '30'])}.",
           lambda: f"Osoite Mannerheimintie {rng.randint(1, 99)}, 00100 Helsinki.",
           lambda: f"Hinta {rng.randint(1, 9)} {digits(3)},{digits(2)} € sis. alv.",
           lambda: f"Ehdokas sai {rng.randint(1, 30)} {digits(3)} ääntä.",
           lambda: f"Y-tunnus {ytunnus()}.", lambda: f"Kirja {isbn13()} ilmestyi.",
           lambda: "Tämä on ihan perussuomalainen arki.", lambda: "Odotin että vihreä valo syttyy.",
           lambda: "Tavataan keskustan kahvilassa.", lambda: "Kiitos Anna!", lambda: "Anna palautetta kyselyssä.",
           lambda: f"Tilinumero {iban_value(valid=False)} on väärin kirjoitettu.",
           lambda: f"Tilausnumero {digits(9)}, klo {rng.randint(8, 20)}–{rng.randint(21, 23)}.",
           lambda: f"Vuonna {rng.randint(1990, 2025)} {rng.randint(100, 999)} osallistujaa."],
    "sv": [lambda: f"Mötet {rng.randint(1, 28)}.{rng.randint(1, 12)}.2026 kl. {rng.randint(8, 20)}.{rng.choice(['00', '30'])}.",
           lambda: f"Priset är {rng.randint(10, 999)},{digits(2)} euro.", lambda: "Vi åt gröna ärtor till lunch.",
           lambda: "Vi ses i centrum av stan.", lambda: f"Adress Storgatan {rng.randint(1, 99)}, 65100 Vasa.",
           lambda: f"Kandidaten fick {rng.randint(1, 30)} {digits(3)} röster.", lambda: "Tack Karin!",
           lambda: f"FO-nummer {ytunnus()}."],
    "en": [lambda: f"Meeting on {rng.randint(1, 28)} March 2026 at {rng.randint(1, 12)}:{rng.choice(['00', '30'])} pm.",
           lambda: f"Tickets cost €{rng.randint(5, 99)}.{digits(2)} each.", lambda: "Eat your greens and vegetables.",
           lambda: "We met in the city centre.", lambda: f"The candidate got {rng.randint(1, 30)},{digits(3)} votes.",
           lambda: f"See {isbn13()} for details.", lambda: "Thanks Emma!", lambda: "Will Finland Win Tonight?",
           lambda: f"Order no. {digits(4)}-{digits(4)} shipped."],
}

FRAMES = {  # sentences the values stand in; {v} is the value
    "fi": ["Ota yhteyttä {v} jos kysyttävää.", "Lisätietoja: {v}", "Kiitos {v} eilisestä!", "Soita {v} tai laita viestiä.",
           "Tapasin tänään {v} torilla.", "{v} kirjoitti hyvin aiheesta.", "Maksut tilille {v} ennen perjantaita."],
    "sv": ["Kontakta {v} om du har frågor.", "Mer info: {v}", "Tack {v} för igår!", "Ring {v} eller skriv.",
           "Jag träffade {v} på torget.", "{v} skrev bra om saken.", "Betala till konto {v} före fredag."],
    "en": ["Contact {v} with any questions.", "More info: {v}", "Thanks {v} for yesterday!", "Call {v} or text me.",
           "I met {v} at the market today.", "{v} wrote well about it.", "Pay to account {v} before Friday."],
}
KINDS: dict[str, Callable[[str], list[Piece]]] = {
    "MENTION": lambda lang: mention(), "EMAIL_ADDRESS": lambda lang: email(), "PHONE_NUMBER": lambda lang: phone(),
    "IBAN_CODE": lambda lang: iban(), "PERSON": person,
}


def record(lang: str) -> tuple[str, list[dict]]:
    """One post: one or two values in frames, a look-alike now and then, or a party sentence."""
    pieces: list[Piece] = []
    if rng.random() < 0.25:
        pieces += party(lang)
    else:
        for _ in range(rng.choice([1, 1, 2])):
            before, after = rng.choice(FRAMES[lang]).split("{v}")
            kind = rng.choice(list(KINDS))
            pieces += [(before, None), *KINDS[kind](lang), (after + " ", None)]
    if rng.random() < 0.35:
        pieces.append((" " + rng.choice(LOOK_ALIKES[lang])(), None))
    text, spans = "", []
    for piece, label in pieces:
        if label is not None:
            spans.append({**label, "start": len(text), "end": len(text) + len(piece)})
        text += piece
    return text.rstrip(), spans


def main() -> None:
    lines, counts = [], Counter()
    for i in range(1500):
        lang = rng.choice(["fi", "fi", "sv", "en"])
        text, entities = record(lang)
        lines.append(json.dumps({"id": f"f{i:04d}", "lang": lang, "text": text, "entities": entities}, ensure_ascii=False))
        counts.update(f"{lang} {e['type']}" for e in entities)
    for i in range(300):  # posts with nothing in them but look-alikes
        lang = rng.choice(["fi", "sv", "en"])
        lines.append(json.dumps({"id": f"n{i:04d}", "lang": lang, "text": rng.choice(LOOK_ALIKES[lang])(),
                                 "entities": []}, ensure_ascii=False))
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} records -> {OUT}")
    for key, n in sorted(counts.items()):
        print(f"  {key}: {n}")


if __name__ == "__main__":
    main()
