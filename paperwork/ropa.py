"""The record of processing activities (GDPR Art. 30(1)): one row per register and one per
engagement of the research register, as an XLSX sheet or Markdown."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from seula.paperwork.registers import REGISTERS, Register, Registers, RegistersError, check_lang, day_text

FORMATS: tuple[str, ...] = ("xlsx", "md")
COLUMNS: dict[str, dict[str, str]] = {
    "fi": {
        "activity": "Käsittelytoimi",
        "register": "Rekisteri",
        "controller": "Rekisterinpitäjä ja yhteystiedot",
        "purposes": "Käsittelyn tarkoitukset",
        "legal_basis": "Oikeusperuste",
        "data_subjects": "Rekisteröityjen ryhmät",
        "data_categories": "Henkilötietoryhmät",
        "recipients": "Vastaanottajien ryhmät",
        "transfers": "Siirrot kolmansiin maihin ja suojatoimet",
        "retention": "Poistamisen määräajat",
        "security": "Tekniset ja organisatoriset turvatoimet",
    },
    "en": {
        "activity": "Processing activity",
        "register": "Register",
        "controller": "Controller and contact details",
        "purposes": "Purposes of the processing",
        "legal_basis": "Legal basis",
        "data_subjects": "Categories of data subjects",
        "data_categories": "Categories of personal data",
        "recipients": "Categories of recipients",
        "transfers": "Transfers to third countries and safeguards",
        "retention": "Time limits for erasure",
        "security": "Technical and organisational security measures",
    },
}
_WORDS: dict[str, dict[str, str]] = {
    "fi": {
        "title": "Seloste käsittelytoimista (EU:n yleinen tietosuoja-asetus, 30 artiklan 1 kohta)",
        "sheet": "Käsittelytoimet",
        "contact": "Yhteyshenkilö",
        "processors": "Henkilötietojen käsittelijät",
        "inside": "EU/ETA",
        "engagement": "Toimeksianto {id}: {client}",
        "client": "Toimeksiantaja: {client}",
        "purpose": "Sosiaalisen median analyysi toimeksiantajalle {client} (tarkoitus: {purpose})",
        "subjects": "Sosiaalisen median käyttäjät, joiden julkisia tietoja toimeksiannossa kerätään "
                    "(palvelut: {platforms})",
        "kept": "Toimeksianto {start}–{end}; tiedot säilytetään {days} päivää päättymisen jälkeen "
                "({until} asti) ja poistetaan sitten",
        "research": "tutkimus", "statistics": "tilasto", "marketing": "markkinointi",
    },
    "en": {
        "title": "Record of processing activities (GDPR Article 30(1))",
        "sheet": "Processing activities",
        "contact": "Contact person",
        "processors": "Processors",
        "inside": "EU/EEA",
        "engagement": "Engagement {id}: {client}",
        "client": "Client: {client}",
        "purpose": "Social-media analysis for {client} (purpose: {purpose})",
        "subjects": "Social-media users whose public data the engagement collects (platforms: {platforms})",
        "kept": "Engagement {start} – {end}; data kept {days} days after the end (until {until}), then deleted",
        "research": "research", "statistics": "statistics", "marketing": "marketing",
    },
}
_PLATFORMS = {"x": "X", "facebook": "Facebook"}


def _lines(*parts: str | list[str]) -> str:
    return "\n".join(p for part in parts for p in ([part] if isinstance(part, str) else part))


def _controller(registers: Registers, lang: str) -> str:
    c = registers.controller
    return _lines(f"{c.name}, {c.address}, {c.email}, {c.phone}",
                  f"{_WORDS[lang]['contact']}: {registers.contact_person.name}")


def _transfers(reg: Register, lang: str) -> str:
    w = _WORDS[lang]
    return _lines(reg.transfers.safeguards(lang),
                  [f"{w['processors']}: {p.name} – {p.service(lang)} – "
                   + (p.safeguard(lang) if p.safeguard else w["inside"]) for p in reg.transfers.processors])


def _register_row(registers: Registers, key: str, lang: str) -> dict[str, str]:
    reg = registers.register(key)
    recipients = [r(lang) for r in reg.disclosures.recipients]
    if reg.transfers.processors:
        recipients.append(f"{_WORDS[lang]['processors']}: {', '.join(p.name for p in reg.transfers.processors)}")
    return {
        "activity": reg.title(lang),
        "register": reg.name(lang),
        "controller": _controller(registers, lang),
        "purposes": _lines([p(lang) for p in reg.purpose.purposes]),
        "legal_basis": _lines([b(lang) for b in reg.purpose.legal_bases]),
        "data_subjects": _lines([s(lang) for s in reg.content.data_subjects]),
        "data_categories": _lines([c(lang) for c in reg.content.categories]),
        "recipients": _lines(recipients),
        "transfers": _transfers(reg, lang),
        "retention": reg.retention.rule(lang),
        "security": _lines([m(lang) for m in reg.security.measures]),
    }


def _day(value: Any) -> date:
    # The CLI may hand over an engagement dumped to JSON, with its dates as ISO strings.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _platforms(value: Any) -> str:
    names = [k for k, v in value.items() if v] if isinstance(value, Mapping) else list(value)
    return ", ".join(_PLATFORMS.get(n, n) for n in names)


def _engagement_row(research: Register, base: dict[str, str], e: dict[str, Any], lang: str) -> dict[str, str]:
    """An engagement is an activity of the research register: its row is that register's,
    with the engagement's own purpose, basis, platforms, client and time limit."""
    w = _WORDS[lang]
    start, end, days = _day(e["start"]), _day(e["end"]), int(e["retention_days_after_end"])
    purpose = str(getattr(e["purpose"], "value", e["purpose"]))
    return base | {
        "activity": w["engagement"].format(id=e["id"], client=e["client"]),
        "purposes": w["purpose"].format(client=e["client"], purpose=w.get(purpose, purpose)),
        "legal_basis": str(e["legal_basis"]),
        "data_subjects": w["subjects"].format(platforms=_platforms(e["platforms"])),
        "recipients": _lines(w["client"].format(client=e["client"]),
                             [r(lang) for r in research.disclosures.recipients]),
        "retention": w["kept"].format(start=day_text(start, lang), end=day_text(end, lang), days=days,
                                      until=day_text(end + timedelta(days=days), lang)),
    }


def ropa_rows(registers: Registers, engagements: list[dict[str, Any]], lang: str = "fi") -> list[dict[str, str]]:
    """One row per register, then one per engagement (the research register's activities),
    keyed by the record's column headings in ``lang``; a cell's items are on separate lines."""
    check_lang(lang)
    rows = [_register_row(registers, key, lang) for key in REGISTERS]
    base = rows[REGISTERS.index("research")]
    rows += [_engagement_row(registers.register("research"), base, e, lang)
             for e in sorted(engagements, key=lambda e: str(e["id"]))]
    return [{COLUMNS[lang][k]: row[k] for k in COLUMNS[lang]} for row in rows]


def _lang_of(rows: list[dict[str, str]]) -> str:
    # The headings say which language the rows were made in, so the title cannot disagree.
    for lang, labels in COLUMNS.items():
        if all(list(row) == list(labels.values()) for row in rows):
            return lang
    raise RegistersError("the rows are not a record of processing activities (make them with ropa_rows)")


def _markdown(rows: list[dict[str, str]], lang: str) -> str:
    out = [f"# {_WORDS[lang]['title']}"]
    for row in rows:
        (_, activity), *cells = row.items()
        out.append(f"## {activity}")
        for label, value in cells:
            items = value.split("\n")
            out.append(f"**{label}:** {items[0]}" if len(items) == 1
                       else f"**{label}:**\n\n" + "\n".join(f"- {i}" for i in items))
    return "\n\n".join(out) + "\n"


def _xlsx(rows: list[dict[str, str]], lang: str, path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = _WORDS[lang]["sheet"]
    ws.append(list(COLUMNS[lang].values()))
    for row in rows:
        ws.append(list(row.values()))
    wrap = Alignment(wrap_text=True, vertical="top")
    for cells in ws.iter_rows():
        for cell in cells:
            cell.alignment = wrap
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for column in ws.columns:
        ws.column_dimensions[column[0].column_letter].width = 28 if column[0].column == 1 else 45
    ws.freeze_panes = "B2"
    wb.save(path)


def write_ropa(rows: list[dict[str, str]], path: Path, fmt: str) -> Path:
    """Write the record to ``path`` whole or not at all (a half-written record misleads an auditor)."""
    if fmt not in FORMATS:
        raise RegistersError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    lang = _lang_of(rows)
    tmp = path.with_name(f".{path.name}.tmp")
    if fmt == "xlsx":
        _xlsx(rows, lang, tmp)
    else:
        tmp.write_text(_markdown(rows, lang), encoding="utf-8")
    os.replace(tmp, path)
    return path
