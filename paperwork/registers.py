"""``registers.yaml``: the controller and its three registers, the one source of the privacy
notices and of the record of processing activities, validated on load."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

BUNDLED = Path(__file__).resolve().parent.parent / "data" / "sample" / "registers.yaml"
REGISTERS: tuple[str, ...] = ("research", "survey", "customers")
LANGS: tuple[str, ...] = ("fi", "en")
SectionKey = Literal["name", "controller", "contact", "purpose", "content", "retention", "sources",
                     "disclosures", "security", "access", "rights"]


class RegistersError(ValueError):
    """registers.yaml is missing or invalid, or a register or language is unknown; one line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localised(_Strict):
    fi: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def __call__(self, lang: str) -> str:
        return self.fi if lang == "fi" else self.en


def _same_in_both(value: object) -> object:
    # Names and addresses read the same in every language: a plain string stands for both.
    return {"fi": value, "en": value} if isinstance(value, str) else value


Text = Annotated[Localised, BeforeValidator(_same_in_both)]
Paragraphs = Annotated[list[Text], Field(min_length=1)]


class Controller(_Strict):
    name: str = Field(min_length=1)
    address: str = Field(min_length=1)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str = Field(min_length=1)


class ContactPerson(_Strict):
    name: str = Field(min_length=1)


class Purpose(_Strict):
    purposes: Paragraphs  # short items, for the record of processing activities
    legal_bases: Paragraphs
    text: Paragraphs  # the notice's wording


class Content(_Strict):
    data_subjects: Paragraphs
    categories: Paragraphs
    text: Paragraphs


class Retention(_Strict):
    rule: Text  # the time limit in one line, for the record
    text: Paragraphs


class Disclosures(_Strict):
    recipients: Paragraphs
    text: Paragraphs


class Processor(_Strict):
    name: str = Field(min_length=1)
    service: Text
    outside_eea: bool
    safeguard: Text | None = None

    @model_validator(mode="after")
    def _safeguarded(self) -> Processor:
        if self.outside_eea and self.safeguard is None:
            raise ValueError("a processor outside the EU/EEA needs a safeguard (GDPR Art. 44-46)")
        return self


class Transfers(_Strict):
    processors: list[Processor] = []
    safeguards: Text  # the rule for any transfer outside the EU/EEA, in one line
    text: Paragraphs


class Security(_Strict):
    measures: Paragraphs
    text: Paragraphs


class Rights(_Strict):
    access: Paragraphs
    other: Paragraphs


class Register(_Strict):
    title: Text
    name: Text
    intro: Text
    drawn_up: date
    updated: date
    headings: dict[SectionKey, Text] = {}  # where this register's notice words a heading its own way
    purpose: Purpose
    content: Content
    retention: Retention
    sources: Paragraphs
    disclosures: Disclosures
    transfers: Transfers
    security: Security
    rights: Rights


class RegisterSet(_Strict):
    customers: Register
    research: Register
    survey: Register


class Registers(_Strict):
    controller: Controller
    contact_person: ContactPerson
    registers: RegisterSet

    def register(self, key: str) -> Register:
        if key not in REGISTERS:
            raise RegistersError(f"unknown register {key!r}: expected one of {', '.join(REGISTERS)}")
        return getattr(self.registers, key)


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise RegistersError(f"unknown language {lang!r}: expected one of {', '.join(LANGS)}")
    return lang


def day_text(d: date, lang: str) -> str:
    """A date as each language writes it: 24.5.2018, 2018-05-24."""
    return f"{d.day}.{d.month}.{d.year}" if lang == "fi" else d.isoformat()


def registers_file(home: Path) -> Path:
    """The data folder's ``registers.yaml`` when it has one, else the bundled sample."""
    own = home / "registers.yaml"
    return own if own.is_file() else BUNDLED


def _one_line(exc: ValidationError) -> str:
    # The field and the problem only: pydantic's input value could be a person's data.
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "(file)"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {err['msg']}{more}"


def load(path: Path) -> Registers:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RegistersError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark else ""
        raise RegistersError(f"{path}: not valid YAML{at}") from None
    if not isinstance(raw, dict):
        raise RegistersError(f"{path}: expected a mapping with controller, contact_person and registers")
    try:
        return Registers.model_validate(raw)
    except ValidationError as exc:
        raise RegistersError(f"{path}: {_one_line(exc)}") from None
