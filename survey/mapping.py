"""A survey's definition: which columns of a survey tool's export are contact data, answers
(with their types) and consents; where the contacts came from; how long the data are kept.

The seed promises respondents to be told where their contact details came from, and to keep
the data "only as long as needed": both are required fields, so no survey is imported without.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

SURVEY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
AnswerType = Literal["single", "multiple", "scale", "number", "text"]


class MappingError(ValueError):
    """A mapping file cannot be used; one line naming the file and the field."""


class SurveyError(ValueError):
    """A survey command cannot be carried out; one line, no respondent's data."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Contact(_Strict):
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None


class Consent(_Strict):
    disclose_identity: str | None = None  # "may my answers be given to the client with my name"
    raffle: str | None = None  # "I take part in the raffle"


class Question(_Strict):
    id: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
    column: str
    type: AnswerType
    label: str | None = None
    choices: tuple[str, ...] = ()  # single/multiple: the allowed answers, in the order tables show them
    separator: str = ";"  # multiple: how the export joins a respondent's choices
    min: int | None = None  # scale
    max: int | None = None

    @model_validator(mode="after")
    def _scale_bounds(self) -> Question:
        if self.type == "scale" and (self.min is None or self.max is None or self.min >= self.max):
            raise ValueError("a scale needs min and max (min < max)")
        return self


class Survey(_Strict):
    survey: str = Field(pattern=SURVEY_ID.pattern)
    client: str
    contact_source: str  # told to respondents: e.g. "the client's customer register"
    retention_until: date  # the data are deleted the day after
    min_cell: int = Field(default=10, ge=3)
    respondent_id: str | None = None  # the tool's response id column, when it has one
    contact: Contact = Contact()
    consent: Consent = Consent()
    questions: tuple[Question, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Survey:
        ids = [q.id for q in self.questions]
        if len(ids) != len(set(ids)):
            raise ValueError("question ids must be unique")
        return self

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise MappingError(f"survey {self.survey!r} has no question {qid!r} (it has {', '.join(q.id for q in self.questions)})")

    @property
    def contact_columns(self) -> dict[str, str]:
        return {k: v for k, v in self.contact.model_dump().items() if v}


def load(path: Path) -> Survey:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"{path}: cannot read ({type(exc).__name__})") from None
    except yaml.YAMLError:
        raise MappingError(f"{path}: not valid YAML") from None
    return parse(raw, str(path))


def parse(raw: object, where: str) -> Survey:
    try:
        return Survey.model_validate(raw)
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in exc.errors()]
        raise MappingError(f"{where}: {'; '.join(problems)}") from None
