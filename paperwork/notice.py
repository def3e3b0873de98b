"""The privacy notice ("tietosuojaseloste") of one register, in Finnish or English, as Markdown
or a self-contained HTML page; both formats render the same sections."""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, PackageLoader

from seula.paperwork.registers import Register, Registers, RegistersError, check_lang, day_text

FORMATS: tuple[str, ...] = ("md", "html")
Block = str | list[str]  # a paragraph, or a bulleted list

# The seed's headings; a register may word one its own way (registers.yaml: headings).
HEADINGS: dict[str, dict[str, str]] = {
    "fi": {
        "name": "Rekisterin nimi",
        "controller": "Rekisterin pitäjä",
        "contact": "Rekisteristä vastaava yhteyshenkilö",
        "purpose": "Henkilötietojen käsittelyn tarkoitus ja oikeusperuste",
        "content": "Rekisterin tietosisältö",
        "retention": "Henkilötietojen säilytysaika",
        "sources": "Säännönmukaiset tietolähteet",
        "disclosures": "Tietojen säännönmukaiset luovutukset ja tietojen siirto EU:n tai ETA:n ulkopuolelle",
        "security": "Rekisterin suojauksen periaatteet",
        "access": "Tarkastusoikeus ja oikeus vaatia tiedon korjaamista",
        "rights": "Muut henkilötietojen käsittelyyn liittyvät oikeudet",
    },
    "en": {
        "name": "Name of the register",
        "controller": "Controller",
        "contact": "Contact person for the register",
        "purpose": "Purpose of the processing and legal basis",
        "content": "Contents of the register",
        "retention": "Retention of personal data",
        "sources": "Regular sources of data",
        "disclosures": "Regular disclosures of data and transfers outside the EU or EEA",
        "security": "Principles of protecting the register",
        "access": "Right of access and right to rectification",
        "rights": "Other rights related to the processing of personal data",
    },
}

_WORDS: dict[str, dict[str, str]] = {
    "fi": {"notice": "Tietosuojaseloste", "company": "Yritys", "address": "Osoite", "email": "Sähköposti",
           "phone": "Puhelin", "name": "Nimi", "drawn_up": "Laadittu", "updated": "Päivitetty", "and": "ja",
           "processors": "Käyttämiämme palveluntarjoajia ovat tällä hetkellä {names}:",
           "outside": "tietoja voidaan käsitellä myös EU:n tai ETA:n ulkopuolella; siirron peruste: {safeguard}",
           "inside": "tiedot käsitellään EU:n tai ETA:n alueella"},
    "en": {"notice": "Privacy notice", "company": "Company", "address": "Address", "email": "E-mail",
           "phone": "Phone", "name": "Name", "drawn_up": "Drawn up", "updated": "Updated", "and": "and",
           "processors": "The service providers we currently use are {names}:",
           "outside": "data may also be processed outside the EU or EEA; the transfer rests on {safeguard}",
           "inside": "data are processed within the EU or EEA"},
}

_env = Environment(loader=PackageLoader("seula.paperwork", "templates"), trim_blocks=True, lstrip_blocks=True,
                   keep_trailing_newline=True, autoescape=lambda name: bool(name and name.endswith(".html.j2")))


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    blocks: list[Block]


def _listed(names: list[str], lang: str) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {_WORDS[lang]['and']} {names[-1]}"


def _disclosures(reg: Register, lang: str) -> list[Block]:
    w = _WORDS[lang]
    blocks: list[Block] = [p(lang) for p in reg.disclosures.text]
    if reg.transfers.processors:
        blocks.append(w["processors"].format(names=_listed([p.name for p in reg.transfers.processors], lang)))
        blocks.append([f"{p.name} – {p.service(lang)}: "
                       + (w["outside"].format(safeguard=p.safeguard(lang)) if p.safeguard else w["inside"]) + "."
                       for p in reg.transfers.processors])
    return blocks + [p(lang) for p in reg.transfers.text]


def sections(registers: Registers, register: str, lang: str) -> list[Section]:
    """The notice's sections in the seed's order, each heading with its paragraphs and lists."""
    reg, w = registers.register(register), _WORDS[check_lang(lang)]
    c = registers.controller
    body: dict[str, list[Block]] = {
        "name": [reg.name(lang)],
        "controller": [[f"{w['company']}: {c.name}", f"{w['address']}: {c.address}",
                        f"{w['email']}: {c.email}", f"{w['phone']}: {c.phone}"]],
        "contact": [[f"{w['name']}: {registers.contact_person.name}"]],
        "purpose": [p(lang) for p in reg.purpose.text],
        "content": [p(lang) for p in reg.content.text],
        "retention": [p(lang) for p in reg.retention.text],
        "sources": [p(lang) for p in reg.sources],
        "disclosures": _disclosures(reg, lang),
        "security": [p(lang) for p in reg.security.text],
        "access": [p(lang) for p in reg.rights.access],
        "rights": [p(lang) for p in reg.rights.other],
    }
    return [Section(key, reg.headings[key](lang) if key in reg.headings else HEADINGS[lang][key], blocks)
            for key, blocks in body.items()]


def render_notice(registers: Registers, register: str, lang: str, fmt: str) -> str:
    if fmt not in FORMATS:
        raise RegistersError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    parts = sections(registers, register, lang)
    reg, w = registers.register(register), _WORDS[lang]
    dated = f"{w['drawn_up']} {day_text(reg.drawn_up, lang)}. {w['updated']} {day_text(reg.updated, lang)}."
    return _env.get_template(f"notice.{fmt}.j2").render(
        lang=lang, kind=w["notice"], controller=registers.controller.name, title=reg.title(lang),
        intro=f"{reg.intro(lang)} {dated}", sections=parts)
