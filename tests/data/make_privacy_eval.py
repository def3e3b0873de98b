#!/usr/bin/env python3
"""Generate tests/data/privacy_eval.jsonl: a labelled corpus for the privacy tagger.

Deterministic (``random.Random(2026)``), standard library only. Run from anywhere:

    python tests/data/make_privacy_eval.py

The label policy is in tests/data/README.md. Every record is checked before it is written:
each span is exactly what its type claims (checksums included), spans do not overlap, and
nothing outside the spans matches a positive pattern (a valid code, a gazetteer name, a
party name, an e-mail, a URL, a handle...). A candidate record that breaks a soft rule (too
long, an ambiguous party word without a cue, ...) is drawn again; the final pass asserts.
"""

from __future__ import annotations

import calendar
import ipaddress
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

OUT = Path(__file__).resolve().parent / "privacy_eval.jsonl"
N_RECORDS = 1400
N_EMPTY_TRICKY = 370
N_EMPTY_PLAIN = 60
P_FINNISH = 0.55

rng = random.Random(2026)

TYPES = [
    "EMAIL_ADDRESS", "PHONE_NUMBER", "FI_PERSONAL_IDENTITY_CODE", "IBAN_CODE", "URL",
    "IP_ADDRESS", "CREDIT_CARD", "MENTION", "PERSON", "POLITICAL_AFFILIATION",
]

# --------------------------------------------------------------------------------------
# Gazetteer (header line). No name is a substring of another.
# --------------------------------------------------------------------------------------
GAZ_FI = [
    "Matti Virtanen", "Anna-Liisa Mäkelä", "Juha Korhonen", "Sari Nieminen", "Mikko Heikkinen",
    "Laura Koskinen", "Timo Järvinen", "Päivi Lehtonen", "Jari Hämäläinen", "Tiina Laine",
    "Kari Salminen", "Minna Heikkilä", "Antti Lindholm", "Heikki Saarinen", "Riitta Tuominen",
    "Pekka Rantanen", "Eeva Kinnunen", "Jukka Salonen", "Satu Karjalainen", "Petri Lehtinen",
    "Marja-Leena Turunen", "Ville Ahonen", "Hanna Mattila", "Janne Hiltunen", "Kaisa Laitinen",
    "Tuomas Miettinen", "Outi Leinonen", "Sami Koivisto", "Noora Kettunen", "Jussi Pesonen",
    "Elina Savolainen", "Markku Väisänen", "Aino Ojala", "Lauri Niemi", "Johanna Lind",
    "Olli-Pekka Vainio", "Katja Hirvonen", "Eero Huttunen", "Juho Kalle Rinne",
    "Maria Helena Aalto", "Anna Kaisa Ylönen", "Teemu Sirviö", "Irja Kärkkäinen", "Ritva Hakala",
]
GAZ_EN = [
    "Hannah Robinson", "James Whitfield", "Emily Carter", "Oliver Bennett", "Sophie Marshall",
    "Daniel Hughes", "Grace Thompson", "Thomas Wright", "Charlotte Evans", "William Harris",
    "Jessica Morgan", "Michael O'Brien", "Sarah Jane Collins", "Mary Ellen Parker",
    "John Paul Fletcher", "Lucy Anderson", "George Patel", "Amelia Clarke", "Harry Walsh",
    "Chloe Adams", "Ethan Brooks", "Megan Price", "Ryan Cooper", "Laura Mitchell",
    "David Kowalski", "Priya Sharma", "Ahmed Hassan", "Elena Petrova", "Lars Eriksson",
    "Ingrid Nilsson", "Karin Sjöberg", "Erik Holmberg", "Emma Lindqvist", "Rebecca Shaw",
    "Nathan Ellis", "Fatima Ali",
]
GAZETTEER = GAZ_FI + GAZ_EN

# First names used alone (never labelled, never followed by a capitalised word).
FIRST_FI = ["Matti", "Anna", "Juha", "Sari", "Mikko", "Laura", "Pekka", "Aino", "Ville", "Hanna",
            "Eero", "Liisa", "Kaisa", "Tuomas", "Jenni", "Heikki", "Outi", "Sami"]
FIRST_EN = ["Hannah", "James", "Emily", "Oliver", "Sophie", "Daniel", "Grace", "Tom", "Lucy",
            "Ryan", "Megan", "Ben", "Chloe", "Priya", "Lars"]

CITIES = [  # nominative, inessive, genitive
    ("Helsinki", "Helsingissä", "Helsingin"), ("Espoo", "Espoossa", "Espoon"),
    ("Tampere", "Tampereella", "Tampereen"), ("Turku", "Turussa", "Turun"),
    ("Oulu", "Oulussa", "Oulun"), ("Jyväskylä", "Jyväskylässä", "Jyväskylän"),
    ("Kuopio", "Kuopiossa", "Kuopion"), ("Lahti", "Lahdessa", "Lahden"),
    ("Vaasa", "Vaasassa", "Vaasan"), ("Rovaniemi", "Rovaniemellä", "Rovaniemen"),
    ("Joensuu", "Joensuussa", "Joensuun"), ("Porvoo", "Porvoossa", "Porvoon"),
    ("Vantaa", "Vantaalla", "Vantaan"), ("Kauniainen", "Kauniaisissa", "Kauniaisten"),
    ("Lappeenranta", "Lappeenrannassa", "Lappeenrannan"),
]
CITIES_EN = ["Helsinki", "Tampere", "Espoo", "Turku", "Oulu", "London", "Manchester", "Berlin",
             "Stockholm", "Tallinn", "Dublin", "Leeds"]
POSTAL = ["02700 Kauniainen", "00100 Helsinki", "33100 Tampere", "20100 Turku", "90100 Oulu",
          "40100 Jyväskylä", "02100 Espoo", "70100 Kuopio", "15110 Lahti", "01300 Vantaa"]
WEEKDAYS_FI = ["maanantaina", "tiistaina", "keskiviikkona", "torstaina", "perjantaina", "lauantaina", "sunnuntaina"]
WEEKDAYS_EN = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
TAGS = ["#ilmasto", "#helsinki", "#kahvi", "#maanantai", "#tech", "#python", "#sauna", "#kesä",
        "#talvi", "#ruoka", "#tampere", "#opendata", "#gdpr", "#koulutus", "#jääkiekko",
        "#leijonat", "#running", "#books", "#frontend", "#koirat", "#lapsiperhe", "#espoo"]
EMOJI = ["😊", "🙄", "👍", "🎉", "☕", "🔥", "😂", "🤔", "😅", "🙏", "💪", "😬"]

# --------------------------------------------------------------------------------------
# Value generators
# --------------------------------------------------------------------------------------
HETU_ALPHABET = "0123456789ABCDEFHJKLMNPRSTUVWXY"
HETU_CENTURY = {"+": 1800, "-": 1900, "Y": 1900, "X": 1900, "W": 1900, "V": 1900, "U": 1900,
                "A": 2000, "B": 2000, "C": 2000, "D": 2000, "E": 2000, "F": 2000}
_sign_queue: list[str] = []


def _next_sign() -> str:
    if not _sign_queue:
        signs = list(HETU_CENTURY)
        rng.shuffle(signs)
        _sign_queue.extend(signs)
    return _sign_queue.pop()


def hetu_check(body9: str) -> str:
    return HETU_ALPHABET[int(body9) % 31]


def make_hetu(valid: bool = True) -> str:
    sign = _next_sign()
    century = HETU_CENTURY[sign]
    yy = rng.randint(0, 25) if century == 2000 else rng.randint(0, 99)
    year = century + yy
    month = rng.randint(1, 12)
    day = rng.randint(1, calendar.monthrange(year, month)[1])
    nnn = rng.randint(2, 899)
    body = f"{day:02d}{month:02d}{yy:02d}{nnn:03d}"
    check = hetu_check(body)
    if not valid:
        check = rng.choice([c for c in HETU_ALPHABET if c != check])
    return f"{body[:6]}{sign}{body[6:]}{check}"


def is_valid_hetu(s: str) -> bool:
    m = re.fullmatch(r"(\d{2})(\d{2})(\d{2})([-+A-FYXWVU])(\d{3})([0-9A-Y])", s)
    if not m:
        return False
    dd, mm, yy, sign, nnn, check = m.groups()
    year = HETU_CENTURY[sign] + int(yy)
    if not (1 <= int(mm) <= 12) or not (1 <= int(dd) <= calendar.monthrange(year, int(mm))[1]):
        return False
    if not (2 <= int(nnn) <= 899):
        return False
    return hetu_check(dd + mm + yy + nnn) == check


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_complete(partial: str) -> str:
    for d in "0123456789":
        if luhn_ok(partial + d):
            return partial + d
    raise AssertionError


def _mod97(s: str) -> int:
    return int("".join(str(int(c, 36)) for c in s)) % 97


def iban_valid(s: str) -> bool:
    c = s.replace(" ", "")
    return bool(re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", c)) and _mod97(c[4:] + c[:4]) == 1


IBAN_BBAN_LEN = {"FI": 14, "DE": 18, "SE": 20, "EE": 16}


def group4(s: str) -> str:
    return " ".join(s[i:i + 4] for i in range(0, len(s), 4))


def make_iban(country: str | None = None, valid: bool = True, spaced: bool | None = None) -> str:
    if country is None:
        country = rng.choices(["FI", "DE", "SE", "EE"], weights=[82, 7, 6, 5])[0]
    n = IBAN_BBAN_LEN[country]
    if country == "FI":  # bank code + account, last digit the national (Luhn) check
        bank = rng.choice(["1", "2", "3", "4", "5", "6", "8"]) + "".join(rng.choice("0123456789") for _ in range(5))
        bban = luhn_complete(bank + "".join(rng.choice("0123456789") for _ in range(7)))
    else:
        bban = "".join(rng.choice("0123456789") for _ in range(n))
    check = 98 - _mod97(bban + country + "00")
    if not valid:
        check = rng.choice([c for c in range(2, 99) if c % 97 != check % 97])
    iban = f"{country}{check:02d}{bban}"
    assert iban_valid(iban) == valid
    if spaced is None:
        spaced = rng.random() < 0.6
    return group4(iban) if spaced else iban


def make_rf_reference() -> str:
    ref = str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(rng.randint(8, 14)))
    check = 98 - _mod97(ref + "RF00")
    return group4(f"RF{check:02d}{ref}")


def make_card(valid: bool = True) -> str:
    kind = rng.random()
    if kind < 0.55:
        prefix = "4"
    elif kind < 0.85:
        prefix = str(rng.randint(51, 55))
    else:
        prefix = str(rng.randint(2221, 2720))
    body = prefix + "".join(rng.choice("0123456789") for _ in range(15 - len(prefix)))
    number = luhn_complete(body)
    if not valid:
        wrong = rng.choice([d for d in "0123456789" if d != number[-1]])
        number = number[:-1] + wrong
    assert luhn_ok(number) == valid
    style = rng.random()
    if style < 0.5:
        return " ".join(number[i:i + 4] for i in range(0, 16, 4))
    if style < 0.75:
        return "-".join(number[i:i + 4] for i in range(0, 16, 4))
    return number


def d(n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


PHONE_FORMATS: Counter = Counter()


def make_phone(which: str | None = None) -> str:
    op = rng.choice(["40", "41", "44", "45", "46", "50"])
    fmts = {
        "fi_intl_spaced": lambda: f"+358 {op} {d(3)} {d(4)}",
        "fi_mobile_7": lambda: f"0{op} {rng.randint(1, 9)}{d(6)}",
        "fi_mobile_dash": lambda: f"0{op}-{rng.randint(1, 9)}{d(2)} {d(4)}",
        "fi_landline_paren": lambda: f"(0{rng.choice('235689')}) {rng.randint(1, 9)}{d(2)} {d(4)}",
        "fi_intl_compact": lambda: rng.choice([f"+3589{rng.randint(1, 9)}{d(6)}", f"+358{op}{rng.randint(1, 9)}{d(6)}"]),
        "fi_mobile_spaced": lambda: f"0{op} {rng.randint(1, 9)}{d(2)} {d(4)}",
        "de_e164": lambda: f"+49{rng.choice(['151', '160', '170', '176'])}{rng.randint(1, 9)}{d(7)}",
        "uk_spaced": lambda: f"+44 20 7946 0{d(3)}",
        "se_spaced": lambda: f"+46 70 {rng.randint(1, 9)}{d(2)} {d(2)} {d(2)}",
        "ee_spaced": lambda: f"+372 5{d(3)} {d(4)}",
        "us_spaced": lambda: f"+1 202 555 01{d(2)}",
    }
    if which is None:
        which = rng.choices(list(fmts), weights=[14, 14, 12, 10, 9, 12, 6, 6, 4, 3, 3])[0]
    elif which == "fi":
        which = rng.choice(list(fmts)[:6])
    elif which == "intl":
        which = rng.choice(list(fmts)[6:])
    PHONE_FORMATS[which] += 1
    return fmts[which]()


PHONE_RE = re.compile(
    r"\+358 4[0-9] \d{3} \d{4}|\+358 50 \d{3} \d{4}"
    r"|0(?:4\d|50) \d{7}|0(?:4\d|50)-\d{3} \d{4}|0(?:4\d|50) \d{3} \d{4}"
    r"|\(0\d\) \d{3} \d{4}|\+358\d{8,9}"
    r"|\+49\d{11}|\+44 20 7946 \d{4}|\+46 70 \d{3} \d{2} \d{2}|\+372 \d{4} \d{4}|\+1 202 555 \d{4}"
)


def make_ip() -> str:
    r = rng.random()
    if r < 0.82:
        k = rng.random()
        if k < 0.3:
            return f"192.168.{rng.randint(0, 20)}.{rng.randint(1, 254)}"
        if k < 0.5:
            return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        if k < 0.6:
            return f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        return f"{rng.choice([85, 62, 193, 91, 80, 195, 37, 88, 212, 141])}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    h = lambda: f"{rng.randint(1, 0xffff):x}"  # noqa: E731
    return rng.choice([
        f"2001:db8::{h()}",
        f"2001:db8:{h()}:{h()}::{h()}",
        f"fe80::{h()}:{h()}:{h()}:{h()}",
        f"2001:db8:{h()}:{h()}:{h()}:{h()}:{h()}:{h()}",
        "::1",
    ])


HANDLE_BASES = ["anna", "mattiv", "tiina_l", "juha", "sari_n", "kaisa", "laura", "ville", "aino",
                "eero", "hannah", "jamesw", "emily_c", "oliver", "sophie", "grace_t", "tom", "lucy",
                "yleuutiset", "kaupunki", "seula_bot", "opendata", "hsl_info", "tampere",
                "kahvila_kuu", "jaakiekkofani", "koodari", "uutisvinkki", "liikenne", "gdprwatch",
                "runner", "bookworm", "devnull", "somekoordi", "pormestari", "kuntalainen"]


def make_handle() -> str:
    base = rng.choice(HANDLE_BASES)
    r = rng.random()
    if r < 0.35:
        h = base
    elif r < 0.6:
        h = base + str(rng.randint(1, 99))
    elif r < 0.75:
        h = base + "_" + rng.choice(["fi", "hki", "official", "x", "88", "k", "tre"])
    elif r < 0.9:
        h = base.capitalize()
    else:
        h = base.upper()[:8]
    return h[:15]


EMAIL_DOMAINS = ["example.fi", "example.com", "example.org", "yritys.com", "yritys.fi", "testi.fi",
                 "posti.example.net", "kunta.example.fi", "mail.example.com", "firma.example"]


def _ascii(s: str) -> str:
    return s.lower().replace("ä", "a").replace("ö", "o").replace("å", "a").replace("'", "")


def make_email() -> str:
    r = rng.random()
    if r < 0.45:
        first, last = rng.choice(GAZETTEER).split(" ")[0], rng.choice(GAZETTEER).split(" ")[-1]
        local = rng.choice([f"{_ascii(first)}.{_ascii(last)}", f"{_ascii(first)[0]}.{_ascii(last)}",
                            f"{_ascii(first)}{rng.randint(1, 99)}", f"{_ascii(first)}_{_ascii(last)[0]}"])
    elif r < 0.6:
        local = "etu.suku"
    else:
        local = rng.choice(["info", "tuki", "asiakaspalvelu", "toimitus", "vinkit", "rekry", "hello",
                            "press", "sales", "palaute", "hallinto", "laskutus", "support", "jobs"])
    local = local.replace("-", "")
    return f"{local}@{rng.choice(EMAIL_DOMAINS)}"


def _rs(n: int, alphabet: str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def make_url() -> str:
    return rng.choice([
        lambda: f"https://yle.fi/uutiset/3-{d(8)}",
        lambda: f"https://yle.fi/a/74-{d(8)}",
        lambda: f"https://www.hs.fi/politiikka/art-2000{d(9)}.html",
        lambda: f"https://www.iltalehti.fi/politiikka/a/{_rs(8, 'abcdef0123456789')}",
        lambda: f"http://example.com/{rng.choice(['blog', 'news', 'p'])}/{d(4)}",
        lambda: f"www.example.com/{rng.choice(['sivu', 'tapahtumat', 'ilmoittaudu', 'kysely'])}",
        lambda: f"www.example.fi/{rng.choice(['palaute', 'uutiset/' + d(3), 'liity'])}",
        lambda: f"https://bit.ly/{_rs(7)}",
        lambda: f"https://youtu.be/{_rs(11)}",
        lambda: f"https://github.com/{rng.choice(['seula-dev', 'opendata-fi', 'koodari'])}/{rng.choice(['seula', 'tools', 'kartta'])}/issues/{rng.randint(1, 999)}",
        lambda: f"https://x.com/{make_handle()}/status/1{d(18)}",
        lambda: f"https://kunta.example.fi/palaute?id={d(5)}&lang={rng.choice(['fi', 'sv', 'en'])}",
        lambda: f"https://www.bbc.co.uk/news/world-europe-{d(8)}",
        lambda: f"https://docs.example.org/forms/d/{_rs(12)}/viewform",
        lambda: f"http://www.example.org/tapahtuma/{d(4)}/",
        lambda: f"https://www.eduskunta.fi/FI/tiedotteet/Sivut/{d(4)}.aspx",
    ])()


def make_date_fi() -> str:
    day, month = rng.randint(1, 28), rng.randint(1, 12)
    return rng.choice([f"{day}.{month}.{rng.randint(2024, 2027)}", f"{day:02d}.{month:02d}.{rng.randint(2024, 2027)}",
                       f"{day}.{month}."])


def make_date_en() -> str:
    day, month, y = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2024, 2027)
    mon = calendar.month_abbr[month]
    return rng.choice([f"{day} {mon} {y}", f"{mon} {day}", f"{day:02d}/{month:02d}/{y}", f"{y}-{month:02d}-{day:02d}"])


def make_time_fi() -> str:
    h = rng.randint(7, 22)
    return rng.choice([f"klo {h}.{rng.choice(['00', '15', '30', '45'])}", f"klo {h}", f"klo {h}–{h + 1}"])


def make_time_en() -> str:
    h = rng.randint(7, 21)
    return rng.choice([f"{h}:{rng.choice(['00', '15', '30', '45'])}", f"{(h - 1) % 12 + 1}{'am' if h < 12 else 'pm'}",
                       f"{h:02d}:{rng.choice(['00', '30'])}"])


def make_price_fi() -> str:
    return rng.choice([f"1 {d(3)},{d(2)} €", f"{rng.randint(2, 99)},{rng.choice(['90', '50', '95'])} €",
                       f"{rng.randint(2, 999)} €", f"{rng.randint(2, 60)},{d(2)} euroa"])


def make_price_en() -> str:
    return rng.choice([f"€{rng.randint(2, 99)}.{rng.choice(['99', '50', '95'])}", f"€{rng.randint(2, 500)}",
                       f"${rng.randint(1, 20)}.{d(2)}", f"£{rng.randint(3, 80)}", f"€1,{d(3)}.{d(2)}"])


def make_order_fi() -> str:
    return rng.choice([f"tilaus #{rng.randint(10000, 99999)}", f"tilausnumero {rng.randint(100000000, 999999999)}",
                       f"tilausnro {rng.randint(100000, 999999)}", f"tilaus nro {rng.randint(1000, 9999)}-{d(4)}"])


def make_order_en() -> str:
    return rng.choice([f"order no. {rng.randint(1000, 9999)}-{d(4)}", f"order #{rng.randint(10000, 99999)}",
                       f"ticket #INC-{rng.randint(10000, 99999)}", f"case {rng.randint(2023, 2026)}-{rng.randint(100000, 999999)}"])


def make_version() -> str:
    return f"{rng.randint(1, 18)}.{rng.randint(0, 14)}.{rng.randint(0, 12)}"


def make_ytunnus() -> str:
    while True:
        body = str(rng.randint(1, 3)) + d(6)
        r = sum(int(c) * w for c, w in zip(body, [7, 9, 10, 5, 8, 4, 2])) % 11
        if r != 1:
            return f"{body}-{0 if r == 0 else 11 - r}"


def make_bad_card() -> str:
    return make_card(valid=False)


def make_bignum() -> str:
    return rng.choice([f"{rng.randint(1, 9)} {d(3)} 000", f"{rng.randint(100, 999)} 000", f"{rng.randint(10, 99)} {d(3)} {d(3)}"])


FILLERS = {
    "first": lambda lang: rng.choice(FIRST_FI if lang == "fi" else FIRST_EN),
    "city": lambda lang: rng.choice(CITIES)[0],
    "city_ine": lambda lang: rng.choice(CITIES)[1],
    "city_gen": lambda lang: rng.choice(CITIES)[2],
    "city_en": lambda lang: rng.choice(CITIES_EN),
    "weekday": lambda lang: rng.choice(WEEKDAYS_FI),
    "weekday_en": lambda lang: rng.choice(WEEKDAYS_EN),
    "num": lambda lang: str(rng.randint(2, 300)),
    "small": lambda lang: str(rng.randint(2, 40)),
    "emoji": lambda lang: rng.choice(EMOJI),
    "date": lambda lang: make_date_fi(),
    "date_en": lambda lang: make_date_en(),
    "dshort": lambda lang: f"{rng.randint(1, 28)}.{rng.randint(1, 12)}.",
    "time": lambda lang: make_time_fi(),
    "time_en": lambda lang: make_time_en(),
    "price": lambda lang: make_price_fi(),
    "price_en": lambda lang: make_price_en(),
    "postal": lambda lang: rng.choice(POSTAL),
    "year": lambda lang: str(rng.randint(1985, 2026)),
    "order": lambda lang: make_order_fi(),
    "order_en": lambda lang: make_order_en(),
    "version": lambda lang: make_version(),
    "build": lambda lang: f"{rng.randint(2024, 2026)}.{rng.randint(1, 12)}.{rng.randint(1, 28)}.{rng.randint(1, 9)}",
    "score": lambda lang: f"{rng.randint(0, 6)}{rng.choice(['-', '–'])}{rng.randint(0, 5)}",
    "pct": lambda lang: rng.choice([f"{rng.randint(2, 95)} %", f"{rng.randint(1, 60)},{rng.randint(1, 9)} %", f"+{rng.randint(0, 9)},{rng.randint(1, 9)} %"]),
    "pct_en": lambda lang: rng.choice([f"{rng.randint(2, 95)}%", f"{rng.randint(1, 60)}.{rng.randint(1, 9)}%", f"{rng.randint(2, 95)} %"]),
    "tag": lambda lang: rng.choice(TAGS),
    "bignum": lambda lang: make_bignum(),
    "ytunnus": lambda lang: make_ytunnus(),
    "rfref": lambda lang: make_rf_reference(),
    "badhetu": lambda lang: make_hetu(valid=False),
    "badiban": lambda lang: make_iban(country=rng.choice(["FI", "FI", "FI", "DE", "SE"]), valid=False),
    "badcard": lambda lang: make_bad_card(),
}

# A filler slot marks the record as containing a distractor of this kind.
FILLER_KIND = {
    "date": "date", "date_en": "date", "dshort": "date", "time": "time", "time_en": "time",
    "price": "price", "price_en": "price", "postal": "postal_code", "year": "year",
    "order": "order_number", "order_en": "order_number", "version": "version", "build": "version",
    "score": "score", "pct": "percentage", "pct_en": "percentage", "tag": "hashtag",
    "bignum": "big_number", "ytunnus": "business_id", "rfref": "rf_reference",
    "badhetu": "invalid_hetu", "badiban": "invalid_iban", "badcard": "luhn_fail_16",
    "first": "first_name",
}
CONFUSABLE = {
    "date": {"PHONE_NUMBER", "IP_ADDRESS", "FI_PERSONAL_IDENTITY_CODE"},
    "time": {"PHONE_NUMBER", "IP_ADDRESS"},
    "price": {"PHONE_NUMBER", "CREDIT_CARD"},
    "postal_code": {"PHONE_NUMBER"},
    "year": {"PHONE_NUMBER"},
    "order_number": {"PHONE_NUMBER", "CREDIT_CARD"},
    "version": {"IP_ADDRESS"},
    "score": {"PHONE_NUMBER"},
    "percentage": {"PHONE_NUMBER"},
    "hashtag": {"POLITICAL_AFFILIATION"},
    "big_number": {"PHONE_NUMBER", "CREDIT_CARD"},
    "business_id": {"FI_PERSONAL_IDENTITY_CODE", "PHONE_NUMBER"},
    "rf_reference": {"IBAN_CODE"},
    "invalid_hetu": {"FI_PERSONAL_IDENTITY_CODE"},
    "invalid_iban": {"IBAN_CODE"},
    "luhn_fail_16": {"CREDIT_CARD"},
    "party_word_other_sense": {"POLITICAL_AFFILIATION"},
    "cue_without_party": {"POLITICAL_AFFILIATION"},
    "www_word": {"URL"},
    "at_sign": {"MENTION"},
    "email_at": {"MENTION"},
    "first_name": {"PERSON"},
}

# --------------------------------------------------------------------------------------
# Parties
# --------------------------------------------------------------------------------------
PARTIES = ["KOK", "SDP", "PS", "KESK", "VIHR", "VAS", "RKP", "KD", "LIIK"]
FI_FORMS = {
    "KOK": {"nom": ["kokoomus"], "gen": ["kokoomuksen"], "part": ["kokoomusta"], "all": ["kokoomukselle"],
            "member": ["kokoomuslainen"], "members": ["kokoomuslaiset"], "tag": ["#kokoomus"]},
    "SDP": {"nom": ["SDP", "SDP", "demarit", "sosialidemokraatit"], "gen": ["SDP:n", "SDP:n", "demarien"],
            "part": ["SDP:tä", "demareita"], "all": ["SDP:lle", "demareille"], "member": ["demari"],
            "members": ["demarit", "sosialidemokraatit"], "tag": ["#sdp"]},
    "PS": {"nom": ["perussuomalaiset", "perussuomalaiset", "persut"], "gen": ["perussuomalaisten"],
           "part": ["perussuomalaisia", "persuja"], "all": ["perussuomalaisille"],
           "member": ["perussuomalainen"], "members": ["perussuomalaiset", "persut"], "tag": ["#perussuomalaiset"]},
    "KESK": {"nom": ["keskusta"], "gen": ["keskustan"], "part": ["keskustaa"], "all": ["keskustalle"],
             "member": ["keskustalainen"], "members": ["keskustalaiset"], "tag": ["#keskusta"]},
    "VIHR": {"nom": ["vihreät"], "gen": ["vihreiden"], "part": ["vihreitä"], "all": ["vihreille"],
             "members": ["vihreät"], "tag": ["#vihreät"]},
    "VAS": {"nom": ["vasemmistoliitto"], "gen": ["vasemmistoliiton"], "part": ["vasemmistoliittoa"],
            "all": ["vasemmistoliitolle"], "member": ["vasemmistoliittolainen"],
            "members": ["vasemmistoliittolaiset"], "tag": ["#vasemmistoliitto"]},
    "RKP": {"nom": ["RKP", "RKP", "SFP"], "gen": ["RKP:n"], "part": ["RKP:tä"], "all": ["RKP:lle"], "tag": ["#rkp"]},
    "KD": {"nom": ["kristillisdemokraatit", "KD"], "gen": ["kristillisdemokraattien", "KD:n"],
           "part": ["kristillisdemokraatteja", "KD:tä"], "all": ["KD:lle", "kristillisdemokraateille"],
           "members": ["kristillisdemokraatit"], "tag": ["#kd"]},
    "LIIK": {"nom": ["Liike Nyt"]},
}
# English forms: (form, takes "the")
EN_FORMS = {
    "KOK": [("National Coalition Party", True), ("National Coalition Party", True), ("Kokoomus", False)],
    "SDP": [("Social Democratic Party", True), ("Social Democrats", True), ("SDP", True)],
    "PS": [("Finns Party", True)],
    "KESK": [("Centre Party", True)],
    "VIHR": [("Green League", True), ("Greens", True)],
    "VAS": [("Left Alliance", True)],
    "RKP": [("Swedish People's Party", True), ("Swedish People's Party", True), ("RKP", True)],
    "KD": [("Christian Democrats", True)],
    "LIIK": [("Movement Now", False), ("Liike Nyt", False)],
}
ALL_PARTY_FORMS = {p: {f.casefold() for forms in FI_FORMS[p].values() for f in forms} | {f.casefold() for f, _ in EN_FORMS[p]}
                   for p in PARTIES}

EXACT_CUES = {"ehdokas", "ehdolla", "puolue", "kansanedustaja", "valtuutettu", "jäsen", "äänestän", "äänestää",
              "vaalit", "hallitus", "oppositio", "puheenjohtaja", "eduskuntaryhmä", "candidate", "councillor",
              "party", "vote", "election", "government"}
LOOSE_CUE = re.compile(
    r"ehdok|ehdoll|puolue|kansanedustaj|valtuute|jäsen|äänest|vaali|hallitu|oppositi|puheenjohtaj|eduskun"
    r"|candidat|councillor|council|\bpart(?:y|ies)\b|\bvot(?:e|es|ed|ing|er|ers)\b|elect|govern|parliament|politi|minist",
    re.IGNORECASE)
MP_RE = re.compile(r"\bMPs?\b")
AMBIGUOUS_RE = re.compile(r"(?<!\w)(#?keskusta\w*|#?vihre\w*|liike|greens?|centre)(?!\w)", re.IGNORECASE)
UNAMBIGUOUS_CI = re.compile(
    r"(?<![\w#])#?(kokoomu\w*|demar\w*|sosialidemokraat\w*|perussuomalai\w*|persu\w*|vasemmistoliit\w*"
    r"|kristillisdemokraat\w*|#sdp|#rkp|#kd|national coalition party|social democratic party|social democrats"
    r"|finns party|left alliance|swedish people's party|christian democrats|movement now|green league)(?!\w)",
    re.IGNORECASE)
UNAMBIGUOUS_CS = re.compile(r"(?<![\w#])(SDP|RKP|SFP|KD)(?::\w+)?(?!\w)")

# --------------------------------------------------------------------------------------
# Templates. {TYPE} entity slots, {P.case} Finnish party, {PE}/{PE.the}/{PE.a} English party,
# "!" = self-declared, "^" = capitalise the first letter; lowercase slots are unlabelled fillers.
# --------------------------------------------------------------------------------------
POS = {
    "EMAIL_ADDRESS": {
        "fi": [
            "Laita viestiä {EMAIL} niin sovitaan loput.",
            "Palautteet osoitteeseen {EMAIL}, kiitos!",
            "Yhteydenotot: {EMAIL}",
            "Mun sähköposti vaihtui, uusi on {EMAIL}.",
            "Hakemukset {EMAIL} viimeistään {dshort}",
            "Jos haluat mukaan talkoisiin, meilaa {EMAIL} 🙌",
            "Kuvat voi lähettää osoitteeseen {EMAIL} ja julkaisemme parhaat.",
            "Lisätietoja: {EMAIL} tai yksityisviestillä.",
            "Kirjoitin jo {EMAIL} mutta vastausta ei ole kuulunut viikkoon.",
            "Kuka tietää toimiiko {EMAIL} vielä? Viestit palautuu.",
            "Vinkit juttuun: {EMAIL}",
            "Ilmoittautumiset {EMAIL}, mukaan mahtuu {num} ensimmäistä.",
        ],
        "en": [
            "Email me at {EMAIL}.",
            "Send your CV to {EMAIL} by {weekday_en}.",
            "Questions? {EMAIL}",
            "Press enquiries go to {EMAIL}, not to my DMs please.",
            "New address, same me: {EMAIL}",
            "If you want the slides, drop a line to {EMAIL}.",
            "Tried {EMAIL} three times and it keeps bouncing.",
            "Volunteers welcome, write to {EMAIL} 🙂",
            "Feedback form is broken, so use {EMAIL} instead.",
            "Contact {EMAIL} for tickets.",
        ],
    },
    "PHONE_NUMBER": {
        "fi": [
            "Soita {PHONE} jos löydät kissan!",
            "Myydään sohva, puh. {PHONE}",
            "Ajanvaraus numerosta {PHONE} arkisin.",
            "Tekstaa {PHONE} niin tulen hakemaan.",
            "Mun uusi numero: {PHONE}",
            "Kadonnut koira {city_ine}, jos näet sen niin soita {PHONE} 🙏",
            "Taksi ei vastaa, kokeilkaa numeroa {PHONE}.",
            "Päivystys {PHONE} (myös viikonloppuisin).",
            "Soitin numeroon {PHONE} ja jonotin tunnin.",
            "Tilaukset puhelimitse {PHONE} tai paikan päällä.",
            "Huoltoyhtiön numero on {PHONE}, laittakaa talteen.",
            "WhatsApp {PHONE}, vastaan illalla.",
            "Kimppakyyti lähtee {weekday}, ilmoittaudu {PHONE}.",
        ],
        "en": [
            "Call me on {PHONE} if anything changes.",
            "WhatsApp {PHONE}",
            "Lost a black wallet, please call {PHONE}!",
            "Our office line is {PHONE}, weekdays only.",
            "Text {PHONE} for the door code.",
            "Booking by phone: {PHONE}.",
            "I rang {PHONE} and nobody picked up.",
            "Emergency contact for the trip: {PHONE}",
            "New number, who dis? {PHONE}",
            "For the flat viewing ring {PHONE} 🙂",
        ],
    },
    "FI_PERSONAL_IDENTITY_CODE": {
        "fi": [
            "Kela pyysi hetua, laitoin {HETU} lomakkeeseen, toivottavasti ok.",
            "Älkää ikinä postatko hetua näin: {HETU}",
            "Löysin kadulta paperin, jossa luki hetu {HETU}.",
            "Mun hetu on {HETU}, voitko tarkistaa varauksen?",
            "Henkilötunnus: {HETU}",
            "Apteekissa kysyttiin hetua ja sanoin ääneen {HETU} koko jonon kuullen 🙈",
            "Vauvan henkilötunnus tuli tänään: {HETU} 👶",
            "Lomake hyväksyi tunnuksen {HETU} vasta kolmannella yrityksellä.",
            "Mummon hetu {HETU} on kirjoitettu lääkepurkin kylkeen.",
            "Ilmoitin tunnuksella {HETU} mutta järjestelmä kaatui.",
            "Vahingossa laitoin julkiseen ketjuun hetun {HETU}, miten tämän saa poistettua?",
        ],
        "en": [
            "My Finnish personal ID is {HETU}, is that what the form needs?",
            "Someone posted their ID code {HETU} in the group chat 😬",
            "The clinic asked for my henkilötunnus: {HETU}.",
            "Found a pay slip on the tram with the code {HETU} on it.",
            "Registration worked once I typed {HETU} without spaces.",
            "Why does this form want my personal identity code ({HETU}) just to book a sauna?",
            "Grandma's ID {HETU} is written on her library card, yikes.",
            "Typed {HETU} into the wrong field and now I'm someone else 🤦",
        ],
    },
    "IBAN_CODE": {
        "fi": [
            "Keräys: tilinumero {IBAN}, kiitos kaikille!",
            "Laskun voi maksaa tilille {IBAN}.",
            "Vuokra menee tilille {IBAN} viimeistään {dshort}",
            "Lahjoitukset tilille {IBAN} viestillä 'kevät'.",
            "Myyn polkupyörän, maksu tilille {IBAN} tai käteisellä.",
            "Yhdistyksen uusi tili on {IBAN}, vanha suljetaan.",
            "Osallistumismaksu {price} tilille {IBAN}.",
            "Maksoin tilille {IBAN} mutta rahat ei näy vielä?",
            "Pankki sanoo että {IBAN} on oikein, mutta siirto ei mene läpi.",
            "Talkoiden kulut voi laskuttaa, tili {IBAN}.",
        ],
        "en": [
            "Donations: {IBAN}, thank you!",
            "Please pay to {IBAN} by {date_en}.",
            "Rent goes to {IBAN} on the first of the month.",
            "Our club account changed to {IBAN}.",
            "Transfer to {IBAN} failed twice, any ideas?",
            "Ticket fee {price_en}, account {IBAN}.",
            "You can chip in for the gift: {IBAN} 🎁",
            "Refund should go to {IBAN}, not the old account.",
        ],
    },
    "URL": {
        "fi": [
            "Lue koko juttu: {URL}",
            "Lähde: {URL}",
            "Ilmoittautuminen ({URL}) sulkeutuu {dshort}",
            "Tässä linkki: {URL} 👈",
            "Katso video {URL}!",
            "Hyvä kirjoitus aiheesta {URL}.",
            "Kysely on auki vielä viikon, vastaa täällä: {URL}",
            "Raportti löytyy osoitteesta {URL}, sivu {num} on kiinnostavin.",
            "Linkki ei toimi ({URL}), onko muilla sama?",
            "Tapahtuman tiedot {URL}. Nähdään siellä!",
            "Tein tästä ketjun, alku täällä {URL}",
            "Suosittelen tätä: {URL} Tosi hyvä.",
        ],
        "en": [
            "Full story: {URL}",
            "Source: {URL}",
            "Sign up here ({URL}) before {date_en}.",
            "Slides are at {URL}.",
            "This thread explains it better than I can {URL}",
            "Great read {URL}!",
            "The survey closes {weekday_en}, please fill it in: {URL}",
            "Is {URL} down for anyone else?",
            "Bug report filed at {URL}.",
            "Recording of the talk: {URL} 🎥",
            "Docs ({URL}) are out of date, heads up.",
        ],
    },
    "IP_ADDRESS": {
        "fi": [
            "Palvelin {IP} ei vastaa taas.",
            "Joku yrittää kirjautua osoitteesta {IP} koko ajan.",
            "Reitittimen osoite on {IP}, kokeile sitä.",
            "Estin osoitteen {IP}, spämmi loppui heti.",
            "Tulostin löytyy nyt osoitteesta {IP} eikä vanhasta.",
            "Lokissa näkyy {IP} satoja kertoja minuutissa, hyökkäys?",
            "Pelipalvelin pyörii osoitteessa {IP}, tulkaa mukaan!",
            "Miksi mun kone saa osoitteen {IP} eikä mitään muuta?",
            "Vaihdoin DNS:ksi {IP} ja netti nopeutui.",
            "NAS:n hallinta aukeaa osoitteesta {IP} mutta vain kotiverkosta.",
        ],
        "en": [
            "Blocked {IP} after 500 failed logins.",
            "Server at {IP} is down again.",
            "My printer grabbed {IP} and now nothing can find it.",
            "Whoever is hammering our API from {IP}, please stop.",
            "Default gateway is {IP}, try that first.",
            "Pi-hole lives at {IP} if anyone needs it.",
            "Fail2ban caught {IP} twelve times today.",
            "Game server IP: {IP}, see you there!",
            "Traceroute dies at {IP}, so it's the ISP.",
        ],
    },
    "CREDIT_CARD": {
        "fi": [
            "Apua, laitoin vahingossa kortin numeron {CARD} tänne, poistan heti!",
            "Löysin kortin {CARD} bussipysäkiltä, laitan sen poliisille.",
            "Verkkokauppa veloitti korttia {CARD} kahdesti.",
            "Kortti {CARD} suljettu, uusi tulee postissa.",
            "Isä lähetti kortin numeron {CARD} tekstiviestillä ja kysyi onko ok 🤦",
            "Maksoin kortilla {CARD} mutta tilaus ei näy.",
            "Tyttären kortti {CARD} jäi kassalle, onko kukaan nähnyt?",
            "Huijari yritti käyttää korttia {CARD} ulkomailla.",
            "Pankin sovellus näyttää kortin {CARD} vanhentuneena vaikka ei ole.",
        ],
        "en": [
            "Oops, pasted my card number {CARD} in the wrong chat.",
            "Found a card {CARD} at the bus stop, DM me.",
            "Got charged twice on {CARD}, support isn't answering.",
            "My card {CARD} was cloned, bank says.",
            "Mum texted me her card {CARD} to book flights 🙈",
            "Card {CARD} cancelled, new one on the way.",
            "Checkout keeps rejecting {CARD} even though it's valid.",
            "Who leaves a screenshot with {CARD} visible on a public post?",
        ],
    },
    "MENTION": {
        "fi": [
            "{MENTION} kiitos vinkistä!",
            "Samaa mieltä kuin {MENTION} ja {MENTION}.",
            "cc {MENTION}",
            "Kysy {MENTION}:lta, hän tietää.",
            "{MENTION} {MENTION} tuletteko illalla?",
            "Hyvä pointti {MENTION}, en ollut ajatellut tuota.",
            "Onnea {MENTION}, ansaittu palkinto!",
            "Ketju jatkuu, katso {MENTION} vastaus.",
            "Lähetä {MENTION} terveisiä!",
            "Kiitos {MENTION} kun jaoit tämän.",
            "Tästä voisi kysyä {MENTION}.",
            "{MENTION} onko teillä vielä lippuja jäljellä?",
            "RT {MENTION}: Tärkeä tiedote kaikille!",
        ],
        "en": [
            "{MENTION} thanks for the tip!",
            "Agree with {MENTION} here.",
            "h/t {MENTION}",
            "{MENTION} {MENTION} are you coming tonight?",
            "Congrats {MENTION}, well deserved!",
            "Adding {MENTION} to this thread.",
            "Ask {MENTION}, they know everything about it.",
            "Thanks {MENTION} for sharing this!",
            "{MENTION} is this still on for {weekday_en}?",
            "Great point by {MENTION} and {MENTION}.",
            "RT {MENTION}: important update for everyone!",
        ],
    },
    "PERSON": {
        "fi": [
            "{PERSON} kertoi eilen, että hanke jatkuu.",
            "Tänään vieraana {PERSON}!",
            "Haastattelussa {PERSON}, joka on tehnyt tätä työtä {small} vuotta.",
            "Kiitos {PERSON}, hieno esitys!",
            "{PERSON} valittiin vuoden valmentajaksi.",
            "Puhujana {PERSON}.",
            "Kirjoittaja: {PERSON}",
            "Terveisin {PERSON}",
            "Kuvassa vasemmalta {PERSON} ja {PERSON}.",
            "Uusi rehtori on {PERSON}.",
            "{PERSON} avasi illan ja sali oli täynnä.",
            "Onneksi olkoon {PERSON}!",
            "Lavalla nyt {PERSON} 🎤",
            "{PERSON} ja {PERSON} juontavat tapahtuman.",
            "Kiitos kaikille, erityisesti {PERSON} ja tiimi!",
        ],
        "en": [
            "Met {PERSON} today, lovely person.",
            "Great talk by {PERSON} this morning!",
            "{PERSON} just announced the new programme.",
            "Congrats to {PERSON}!",
            "Shoutout to {PERSON} for organising this.",
            "Interview with {PERSON}: worth a listen.",
            "Photo: {PERSON}",
            "Thanks, {PERSON}, for the kind words.",
            "{PERSON} and {PERSON} are hosting tonight.",
            "Keynote speaker: {PERSON}.",
            "Had coffee with {PERSON} in {city_en} ☕",
            "Reading the new book by {PERSON} and loving it.",
            "Welcome to the team, {PERSON}!",
        ],
    },
}

POLITICAL = {
    "fi": [
        # self-declared
        "Olen {P.gen!} kansanedustaja ja vastaan mielelläni kysymyksiin.",
        "Ehdolla {P.gen!} listalta! Kiitos kaikille tuesta 🙏",
        "Olen ehdolla {P.gen!} listalta {city_ine}, tule juttelemaan torille!",
        "{P.gen^!} valtuutettuna ajan {city_gen} lähipalveluita.",
        "Olen {P.gen!} valtuutettu ja tänään kokouksessa puhuttiin kouluista.",
        "Liityin tänään {P.gen!} jäseneksi. Jännittää!",
        "Olen {P.gen!} jäsen ja ylpeä siitä.",
        "Me {P.members!} emme hyväksy tätä, vaikka hallitus niin haluaa.",
        "Olen {P.member!} ja ylpeä siitä.",
        "Olen {P.member!} ja puolue on mulle tärkeä, mutta tästä olen eri mieltä.",
        "Aluevaaleissa olen {P.gen!} ehdokas, numeroni kerron pian!",
        "Olen ollut {P.gen!} jäsen vuodesta {year}.",
        "Eduskuntaryhmämme puheenjohtajana sanon suoraan: {P.nom!} ei hyväksy tätä.",
        "Olen {P.gen!} ehdokas ja kiertelen tänään {city_ine}.",
        "Olen ehdolla kuntavaaleissa {city_ine}, numero {num} {P.tag!}",
        "Kiitos kaikille äänestäjille! Olen jatkossakin {P.gen!} kansanedustaja.",
        "Puolue on mulle tärkeä: olen {P.member!} koko ikäni.",
        "Olen {P.gen!} varavaltuutettu ja istun sosiaalilautakunnassa.",
        "Tervetuloa vaalikahveille! Olen {P.gen!} ehdokas, teltta torin laidalla.",
        # third party / news / opinion
        "{P.nom^} esitti tänään uutta veromallia.",
        "{P.nom^} esitti tänään uutta veromallia, ja hallitus ei innostunut.",
        "{MENTION} äänestää {P.part}, en ymmärrä miksi.",
        "{P.gen^} puheenjohtaja vaati eilen lisää rahaa sotelle.",
        "Uusi kannatusmittaus: {P.nom} nousi ja {P.nom} laski, vaalit ovat ensi keväänä.",
        "{PERSON} on {P.gen} kansanedustaja.",
        "{PERSON} on {P.gen} ehdokas {city_ine}.",
        "Naapurin setä äänestää {P.part} aina.",
        "En ikinä äänestäisi {P.part}.",
        "Oppositio, eli {P.nom} ja {P.nom}, vaatii välikysymystä.",
        "Äänestän {P.part}, vaikka ehdokas ei ole täydellinen.",
        "{P.nom^} on oppositio nyt, ja se näkyy.",
        "Hallitus ja {P.nom} riitelevät taas budjetista.",
        "{P.gen^} eduskuntaryhmä kokoontuu huomenna.",
        "Kuka muu äänestää {P.part} tänä vuonna?",
        "Isä on ollut {P.gen} jäsen kolmekymmentä vuotta.",
        "Mun kaveri on {P.member}, mutta puolue ei ole pilannut ystävyyttä 😄",
        "{P.nom^} ja {P.nom} ovat samaa mieltä, ihme tapahtui!",
        "{P.all^} tuli vaalirahaa enemmän kuin muille, kertoo selvitys.",
        "Hallitus neuvottelee, ja {P.nom} haluaa mukaan.",
        "{PERSON} lahjoitti {P.all} ison summan, kertoo puolue.",
        "Tv-väittelyssä {P.gen} puheenjohtaja oli vahvimmillaan.",
        "{P.members^} jakoivat tänään ruusuja {city_ine} torilla {P.tag}",
        "Hyvä keskustelu tänään, hallitus sai kritiikkiä {P.tag}",
        "Vaalit lähestyy ja {P.nom} lupaa taas kaikkea.",
        "{P.gen^} kannatus on pudonnut, puolue on ihmeissään.",
        "Miksi kukaan äänestää {P.part}? Oikeasti kysyn.",
        "Olen ehdolla aluevaaleissa {P.tag!} {tag}",
        "Olen {P.member!} ja ehdolla kuntavaaleissa {city_ine} {P.tag=!}",
        "Vaalit tulossa ja tänään {P.gen} teltalla oli jonoa {P.tag=}",
        "Kiitos {P.all}, että ehdokas tuli kouluvierailulle!",
        "Kannatan {P.part}, mutta en ole jäsen.",
        "Äänestin {P.part} viime kerralla, nyt en tiedä.",
        "{P.gen^} vaalivalvojaisissa tunnelma oli katossa {P.tag=}",
        "Kysyin {P.gen} ehdokkaalta suoraan, vastausta ei tullut.",
        "Tänään teltalla {city_ine} jakamassa esitteitä, olen {P.gen!} ehdokas {P.tag=!}",
        "Kokoukseen tuli {P.gen} ja {P.gen} edustajat, hallitus ei lähettänyt ketään.",
        "Kuulin että {PERSON} antoi äänensä {P.all}, vaikka on toisen puolueen jäsen.",
        "{P.members^} valtasivat torin, vaalit on ovella {P.tag=}",
        "Olen {P.gen!} puheenjohtaja {city_ine} ja kutsun kaikki vaalikahveille.",
        "{P.nom^} keräsi eniten ääniä {city_ine}, vaalit menivät yllättävästi.",
    ],
    "en": [
        # self-declared
        "As the {PE!} candidate in {city}, I'll keep fighting for better public transport.",
        "I'm {PE.a!} councillor and I read every message I get.",
        "Proud to be {PE.a!} candidate in this election! 🗳",
        "As an MP for {PE.the!}, I voted against the bill today.",
        "I'm running for {PE.the!} in the municipal election.",
        "Vote for me! I'm the {PE!} candidate for {city} 🙌",
        "Speaking as {PE.a!} MP: this budget does not work.",
        "I have been a member of {PE.the!} since {year} and I'm still a proud party activist.",
        "Today I joined {PE.the!} as a party member. Big day!",
        "As {PE.a!} councillor I voted no, and here's why.",
        "I'm standing as {PE.a!} candidate in the election next spring.",
        # third party / news / opinion
        "My neighbour votes for {PE.the} every time.",
        "{PE.the^} proposed a new tax model today.",
        "Poll: {PE.the} up, {PE.the} down. Election is next spring.",
        "{PERSON} is {PE.a} MP, right?",
        "I would never vote for {PE.the}.",
        "{MENTION} votes {PE}?? Since when?",
        "The {PE} leader said the government must act now.",
        "{PE.the^} will join the government, according to reports.",
        "Breaking: {PE.the} out of the government coalition.",
        "Interesting debate between {PE.the} and {PE.the} on climate policy.",
        "My dad has been {PE.a} party member for decades.",
        "{PERSON} is the {PE} candidate in {city}.",
        "Can't believe {PE.the} and {PE.the} agree on something in the government talks.",
        "Opposition parties, led by {PE.the}, want a vote of no confidence.",
        "{PE.the^} holds its party congress on {weekday_en}.",
        "Thinking about who to vote for: maybe {PE.the}?",
        "The government needs {PE.the} to pass the bill.",
        "Funny how {PE.the} suddenly care about farmers before the election.",
        "Door-knocking all day as a candidate for {PE.the!} {P.tag=!}",
        "Good turnout at the {PE} election event today {P.tag=}",
        "I support {PE.the} but I'm not a party member.",
        "Canvassing in {city} for {PE.the!} today, I'm on the ballot as a candidate!",
        "Election night: {PE.the} won in {city}, {PE.the} lost seats. {P.tag=} {tag}",
        "Proud member of {PE.the!}, and yes, I'm a candidate in {city} this time.",
        "Did {PERSON} really leave {PE.the}? The party hasn't commented.",
        "Our {PE!} councillor group meets on {weekday_en}, join us if you're a member!",
    ],
}

NEGATIVE = {
    "fi": [
        "Kokous siirtyy {date} {time}.",
        "{order} lähti tänään, toimituksen pitäisi tulla {dshort} mennessä.",
        "Ei kuulu mitään, {order} vieläkin matkalla 🙄",
        "Päivitys {version} tuli ulos ja nyt kaikki kaatuu.",
        "Versio {version} korjasi sen bugin, kiitos!",
        "Ostin takin hintaan {price} ja heti seuraavana päivänä tuli alennus.",
        "Toimitusosoite on {postal}, ja silti paketti meni väärään paikkaan.",
        "HIFK–Tappara {score}, aivan uskomaton matsi!",
        "Leijonat voitti {score} 🔥",
        "Inflaatio {pct} ja palkat ei nouse.",
        "Äänestysprosentti jäi {pct}, harmillista.",
        "Uusi kahvila avattiin kaupungin keskustassa, käykää!",
        "Keskustan kahvila on taas auki {weekday}.",
        "Tavataan keskustassa {time}?",
        "Lähden bussilla keskustaan, tarviiko joku jotain?",
        "{city_gen} keskustassa oli ihan kaaos tänään.",
        "Keskusta on jouluvaloissa taas ✨",
        "Lapsi löysi vihreät kuulat hiekkalaatikolta.",
        "Aamulla vihreä tee ja pulla.",
        "Vihreät banaanit kypsyvät paperipussissa, vinkki mummolta.",
        "Mun vihreät kumisaappaat on ihan parhaat.",
        "Osta vihreitä omenoita, ne on hapokkaita.",
        "Vihreiden kuulien pussi maksoi {price}.",
        "Uusi liike avattiin {city_ine}.",
        "Liike on suljettu {dshort} asti.",
        "Ihana liike nyt auki myös sunnuntaisin!",
        "Jokainen liike lasketaan, sanoi fysioterapeutti.",
        "Aurinkoinen päivä {tag} {tag}",
        "Lomakkeessa luki {badhetu} ja järjestelmä hylkäsi sen, tarkiste oli väärin.",
        "Tunnus {badhetu} ei kelpaa, joku näppäilyvirhe.",
        "Maksu palautui, koska tilinumerossa {badiban} oli näppäilyvirhe.",
        "Pankki hylkäsi tilin {badiban}, tarkistenumero ei täsmää.",
        "Kortin numero {badcard} ei mene läpi kassalla, mikä vika?",
        "Sarjanumero {badcard} ei kelpaa takuuseen.",
        "Yrityksen Y-tunnus on {ytunnus}.",
        "Viitenumero {rfref}, eräpäivä {date}.",
        "Hankkeen budjetti on {bignum} €.",
        "Vuonna {year} tämä oli ihan eri juttu.",
        "Asensin päivityksen build {build} ja akku kestää taas.",
        "Treffit @ Kahvila Kuu, {time}.",
        "Lisätietoja www-sivuiltamme ja somesta.",
        "Vaalit lähestyy, muistakaa äänestää!",
        "Mikä puolue ajaa oikeasti pienyrittäjien asiaa?",
        "Kuka on paras ehdokas meidän alueella?",
        "{first} lupasi tuoda pullaa huomenna.",
        "Onnea {first}, hienosti juostu!",
        "Kiitos {first}! Huomenna jatketaan.",
        "Juna myöhässä {small} minuuttia, taas.",
        "Lämpötila {dshort} oli {small} astetta pakkasta, ennätys!",
        "Tilasin netistä: {order}, hinta {price}, ja toimitus kesti {small} päivää.",
        "Pukki saapuu {date} {time} torille.",
        "Kevätkonsertti {date} {time}, liput {price}.",
        "Takki maksaa nykyään {price}, hullua.",
        "Sähkön hinta nousi {pct} viime kuusta.",
        "Lasten jalkapallo päättyi {score}, kaikki sai mitalin.",
        "Muuttoon {num} päivää, laatikoita {num} 😅",
        "Opiskelijanumero {num}{num}{num}, älkää kysykö miksi muistan sen.",
        "Python {version} on nyt asennettu koulun koneille.",
        "Kirjastossa oli {num} varausta samalle kirjalle {tag}",
        "Puhelin hukassa, jos joku löytää niin palauttakaa lähimpään kauppaan.",
        "Asuntolaina {bignum} euroa, korko {pct}.",
        "Ilmoittautuminen {dshort} mennessä, paikkoja {num}.",
        "Vaalikone julkaistaan {dshort}, kannattaa täyttää.",
        "Synttärit {dshort} {time}, tuokaa vihreät pillimehut!",
        "Maratonin väliaika {time} on uusi ennätys.",
    ],
    "en": [
        "Meeting moved to {date_en} at {time_en}.",
        "Still waiting for {order_en} 🙄",
        "Just upgraded to v{version} and everything broke.",
        "Version {version} fixed the login bug, finally.",
        "Got these headphones for {price_en}, bargain.",
        "Final score {score}, what a game!",
        "Turnout was {pct_en} this time.",
        "Lunch in the city centre, anyone?",
        "Eat your greens and vegetables, kids.",
        "The Greens of the golf course were perfect today.",
        "New shop opened near the city centre.",
        "Putting greens at the club are closed until {date_en}.",
        "Leisure centre pool is closed on {weekday_en} again.",
        "Birthday party at {time_en} on {weekday_en}!",
        "Who's the best candidate for our area, honestly?",
        "My card {badcard} keeps getting declined?",
        "Account {badiban} fails the checksum, must be a typo.",
        "The form rejected {badhetu}, the check character is wrong apparently.",
        "Meet @ {time_en} by the fountain.",
        "Since {year} I've lived in {city_en}.",
        "Postcode {postal} came up as the richest in the country.",
        "{first} said the train was late again.",
        "Thanks {first}! See you soon.",
        "Weather is nice today {tag} {tag}",
        "Build {build} is out, changelog is short.",
        "Budget for the project: €{bignum}.",
        "Reference {rfref} for the invoice, due {date_en}.",
        "Company ID {ytunnus} is on the invoice.",
        "Bought {small} kilos of greens for the soup.",
        "Green tea at {time_en} is my ritual.",
        "Our office moved to the centre of town.",
        "Inflation at {pct_en} and wages flat.",
        "Rent went up {pct_en}, great.",
        "Ticket prices: adults {price_en}, kids free.",
        "The {year} season was our best since forever.",
        "My {order_en} arrived broken, returned it.",
        "Python {version} is now on all the lab machines.",
        "Serial {badcard} isn't accepted by the warranty site.",
        "Kids' football ended {score}, everyone got a medal.",
        "Train delayed {small} minutes, again.",
        "Marathon split at {time_en} was a personal best.",
        "Concert on {date_en} at {time_en}, tickets {price_en}.",
        "Check the www-pages of the library for opening hours.",
        "Got the new phone, {num} photos already {tag}",
        "Remember to vote on {weekday_en}, whoever you support!",
    ],
}

NEUTRAL = {
    "fi": [
        "Ihana aamu, kahvi ja sanomalehti.",
        "Taas sataa. Onneksi on sateenvarjo.",
        "Kuka muu katsoi eilisen jakson? Ihan hullu loppu!",
        "Saunan jälkeen on paras olo.",
        "Ei jaksa maanantaita 😩",
        "Lapset nukkuu, vihdoin hiljaista.",
        "Joku suositelkoon hyvää kirjaa lomalle.",
        "Pyöräily töihin on parasta mitä on.",
        "Tänään opin jotain uutta ja se tuntuu hyvältä.",
        "Mustikat on kypsiä, metsään siis!",
        "Koira söi taas sukan.",
        "Kevät tulee, linnut laulaa.",
        "Onko muillakin netti hidas tänään?",
        "Pitkästä aikaa elokuvissa, ihan paras leffa.",
        "Lumityöt tehty, nyt kaakaota.",
        "Ruokalista tälle viikolle on vihdoin valmis.",
        "Joka ikinen bussi on myöhässä tänään.",
        "Uusi harrastus: neulominen. Ensimmäinen pipo valmistui!",
        "Mökillä ei ole kenttää, joten palaan sunnuntaina.",
        "Hyvää viikonloppua kaikille!",
        "Kokeilin uutta reseptiä ja se epäonnistui totaalisesti 😂",
        "Huomenna aikainen herätys, nyt nukkumaan.",
    ],
    "en": [
        "Lovely morning, coffee and a good book.",
        "Raining again. Of course.",
        "Anyone else watch last night's episode? That ending!",
        "Sauna then lake, best combo.",
        "Mondays should be illegal 😩",
        "Finally some quiet, kids are asleep.",
        "Need a good book for the holidays, suggestions?",
        "Cycling to work is the best decision I've made.",
        "Learned something new today and it feels great.",
        "The blueberries are ripe, off to the forest!",
        "The dog ate another sock.",
        "Spring is coming, the birds are back.",
        "Is the internet slow for everyone today?",
        "First time at the cinema in ages, loved it.",
        "Shovelled the snow, now hot chocolate.",
        "Meal plan for the week is done.",
        "Every single bus is late today.",
        "Tried a new recipe and it went horribly wrong 😂",
        "Early start tomorrow, off to bed.",
        "Have a great weekend everyone!",
    ],
}

OPENERS = {
    "fi": ["Huomenta!", "No niin.", "Pakko jakaa:", "Hmm.", "Tiedoksi:", "Päivitys:", "Juuri nyt:", "Huh huh.",
           "Okei.", "Kysymys kaikille:", "Vinkki:", "Kuulkaa!", "Jaahas.", "Muistutus:", "Ihan vaan sanon:"],
    "en": ["Quick update:", "Heads up!", "FYI:", "Okay!", "Just saying:", "Reminder:", "Wow.", "Ugh.", "PSA:",
           "Hey all!", "Update:", "Honestly:", "Hmm.", "So:"],
}
CLOSERS = {
    "fi": ["{emoji}", "{emoji}{emoji}", "{tag}", "{tag} {tag}", "kiitos!", "jee!", "{emoji} {tag}", "😅"],
    "en": ["{emoji}", "{emoji}{emoji}", "{tag}", "{tag} {tag}", "thanks!", "lol", "{emoji} {tag}", "😅"],
}

# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------
SLOT_RE = re.compile(r"\{([A-Za-z_]+)(?:\.([a-z_]+))?([!^=]*)\}")


class Retry(Exception):
    pass


def pick_person(lang: str) -> str:
    pool = GAZ_FI if (lang == "fi") != (rng.random() < 0.15) else GAZ_EN
    return rng.choice(pool)


def render(template: str, lang: str, state: dict) -> tuple[str, list[dict], set[str]]:
    """Return text, entities (offsets relative to the text) and distractor kinds."""
    out = ""
    ents: list[dict] = []
    kinds: set[str] = set()
    pos = 0
    for m in SLOT_RE.finditer(template):
        literal = template[pos:m.start()]
        if literal.startswith(".") and out.endswith("."):
            literal = literal[1:]  # a short date "1.10." ends the sentence itself
        out += literal
        pos = m.end()
        name, mode, flags = m.group(1), m.group(2), m.group(3)
        self_decl, cap = "!" in flags, "^" in flags
        prefix, value, etype, extra = "", "", None, {}
        if name == "EMAIL":
            value, etype = make_email(), "EMAIL_ADDRESS"
        elif name == "PHONE":
            value, etype = make_phone(mode), "PHONE_NUMBER"
        elif name == "HETU":
            value, etype = make_hetu(), "FI_PERSONAL_IDENTITY_CODE"
        elif name == "IBAN":
            value, etype = make_iban(), "IBAN_CODE"
        elif name == "URL":
            value, etype = make_url(), "URL"
        elif name == "IP":
            value, etype = make_ip(), "IP_ADDRESS"
        elif name == "CARD":
            value, etype = make_card(), "CREDIT_CARD"
        elif name == "MENTION":
            value, etype = "@" + make_handle(), "MENTION"
        elif name == "PERSON":
            used = state.setdefault("persons", set())
            value = pick_person(lang)
            while value in used:
                value = pick_person(lang)
            used.add(value)
            etype = "PERSON"
        elif name == "P":
            used = state.setdefault("parties", set())
            if "=" in flags:  # the same party as the previous party slot
                party = state["last_party"]
                if mode not in FI_FORMS[party]:
                    raise Retry("no such form")
            else:
                options = [p for p in PARTIES if mode in FI_FORMS[p] and p not in used]
                party = rng.choices(options, weights=[2.5 if p == "LIIK" else 1 for p in options])[0]
            used.add(party)
            state["last_party"] = party
            value, etype = rng.choice(FI_FORMS[party][mode]), "POLITICAL_AFFILIATION"
            extra = {"party": party, "self_declared": self_decl}
        elif name == "PE":
            used = state.setdefault("parties", set())
            options = [p for p in PARTIES if p not in used]
            party = rng.choices(options, weights=[1.8 if p == "LIIK" else 1 for p in options])[0]
            used.add(party)
            state["last_party"] = party
            value, the = rng.choice(EN_FORMS[party])
            if mode == "the" and the:
                prefix = "the "
            elif mode == "a":
                prefix = "an " if value[0] in "AEIOU" or value in {"SDP", "SFP", "RKP"} else "a "
            etype, extra = "POLITICAL_AFFILIATION", {"party": party, "self_declared": self_decl}
        elif name in FILLERS:
            value = FILLERS[name](lang)
            if name in FILLER_KIND:
                kinds.add(FILLER_KIND[name])
        else:
            raise KeyError(f"unknown slot {name} in {template!r}")
        if cap:
            if prefix:
                prefix = prefix[0].upper() + prefix[1:]
            else:
                value = value[0].upper() + value[1:]
        out += prefix
        if etype:
            ents.append({"type": etype, "start": len(out), "end": len(out) + len(value), **extra})
        out += value
    literal = template[pos:]
    if literal.startswith(".") and out.endswith("."):
        literal = literal[1:]
    out += literal
    return out, ents, kinds


def join_parts(parts: list[tuple[str, list[dict], set[str]]]) -> tuple[str, list[dict], set[str]]:
    text, ents, kinds = "", [], set()
    for t, e, k in parts:
        if text:
            text += " "
        off = len(text)
        text += t
        ents += [{**x, "start": x["start"] + off, "end": x["end"] + off} for x in e]
        kinds |= k
    return text, ents, kinds


# --------------------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------------------
EMAIL_FULL = re.compile(r"[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
EMAIL_SCAN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
URL_SCAN = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
MENTION_SCAN = re.compile(r"(?<![\w.@+-])@\w+")
HETU_SCAN = re.compile(r"(?<!\w)\d{6}[-+A-FYXWVU]\d{3}[0-9A-Y](?!\w)")
IBAN_SCAN = re.compile(r"(?<![\w])([A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?)(?![\w])")
CARD_SCAN = re.compile(r"(?<![\d])(\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}|\d{13,19})(?![\d])")
IPV4_SCAN = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")
IPV6_SCAN = re.compile(r"(?<![\w:])[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}(?![\w:])")
DOMAIN_SCAN = re.compile(r"(?<![\w@/.-])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-zÅÄÖåäö]{2,}(?!\w)")
FIRST_NAMES = sorted({n.split(" ")[0].split("-")[0] for n in GAZETTEER} | set(FIRST_FI) | set(FIRST_EN), key=len, reverse=True)
FULLNAME_SCAN = re.compile(r"(?<!\w)(?:" + "|".join(FIRST_NAMES) + r")[ ]+[A-ZÅÄÖ][a-zåäö]")
SENT_SPLIT = re.compile(r"(?<=[.!?])\s+")


def sentence_of(text: str, i: int) -> str:
    start = 0
    for m in SENT_SPLIT.finditer(text):
        if m.end() <= i:
            start = m.end()
        else:
            return text[start:m.start()]
    return text[start:]


def has_exact_cue(s: str) -> bool:
    return any(w.casefold() in EXACT_CUES for w in re.findall(r"\w+", s)) or bool(MP_RE.search(s))


def has_loose_cue(s: str) -> bool:
    return bool(LOOSE_CUE.search(s) or MP_RE.search(s))


def span_ok(text: str, e: dict) -> str | None:
    """None if the span is exactly a valid instance of its type, else the reason."""
    s, a, b = text[e["start"]:e["end"]], e["start"], e["end"]
    before, after = text[a - 1] if a else " ", text[b] if b < len(text) else " "
    t = e["type"]
    if s != s.strip() or not s:
        return "whitespace at span edge"
    if t == "EMAIL_ADDRESS":
        if not EMAIL_FULL.fullmatch(s) or before.isalnum() or after.isalnum() or after == "@":
            return "bad email"
    elif t == "PHONE_NUMBER":
        if not PHONE_RE.fullmatch(s) or before.isalnum() or after.isalnum() or before == "+":
            return "bad phone"
    elif t == "FI_PERSONAL_IDENTITY_CODE":
        if len(s) != 11 or not is_valid_hetu(s) or before.isalnum() or after.isalnum():
            return "bad hetu"
    elif t == "IBAN_CODE":
        c = s.replace(" ", "")
        if not iban_valid(s) or (" " in s and s != group4(c)) or c[:2] not in IBAN_BBAN_LEN \
                or len(c) != 4 + IBAN_BBAN_LEN[c[:2]] or before.isalnum() or after.isalnum():
            return "bad iban"
    elif t == "URL":
        if not re.fullmatch(r"(?:https?://|www\.)[^\s]+", s) or s[-1] in ".,;:!?)]'\"" or before.isalnum() \
                or not (after.isspace() or after in ".,;:!?)"):
            return "bad url"
    elif t == "IP_ADDRESS":
        try:
            ipaddress.ip_address(s)
        except ValueError:
            return "bad ip"
        if before.isalnum() or after.isalnum() or before in ".:" or after == ":" or (after == "." and b + 1 < len(text) and text[b + 1].isalnum()):
            return "bad ip boundary"
    elif t == "CREDIT_CARD":
        digits = re.sub(r"[ -]", "", s)
        if not re.fullmatch(r"\d{4}([ -]?)\d{4}\1\d{4}\1\d{4}", s) or len(digits) != 16 or not luhn_ok(digits) \
                or not (digits[0] == "4" or 51 <= int(digits[:2]) <= 55 or 2221 <= int(digits[:4]) <= 2720) \
                or before.isalnum() or after.isalnum():
            return "bad card"
    elif t == "MENTION":
        if not re.fullmatch(r"@[A-Za-z0-9_]{1,15}", s) or before.isalnum() or before in "._@+-" \
                or after.isalnum() or after in "_@":
            return "bad mention"
    elif t == "PERSON":
        if s not in GAZETTEER or before.isalpha() or after.isalpha() or after in "'’-":
            return "bad person"
    elif t == "POLITICAL_AFFILIATION":
        if e.get("party") not in PARTIES or not isinstance(e.get("self_declared"), bool):
            return "bad party attrs"
        if s.casefold() not in ALL_PARTY_FORMS[e["party"]] or before.isalnum() or before in "#:" \
                or after.isalnum() or after == ":" or (before == "@"):
            return "bad party form"
    else:
        return "unknown type"
    if t != "POLITICAL_AFFILIATION" and set(e) != {"type", "start", "end"}:
        return "extra keys"
    if t == "POLITICAL_AFFILIATION" and set(e) != {"type", "start", "end", "party", "self_declared"}:
        return "extra keys"
    return None


def record_problems(text: str, ents: list[dict]) -> list[str]:
    problems = []
    if not (10 <= len(text) <= 280):
        problems.append(f"length {len(text)}")
    if text != text.strip() or "  " in text:
        problems.append("stray whitespace")
    spans = sorted((e["start"], e["end"]) for e in ents)
    for (a1, b1), (a2, b2) in zip(spans, spans[1:]):
        if a2 < b1:
            problems.append("overlap")
    for e in ents:
        if r := span_ok(text, e):
            problems.append(f"{e['type']}: {r}: {text[e['start']:e['end']]!r}")
    covered = {(e["start"], e["end"]): e["type"] for e in ents}

    def inside(a: int, b: int, types: set[str] | None = None) -> bool:
        return any(s <= a and b <= t and (types is None or covered[(s, t)] in types) for s, t in covered)

    def exact(a: int, b: int, typ: str) -> bool:
        return covered.get((a, b)) == typ

    # Nothing positive outside the labelled spans.
    for m in EMAIL_SCAN.finditer(text):
        if not exact(m.start(), m.end(), "EMAIL_ADDRESS"):
            problems.append(f"unlabelled email-like {m.group()!r}")
    for m in URL_SCAN.finditer(text):
        if not any(s == m.start() and covered[(s, t)] == "URL" for s, t in covered):
            problems.append(f"unlabelled url {m.group()!r}")
    for m in MENTION_SCAN.finditer(text):
        if not exact(m.start(), m.end(), "MENTION") and not inside(m.start(), m.end(), {"URL"}):
            problems.append(f"unlabelled mention {m.group()!r}")
    for i, ch in enumerate(text):
        if ch == "@" and not inside(i, i + 1, {"EMAIL_ADDRESS", "MENTION"}) and not (i + 1 < len(text) and text[i + 1] == " "):
            problems.append("stray @")
    for m in HETU_SCAN.finditer(text):
        if is_valid_hetu(m.group()) and not exact(m.start(), m.end(), "FI_PERSONAL_IDENTITY_CODE"):
            problems.append(f"unlabelled valid hetu {m.group()!r}")
    for m in IBAN_SCAN.finditer(text):
        g = m.group(1)
        for k in range(len(g), 5, -1):  # any valid prefix
            cand = g[:k].rstrip()
            if cand[:2] in IBAN_BBAN_LEN and len(cand.replace(" ", "")) == 4 + IBAN_BBAN_LEN[cand[:2]] and iban_valid(cand) and not exact(m.start(), m.start() + len(cand), "IBAN_CODE"):
                problems.append(f"unlabelled valid iban {cand!r}")
    for m in CARD_SCAN.finditer(text):
        digits = re.sub(r"[ -]", "", m.group())
        if len(digits) == 16 and luhn_ok(digits) and not exact(m.start(), m.end(), "CREDIT_CARD") and not inside(m.start(), m.end(), {"IBAN_CODE", "URL"}):
            problems.append(f"unlabelled luhn-valid number {m.group()!r}")
    for m in IPV4_SCAN.finditer(text):
        try:
            ipaddress.IPv4Address(m.group())
        except ValueError:
            continue
        if not exact(m.start(), m.end(), "IP_ADDRESS"):
            problems.append(f"unlabelled ipv4 {m.group()!r}")
    for m in IPV6_SCAN.finditer(text):
        try:
            ipaddress.IPv6Address(m.group())
        except ValueError:
            continue
        if not exact(m.start(), m.end(), "IP_ADDRESS") and not inside(m.start(), m.end(), {"URL"}):
            problems.append(f"unlabelled ipv6 {m.group()!r}")
    for m in PHONE_RE.finditer(text):
        if not exact(m.start(), m.end(), "PHONE_NUMBER") and not inside(m.start(), m.end(), {"URL", "IBAN_CODE", "CREDIT_CARD"}):
            problems.append(f"unlabelled phone-format {m.group()!r}")
    masked = text
    for (s, t), typ in covered.items():
        if typ in {"URL", "EMAIL_ADDRESS"}:
            masked = masked[:s] + " " * (t - s) + masked[t:]
    for m in DOMAIN_SCAN.finditer(masked):
        problems.append(f"domain-like {m.group()!r}")
    low = text.casefold()
    for name in GAZETTEER:
        for m in re.finditer(re.escape(name.casefold()), low):
            if not exact(m.start(), m.end(), "PERSON"):
                problems.append(f"unlabelled gazetteer name {name!r}")
    for e in ents:
        if e["type"] == "PERSON" and re.match(r" +[A-ZÅÄÖ]", text[e["end"]:]):
            problems.append("person name followed by a capitalised word")
    for m in FULLNAME_SCAN.finditer(text):
        if not inside(m.start(), m.start() + 1, {"PERSON"}):
            problems.append(f"looks like a non-gazetteer full name {m.group()!r}")
    for rx in (UNAMBIGUOUS_CI, UNAMBIGUOUS_CS):
        for m in rx.finditer(text):
            if not exact(m.start(), m.end(), "POLITICAL_AFFILIATION"):
                problems.append(f"unlabelled/partially labelled party {m.group()!r}")
    ambiguous_unlabelled = False
    for m in AMBIGUOUS_RE.finditer(text):
        if inside(m.start(), m.end(), {"POLITICAL_AFFILIATION"}):
            if not has_exact_cue(sentence_of(text, m.start())):
                problems.append(f"ambiguous party word without cue {m.group()!r}")
        elif not inside(m.start(), m.end(), {"URL", "EMAIL_ADDRESS", "MENTION"}):
            ambiguous_unlabelled = True
    if ambiguous_unlabelled and has_loose_cue(text):
        problems.append("ambiguous non-party word in a record with a political cue")
    return problems


def distractor_kinds(text: str, ents: list[dict], kinds: set[str]) -> set[str]:
    kinds = set(kinds)
    types = {e["type"] for e in ents}
    pol = [(e["start"], e["end"]) for e in ents if e["type"] == "POLITICAL_AFFILIATION"]
    for m in AMBIGUOUS_RE.finditer(text):
        if not any(s <= m.start() < t for s, t in pol):
            kinds.add("party_word_other_sense")
    if "www-" in text:
        kinds.add("www_word")
    if "@ " in text:
        kinds.add("at_sign")
    if "EMAIL_ADDRESS" in types:
        kinds.add("email_at")
    if has_loose_cue(text) and "POLITICAL_AFFILIATION" not in types:
        kinds.add("cue_without_party")
    return kinds


def is_tricky(ents: list[dict], kinds: set[str], include_first_names: bool = False) -> bool:
    types = {e["type"] for e in ents}
    return any(not (CONFUSABLE[k] & types) for k in kinds if include_first_names or k != "first_name")


# --------------------------------------------------------------------------------------
# Record assembly
# --------------------------------------------------------------------------------------
PRIMARY_WEIGHTS = {"EMAIL_ADDRESS": 1.2, "PHONE_NUMBER": 1.25, "FI_PERSONAL_IDENTITY_CODE": 1.05, "IBAN_CODE": 1.05,
                   "URL": 1.0, "IP_ADDRESS": 1.05, "CREDIT_CARD": 1.05, "MENTION": 1.15, "PERSON": 1.1,
                   "POLITICAL_AFFILIATION": 3.0}
TEMPLATE_USE: Counter = Counter()
REJECTS: Counter = Counter()


def pos_pool(typ: str, lang: str) -> list[str]:
    return POLITICAL[lang] if typ == "POLITICAL_AFFILIATION" else POS[typ][lang]


def assemble(kind: str, lang: str) -> tuple[str, list[dict], set[str], list[str]]:
    for _ in range(500):
        templates: list[str] = []
        if kind == "positive":
            primary = rng.choices(list(PRIMARY_WEIGHTS), weights=list(PRIMARY_WEIGHTS.values()))[0]
            templates.append(rng.choice(pos_pool(primary, lang)))
            r = rng.random()
            n_extra = 2 if r < 0.1 else 1 if r < 0.42 else 0
            others = [t for t in TYPES if t != primary]
            for t in rng.sample(others, n_extra):
                templates.append(rng.choice(pos_pool(t, lang)))
            if rng.random() < 0.33:
                templates.insert(rng.randint(0, len(templates)), rng.choice(NEGATIVE[lang]))
            elif rng.random() < 0.2:
                templates.insert(rng.randint(0, len(templates)), rng.choice(NEUTRAL[lang]))
        elif kind == "tricky":
            templates.append(rng.choice(NEGATIVE[lang]))
            if rng.random() < 0.3:
                templates.append(rng.choice(NEGATIVE[lang]))
            elif rng.random() < 0.25:
                templates.insert(rng.randint(0, 1), rng.choice(NEUTRAL[lang]))
        else:  # plain
            templates.append(rng.choice(NEUTRAL[lang]))
            if rng.random() < 0.3:
                templates.append(rng.choice(NEUTRAL[lang]))
        if len(set(templates)) != len(templates):
            REJECTS["repeated template"] += 1
            continue
        if rng.random() < 0.2:
            templates.insert(0, rng.choice(OPENERS[lang]))
        if rng.random() < 0.3:
            templates.append(rng.choice(CLOSERS[lang]))
        state: dict = {}
        try:
            parts = [render(t, lang, state) for t in templates]
        except Retry:
            REJECTS["party form missing"] += 1
            continue
        text, ents, kinds = join_parts(parts)
        if kind != "positive" and ents:
            raise AssertionError(f"negative template produced entities: {templates}")
        problems = record_problems(text, ents)
        if problems:
            REJECTS[problems[0].split(" '")[0].split(": '")[0][:60]] += 1
            continue
        kinds = distractor_kinds(text, ents, kinds)
        if kind == "tricky" and not is_tricky(ents, kinds):
            REJECTS["negative without a confusable"] += 1
            continue
        ents.sort(key=lambda e: e["start"])
        return text, ents, kinds, templates
    raise RuntimeError(f"could not build a {kind} record")


def main() -> int:
    assert len(GAZETTEER) == len(set(GAZETTEER)) == 80
    for a in GAZETTEER:
        assert 2 <= len(a.split()) <= 3
        for b in GAZETTEER:
            assert a == b or a.casefold() not in b.casefold(), (a, b)
    for p in PARTIES:  # every template-able form must be recognisable as that party
        for forms in FI_FORMS[p].values():
            for f in forms:
                assert f.casefold() in ALL_PARTY_FORMS[p]
    assert is_valid_hetu("131052-308T") and iban_valid("FI21 1234 5600 0007 85") and luhn_ok("12345600000785")
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")

    kinds_plan = ["tricky"] * N_EMPTY_TRICKY + ["plain"] * N_EMPTY_PLAIN
    kinds_plan += ["positive"] * (N_RECORDS - len(kinds_plan))
    rng.shuffle(kinds_plan)
    records, meta = [], []
    seen_texts: set[str] = set()
    for kind in kinds_plan:
        lang = "fi" if rng.random() < P_FINNISH else "en"
        while True:
            text, ents, kinds, templates = assemble(kind, lang)
            if text not in seen_texts:
                break
            REJECTS["duplicate text"] += 1
        seen_texts.add(text)
        for t in templates:
            TEMPLATE_USE[t] += 1
        records.append({"id": f"p{len(records) + 1:04d}", "lang": lang, "text": text, "entities": ents})
        meta.append(kinds)

    # Final pass: hard assertions on every record.
    for rec in records:
        text, ents = rec["text"], rec["entities"]
        for e in ents:
            assert span_ok(text, e) is None, (rec["id"], e, text[e["start"]:e["end"]], span_ok(text, e))
        spans = sorted((e["start"], e["end"]) for e in ents)
        assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:])), (rec["id"], "overlap")
        assert not record_problems(text, ents), (rec["id"], record_problems(text, ents))

    with OUT.open("w", encoding="utf-8") as f:
        f.write(json.dumps({"gazetteer": GAZETTEER}, ensure_ascii=False) + "\n")
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")

    # Report.
    counts = Counter(e["type"] for r in records for e in r["entities"])
    n = len(records)
    empty = sum(1 for r in records if not r["entities"])
    tricky = sum(1 for r, k in zip(records, meta) if is_tricky(r["entities"], k))
    tricky_empty = sum(1 for r, k in zip(records, meta) if not r["entities"] and is_tricky(r["entities"], k))
    langs = Counter(r["lang"] for r in records)
    print(f"wrote {OUT} : {n} records (+ header with {len(GAZETTEER)} gazetteer names)")
    print(f"lang: fi {langs['fi']} ({langs['fi'] / n:.1%}), en {langs['en']} ({langs['en'] / n:.1%})")
    print(f"records with no entity: {empty} ({empty / n:.1%})")
    print(f"tricky negatives: {tricky} records ({tricky_empty} of them with no entity at all)")
    print("positive spans per type:")
    for t in TYPES:
        print(f"  {t:<28} {counts[t]:>5}")
    print(f"  {'total':<28} {sum(counts.values()):>5}")
    pol = [e for r in records for e in r["entities"] if e["type"] == "POLITICAL_AFFILIATION"]
    print("political by party:", dict(sorted(Counter(e["party"] for e in pol).items())))
    print("political self_declared:", dict(Counter(e["self_declared"] for e in pol)))
    hetus = [r["text"][e["start"]:e["end"]] for r in records for e in r["entities"] if e["type"] == "FI_PERSONAL_IDENTITY_CODE"]
    print("hetu century signs:", dict(sorted(Counter(h[6] for h in hetus).items())))
    ibans = [r["text"][e["start"]:e["end"]] for r in records for e in r["entities"] if e["type"] == "IBAN_CODE"]
    print("iban countries:", dict(Counter(i[:2] for i in ibans)), "spaced:", sum(" " in i for i in ibans))
    print("distractor kinds (records):", dict(sorted(Counter(k for ks in meta for k in ks).items())))
    n_tpl = sum(len(v[l]) for v in POS.values() for l in v) + sum(len(v) for v in POLITICAL.values()) \
        + sum(len(v) for v in NEGATIVE.values()) + sum(len(v) for v in NEUTRAL.values())
    print(f"templates used: {len(TEMPLATE_USE)} distinct (of {n_tpl} + openers/closers)")
    print("redraws:", dict(REJECTS.most_common(8)))
    for t in TYPES:
        assert counts[t] >= 100, (t, counts[t])
    assert n >= 1200 and tricky >= 350 and 0.25 <= empty / n <= 0.35
    return 0


if __name__ == "__main__":
    sys.exit(main())
