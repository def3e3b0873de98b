"""The privacy notices and the record of processing activities (issue 14), generated from
data/sample/registers.yaml: the Finnish notices say everything the seed says, sentence by sentence,
except where the seed states the law as it was in 2018; the law is stated as it applies now."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest
import yaml

from seula.customers.store import MARKETING_YEARS
from seula.flows.config import Engagement
from seula.paperwork.notice import HEADINGS, render_notice
from seula.paperwork.registers import BUNDLED, REGISTERS, Registers, RegistersError, load, registers_file
from seula.paperwork.ropa import COLUMNS, ropa_rows, write_ropa
from seula.survey.mapping import Survey

SEED_NAME = "000_4c9a743e0ce80e8b.txt"
SHARED_SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / SEED_NAME
SEED_COPY = Path(__file__).parent / "data" / "seed" / SEED_NAME
TITLES = {"customers": "Asiakas- ja markkinointirekisteri",
          "research": "Sosiaalisen median tutkimuspalveluiden henkilörekisteri",
          "survey": "Kyselytutkimusten osallistujarekisteri"}
PAGE_CHROME = "Start typing and press Enter to search"  # the web page's search box, saved with the seed

# The seed's sentences that the notices word differently, and what each says instead: the
# law as it applies now (tietosuojalaki 1050/2018 replaced henkilötietolaki 523/1999 on
# 1.1.2019; Schrems II ended Privacy Shield in 2020), X for Twitter, the register's own name
# where the seed repeated another's, and the dates. Every other sentence is kept verbatim.
NOW_LAW = "ja tietosuojalain (1050/2018) mukainen rekisteri- ja tietosuojaseloste"
REWRITTEN: dict[str, dict[str, str]] = {
    "customers": {
        "Tämä on Optifluence Oy:n henkilötietolain": NOW_LAW,
        "Laadittu 24.05.2018": "Laadittu 24.5.2018",
        "Päivitetty 6.6.2018": "Päivitetty ",
        "Olemme varmistaneet parhaamme mukaan": "EU:n ja Yhdysvaltojen väliseen tietosuojakehykseen (EU–US Data Privacy Framework",
        "Rekisterissä olevalla henkilöllä on oikeus pyytää häntä koskevien henkilötietojen poistamiseen":
            "oikeus pyytää häntä koskevien henkilötietojen poistamista rekisteristä (”oikeus tulla unohdetuksi”)",
    },
    "research": {
        "Tämä on Optifluence Oy:n henkilötietolain": NOW_LAW,
        "Laadittu 24.05.2018": "Laadittu 24.5.2018",
        "Päivitetty 4.10.2018": "Päivitetty ",
        "Tietojen laillisuus perustuu siihen": "Tiedot saadaan sosiaalisen median palveluista, joiden käyttäjät ovat hyväksyneet",
        "Tämä tietosuojaseloste on laadittu täyttämään henkilötietolain":
            "EU:n yleisen tietosuoja-asetuksen (GDPR, 14 artikla) mukainen informointivelvollisuus",
        "Tällöin on kyseenalaista": "Tällöinkin tietoja käsitellään henkilötietoina",
        "Henkilötietojen käsittely tapahtuu henkilötietolain 4. luvun mukaisesti":
            "Henkilötietoja käsitellään ilman henkilöiden nimenomaista suostumusta",
        "EU:n yleisen tietosuoja-asetuksen mukainen oikeusperuste analyysipalveluiden":
            "on rekisterinpitäjän oikeutettu etu (6 artiklan 1 kohdan f alakohta; mm. elinkeinovapaus)",
        "Toissijaisesti oikeusperuste": "jota tukee tutkimuksen ja tilastoinnin yleinen etu",
        "Tietojen keruu perustuu siihen, että esimerkiksi Facebookin ja Twitterin":
            "esimerkiksi Facebookin ja X:n (entinen Twitter) käyttäjät",
        "Rekisteri ei sisällä henkilötietolain": "9 artiklassa tarkoitettuja erityisiä henkilötietoryhmiä",
        "Tavanomaisia tietolähteitä ovat mm. Facebookin ja Twitterin": "Facebookin ja X:n (entinen Twitter) www-palvelut",
        "Rekisterissä olevilla henkilöillä on lainmukainen (henkilötietolaki 30 §)":
            "lainmukainen (EU:n yleisen tietosuoja-asetuksen 21 artikla) oikeus kieltää tietojensa käytön myynti- ja "
            "markkinointitarkoituksiin",
    },
    "survey": {
        "Tämä on Optifluence Oy:n henkilötietolain": NOW_LAW,
        "Laadittu 24.05.2018": "Laadittu 24.5.2018",
        "Päivitetty 4.10.2018": "Päivitetty ",
        # The seed's survey part repeats the research register's name.
        "Optifluence Oy:n sosiaalisen median tutkimuspalveluiden henkilörekisteri":
            "Optifluence Oy:n kyselytutkimusten osallistujarekisteri.",
    },
}

# The facts the issue names, checked in the seed part too, so a fact the seed lacks cannot pass.
FACTS: dict[str, list[str]] = {
    "research": [
        "Optifluence Oy", "Ullanmäentie 10a A1, 02700, Kauniainen", "petro.poutanen@optifluence.com",
        "040 767 1631", "Petro Poutanen",
        "nimet sekä käyttäjätunnukset", "profiilien tiedot", "julkaisut", "käyttäjien väliset seuraamissuhteet",
        "toisten käyttäjien viestien tykkääminen ja jakaminen", "käytön useus", "tilastollisesta analyysistä syntyvät tunnusluvut",
        "Facebookin", "Twitter", "ohjelmistorajapinnat", "automaattisia ohjelmistoja",
        "kuulumisesta poliittiseen puolueeseen", "olemalla ehdolla vaaleissa", "julkisissa profiilitiedoissaan",
        "pääsääntöisesti kuukauden kuluessa",
        "oikeus tarkistaa rekisteriin tallennetut tietonsa", "virheellisen tiedon korjaamista",
        "puutteellisen tiedon täydentämistä", "oikeus tulla unohdetuksi", "henkilötietojen käsittelyn rajoittaminen",
        "kieltää tietojensa käytön myynti- ja markkinointitarkoituksiin", "todistamaan henkilöllisyytensä",
        "kirjallisesti rekisterinpitäjälle", "analyysipalveluista tilaaville tahoille", "oikeutettu etu",
    ],
    "customers": [
        "Petro Poutanen", "040 767 1631", "1) sopimus, jossa rekisteröity on osapuolena", "2) henkilön suostumus",
        "3) rekisterinpitäjän oikeutettu etu", "suoramarkkinoinnin", "nimi, asema, yritys/organisaatio",
        "tietoja käydyistä myyntineuvotteluista", "Google, Pipedrive ja Maventa", "Tietoja säilytetään asiakkuuden ajan",
        "korkeintaan viiden (5) vuoden ajan", "www-lomakkeilla", "pääsääntöisesti kuukauden kuluessa",
    ],
    "survey": [
        "Petro Poutanen", "oikeutettuun etuun (mm. elinkeinovapaus)", "asiakastyytyväisyys- ja markkinatutkimusten",
        "vain tilastollisia tunnuslukuja", "antamalla suostumuksella", "arvontoihin liittyvät tiedot",
        "Tutkimusten yhteydessä ilmoitamme, mistä olemme saaneet yhteystiedot",
        "toimeksiantajien ylläpitämät asiakasrekisterit",
        "vain niin kauan kuin henkilötiedon käyttötarkoituksen vuoksi on tarpeellista",
        "ei luovuteta säännönmukaisesti ulkopuolisille tahoille", "pääsääntöisesti kuukauden kuluessa",
    ],
}
OLD_LAW = re.compile(r"henkilötietolai|hetil|523/1999|privacy ?shield", re.IGNORECASE)


def seed_text() -> str:
    return (SHARED_SEED if SHARED_SEED.is_file() else SEED_COPY).read_text(encoding="utf-8")


def seed_part(register: str) -> list[str]:
    """The seed's lines of one register, from its title to the next title."""
    lines = [flat(line) for line in seed_text().splitlines()]  # the page has no-break spaces
    start = lines.index(TITLES[register]) + 1
    ends = [i for i, line in enumerate(lines) if i > start and (line in TITLES.values() or line == PAGE_CHROME)]
    return [line for line in lines[start:min(ends, default=len(lines))] if line]


def seed_headings(register: str) -> list[str]:
    return [line for line in seed_part(register) if not line.startswith("•") and not line.endswith(".")]


def seed_sentences(register: str) -> list[str]:
    paragraphs = [line for line in seed_part(register) if line.endswith(".") and not line.startswith("•")]
    # "mm." and "esim." end no sentence: "mm. Facebookin" goes on.
    return [s for p in paragraphs for s in re.split(r"(?<!mm\.)(?<!esim\.)(?<=\.)\s+(?=[A-ZÄÖ(])", p)]


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def registers() -> Registers:
    return load(BUNDLED)


def notice(registers: Registers, register: str, lang: str = "fi", fmt: str = "md") -> str:
    return flat(render_notice(registers, register, lang, fmt))


def test_the_seed_copy_matches_the_shared_seed() -> None:
    if not SHARED_SEED.is_file():
        pytest.skip("no ../shared/seed here: the copy is all there is")
    assert SEED_COPY.read_bytes() == SHARED_SEED.read_bytes()


def test_research_notice_carries_every_section_heading_and_fact_of_the_seed(registers: Registers) -> None:
    text = notice(registers, "research")
    headings = seed_headings("research")
    assert "Rekisterin tietosisältö" in headings and len(headings) == 10  # the parse found the seed's sections
    for heading in headings:
        assert f"## {heading} " in text, heading
    bullets = [line.lstrip("• ").split(": ", 1) for line in seed_part("research") if line.startswith("•")]
    assert {k for k, _ in bullets} == {"Yritys", "Osoite", "Sähköposti", "Puhelin", "Nimi"}
    for key, value in bullets:
        assert f"- {key}: {value}" in text
    part = flat(" ".join(seed_part("research")))
    for fact in FACTS["research"]:
        assert fact in part, f"not in the seed: {fact}"
        assert fact in text, fact
    assert "X:n (entinen Twitter)" in text


@pytest.mark.parametrize("register", REGISTERS)
def test_finnish_notice_keeps_each_seed_sentence_or_states_the_law_now(registers: Registers, register: str) -> None:
    text, rewritten, used = notice(registers, register), REWRITTEN[register], set()
    for sentence in seed_sentences(register):
        prefix = next((p for p in rewritten if sentence.startswith(p)), None)
        if prefix is None:
            assert sentence.rstrip(".") in text, sentence
        else:
            used.add(prefix)
            assert sentence.rstrip(".") not in text, sentence
            assert rewritten[prefix] in text, rewritten[prefix]
    assert used == set(rewritten)  # every listed rewrite is of a sentence the seed really has


@pytest.mark.parametrize("register", ["survey", "customers"])
def test_survey_and_customer_notices_carry_their_seed_headings_and_facts(registers: Registers, register: str) -> None:
    text, part = notice(registers, register), flat(" ".join(seed_part(register)))
    for heading in seed_headings(register):
        assert f"## {heading} " in text, heading
    for fact in FACTS[register]:
        assert fact in part, f"not in the seed: {fact}"
        assert fact in text, fact


def test_customer_notice_names_the_processors_and_their_safeguards(registers: Registers) -> None:
    text = notice(registers, "customers")
    assert "Käyttämiämme palveluntarjoajia ovat tällä hetkellä Google, Pipedrive ja Maventa" in text
    assert "- Google – sähköposti ja asiakirjat: tietoja voidaan käsitellä myös EU:n tai ETA:n ulkopuolella; " \
           "siirron peruste: EU:n ja Yhdysvaltojen välinen tietosuojakehys (EU–US Data Privacy Framework)" in text
    assert "- Maventa – sähköinen laskutus: tiedot käsitellään EU:n tai ETA:n alueella." in text


def test_the_retention_the_notices_promise_is_what_the_code_enforces(registers: Registers) -> None:
    assert MARKETING_YEARS == 5
    assert "korkeintaan viiden (5) vuoden ajan viimeisestä yhteydenpidosta" in notice(registers, "customers")
    assert "Kunkin kyselyn säilytysaika ilmoitetaan kyselyn yhteydessä" in notice(registers, "survey")
    assert "Kunkin toimeksiannon tietoja säilytetään toimeksiannon ajan ja sen päätyttyä toimeksiannolle määrätyn ajan" \
        in notice(registers, "research")
    # The record names the settings that hold each time limit; they must exist.
    assert "retention_until" in registers.registers.survey.retention.rule.fi and "retention_until" in Survey.model_fields
    assert "retention_days_after_end" in registers.registers.research.retention.rule.fi
    assert "retention_days_after_end" in Engagement.model_fields


@pytest.mark.parametrize("lang", ["fi", "en"])
@pytest.mark.parametrize("register", REGISTERS)
def test_notices_state_the_law_as_it_applies_now(registers: Registers, register: str, lang: str) -> None:
    for fmt in ("md", "html"):
        text = notice(registers, register, lang, fmt)
        assert "1050/2018" in text
        assert "Data Privacy Framework" in text
        assert ("vakiosopimuslausekkeiden" if lang == "fi" else "standard contractual clauses") in text
        assert not OLD_LAW.search(text), OLD_LAW.search(text)
    assert not OLD_LAW.search(BUNDLED.read_text(encoding="utf-8").split("\ncontroller:", 1)[1])


def test_the_seed_does_cite_the_old_law() -> None:
    # Otherwise the rewrites above would be guarding nothing.
    assert "henkilötietolain" in seed_text() and "privacyshield.gov" in seed_text()


@pytest.mark.parametrize("register", REGISTERS)
def test_english_notice(registers: Registers, register: str) -> None:
    text, own = notice(registers, register, "en"), registers.register(register).headings
    for key, heading in HEADINGS["en"].items():
        assert f"## {own[key].en if key in own else heading} " in text, key
    for fi in [*HEADINGS["fi"].values(), *(h.fi for h in own.values())]:
        assert fi not in text
    for fact in ("- Company: Optifluence Oy", "- E-mail: petro.poutanen@optifluence.com", "- Phone: 040 767 1631",
                 "- Name: Petro Poutanen", "within one month", "the right to be forgotten", "Drawn up 2018-05-24"):
        assert fact in text, fact
    assert text.startswith(f"# {registers.register(register).title.en} ")
    assert "## Right of access and right to rectification " in text


class _Page(HTMLParser):
    """Checks that every element closes in order, and collects the page's text blocks."""

    VOID = {"meta", "br", "hr", "img", "link", "input"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.attrs: dict[str, dict[str, str | None]] = {}
        self.blocks: list[str] = []
        self.external: list[str] = []
        self._text: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs.setdefault(tag, dict(attrs))
        self.external += [v or "" for k, v in attrs if k in ("src", "href")]
        if tag in ("p", "li", "h1", "h2"):
            self._text = []
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()
        if tag in ("p", "li", "h1", "h2") and self._text is not None:
            self.blocks.append(flat("".join(self._text)))
            self._text = None

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)


def _md_blocks(md: str) -> list[str]:
    return [line.removeprefix("- ").lstrip("# ") for line in md.splitlines() if line.strip()]


@pytest.mark.parametrize("lang", ["fi", "en"])
@pytest.mark.parametrize("register", REGISTERS)
def test_html_notice_is_a_well_formed_page_with_the_markdown_content(registers: Registers, register: str,
                                                                     lang: str) -> None:
    html = render_notice(registers, register, lang, "html")
    assert html.lower().startswith("<!doctype html>")
    page = _Page()
    page.feed(html)
    page.close()
    assert page.stack == []
    assert page.attrs["html"]["lang"] == lang and page.attrs["meta"]["charset"] == "utf-8"
    assert "title" in page.attrs and page.external == []  # self-contained: nothing fetched
    kind = "Tietosuojaseloste" if lang == "fi" else "Privacy notice"
    assert [b for b in page.blocks if b != kind] == _md_blocks(render_notice(registers, register, lang, "md"))


def test_html_escapes_what_it_is_given(registers: Registers) -> None:
    data = registers.model_dump()
    data["controller"]["name"] = "Optifluence <b>Oy</b> & co"
    html = render_notice(Registers.model_validate(data), "research", "en", "html")
    assert "Optifluence &lt;b&gt;Oy&lt;/b&gt; &amp; co" in html and "<b>" not in html


@pytest.mark.parametrize(("args", "message"), [
    (("nope", "fi", "md"), "unknown register 'nope': expected one of research, survey, customers"),
    (("research", "sv", "md"), "unknown language 'sv': expected one of fi, en"),
    (("research", "fi", "pdf"), "unknown format 'pdf': expected one of md, html"),
])
def test_unknown_register_language_or_format_is_one_line(registers: Registers, args: tuple[str, str, str],
                                                         message: str) -> None:
    with pytest.raises(RegistersError) as err:
        render_notice(registers, *args)
    assert str(err.value) == message


ENGAGEMENTS = [
    {"id": "vaalit", "client": "Demo Client Oy", "purpose": "research", "legal_basis": "GDPR Art. 6(1)(f)",
     "start": date(2026, 9, 1), "end": date(2026, 10, 12), "retention_days_after_end": 365,
     "platforms": {"x": {"accounts": []}, "facebook": None}},
    {"id": "brandi", "client": "Kauppa Oy", "purpose": "marketing", "legal_basis": "GDPR Art. 6(1)(f)",
     "start": "2026-01-01", "end": "2026-02-01", "retention_days_after_end": 30, "platforms": ["x", "facebook"]},
]


def test_ropa_xlsx_has_a_header_and_one_row_per_register_and_engagement(registers: Registers, tmp_path: Path) -> None:
    path = write_ropa(ropa_rows(registers, ENGAGEMENTS), tmp_path / "ropa.xlsx", "xlsx")
    wb = openpyxl.load_workbook(path)
    assert len(wb.sheetnames) == 1
    ws = wb.active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == list(COLUMNS["fi"].values())
    assert len(rows) == 1 + len(REGISTERS) + len(ENGAGEMENTS)
    assert all(c.alignment.wrap_text for r in ws.iter_rows() for c in r) and ws[1][0].font.bold
    by_activity = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(by_activity) == {"Asiakas- ja markkinointirekisteri", TITLES["research"], TITLES["survey"],
                                "Toimeksianto vaalit: Demo Client Oy", "Toimeksianto brandi: Kauppa Oy"}
    customers = by_activity["Asiakas- ja markkinointirekisteri"]
    assert "Google, Pipedrive, Maventa" in customers["Vastaanottajien ryhmät"]
    assert "Google – sähköposti ja asiakirjat – EU:n ja Yhdysvaltojen välinen tietosuojakehys" \
           in customers["Siirrot kolmansiin maihin ja suojatoimet"]
    assert "viisi (5) vuotta" in customers["Poistamisen määräajat"]
    assert "Petro Poutanen" in customers["Rekisterinpitäjä ja yhteystiedot"]
    vaalit = by_activity["Toimeksianto vaalit: Demo Client Oy"]
    assert "365 päivää päättymisen jälkeen (12.10.2027 asti)" in vaalit["Poistamisen määräajat"]
    assert vaalit["Rekisteröityjen ryhmät"].endswith("(palvelut: X)")
    assert "Toimeksiantaja: Demo Client Oy" in vaalit["Vastaanottajien ryhmät"]
    brandi = by_activity["Toimeksianto brandi: Kauppa Oy"]
    assert "(tarkoitus: markkinointi)" in brandi["Käsittelyn tarkoitukset"]
    assert "(3.3.2026 asti)" in brandi["Poistamisen määräajat"] and "X, Facebook" in brandi["Rekisteröityjen ryhmät"]
    for row in by_activity.values():  # Art. 30(1)(a)-(g): nothing left blank
        assert all(row.values()), row
    assert not OLD_LAW.search(" ".join(str(v) for r in rows for v in r))


def test_ropa_markdown_has_a_section_per_activity(registers: Registers, tmp_path: Path) -> None:
    path = write_ropa(ropa_rows(registers, ENGAGEMENTS, lang="en"), tmp_path / "ropa.md", "md")
    md = path.read_text(encoding="utf-8")
    assert md.startswith("# Record of processing activities (GDPR Article 30(1))\n")
    assert re.findall(r"^## (.+)$", md, re.MULTILINE) == [
        "Personal data register of the social-media research services", "Survey participants register",
        "Customer and marketing register", "Engagement brandi: Kauppa Oy", "Engagement vaalit: Demo Client Oy"]
    for label in list(COLUMNS["en"].values())[1:]:
        assert md.count(f"**{label}:**") == len(REGISTERS) + len(ENGAGEMENTS), label
    assert "- Processors: Google, Pipedrive, Maventa" in md
    assert "data kept 365 days after the end (until 2027-10-12)" in md
    assert not list(tmp_path.glob(".*.tmp"))


def test_ropa_without_engagements_and_bad_format(registers: Registers, tmp_path: Path) -> None:
    assert len(ropa_rows(registers, [])) == len(REGISTERS)
    with pytest.raises(RegistersError, match="unknown format 'csv'"):
        write_ropa(ropa_rows(registers, []), tmp_path / "ropa.csv", "csv")
    with pytest.raises(RegistersError, match="unknown language 'sv'"):
        ropa_rows(registers, [], lang="sv")
    with pytest.raises(RegistersError, match="make them with ropa_rows"):
        write_ropa([{"what": "not a record"}], tmp_path / "ropa.md", "md")


def _broken(tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    data = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "registers.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _one_line_error(path: Path) -> str:
    with pytest.raises(RegistersError) as err:
        load(path)
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    return message.removeprefix(f"{path}: ")


def test_bad_registers_file_gives_one_line_naming_the_field(tmp_path: Path) -> None:
    unknown = _broken(tmp_path, lambda d: d["registers"]["research"].update(colour="blue"))
    assert _one_line_error(unknown) == "registers.research.colour: Extra inputs are not permitted"

    wrong = _broken(tmp_path, lambda d: d["registers"]["customers"].update(drawn_up="someday"))
    assert _one_line_error(wrong).startswith("registers.customers.drawn_up: Input should be a valid date")

    # Pydantic's message names the field and the problem, never the value (it may be a person's).
    secret = _broken(tmp_path, lambda d: d["controller"].update(phone={"private": "040 999 8877"}))
    message = _one_line_error(secret)
    assert message.startswith("controller.phone: Input should be a valid string") and "8877" not in message

    no_safeguard = _broken(tmp_path, lambda d: d["registers"]["customers"]["transfers"]["processors"][0].pop("safeguard"))
    assert _one_line_error(no_safeguard) == ("registers.customers.transfers.processors.0: Value error, "
                                            "a processor outside the EU/EEA needs a safeguard (GDPR Art. 44-46)")

    missing_register = _broken(tmp_path, lambda d: d["registers"].pop("survey"))
    assert _one_line_error(missing_register) == "registers.survey: Field required"

    half_translated = _broken(tmp_path, lambda d: d["registers"]["survey"]["title"].pop("en"))
    assert _one_line_error(half_translated) == "registers.survey.title.en: Field required"


def test_missing_or_unreadable_registers_file(tmp_path: Path) -> None:
    assert _one_line_error(tmp_path / "nowhere.yaml") == "cannot read (No such file or directory)"
    bad = tmp_path / "registers.yaml"
    bad.write_text("controller: [unclosed\n", encoding="utf-8")
    assert _one_line_error(bad).startswith("not valid YAML at line ")
    bad.write_text("- a list\n", encoding="utf-8")
    assert _one_line_error(bad).startswith("expected a mapping")


def test_registers_file_is_the_data_folders_own_else_the_sample(tmp_path: Path) -> None:
    assert registers_file(tmp_path) == BUNDLED
    own = tmp_path / "registers.yaml"
    own.write_text(BUNDLED.read_text(encoding="utf-8").replace("Petro Poutanen", "Toinen Henkilö"), encoding="utf-8")
    assert registers_file(tmp_path) == own
    assert "- Nimi: Toinen Henkilö" in render_notice(load(registers_file(tmp_path)), "survey", "fi", "md")


def test_the_commands_print_the_notice_and_write_the_record(tmp_path: Path) -> None:
    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from seula.flows import config
    from seula.flows.cli import app

    run = CliRunner().invoke(app, ["notice", "research"])
    assert run.exit_code == 0 and "## Rekisterin pitäjä" in run.stdout and "Petro Poutanen" in run.stdout
    run = CliRunner().invoke(app, ["ropa", "-o", str(tmp_path / "ropa.xlsx")])
    sheet = load_workbook(tmp_path / "ropa.xlsx").active
    assert run.exit_code == 0 and sheet.max_row == 1 + 3 + len(config.discover())
    run = CliRunner().invoke(app, ["notice", "research", "--lang", "sv"])
    assert run.exit_code == 1 and len(run.stderr.strip().splitlines()) == 1 and "Traceback" not in run.stderr
