"""Engagement configuration: one YAML file per client engagement, validated on load."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time
from enum import Enum
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from seula.collectors.records import Window
from seula.lake.home import seula_home

BUNDLED = Path(__file__).resolve().parent.parent / "data"


class ConfigError(Exception):
    """An engagement file is missing or invalid; the message is one line, ``problems`` each
    of its problems ("field: what is wrong")."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class Purpose(str, Enum):
    research = "research"
    statistics = "statistics"
    marketing = "marketing"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class XSearch(_Strict):
    query: str = Field(min_length=1, max_length=1024)
    archive: bool = False  # full-archive search (needs academic/pro access)


class XPlatform(_Strict):
    search: list[XSearch] = []
    accounts: list[str] = []
    collect: list[Literal["timelines", "followers", "following", "liking_users", "reposts"]] = ["timelines"]
    max_rate_limit_wait_seconds: float = Field(900, ge=0)
    follows_refresh_days: float = Field(7, ge=0)
    engaged_posts_per_account: int = Field(20, ge=0)

    @field_validator("accounts")
    @classmethod
    def _handles(cls, v: list[str]) -> list[str]:
        return [h.lstrip("@") for h in v]


class FacebookPlatform(_Strict):
    pages: list[str] = Field(min_length=1)  # Page usernames or ids
    graph_version: str = Field("v21.0", pattern=r"^v?\d{1,2}\.\d$")
    collect: list[Literal["comments", "reactions"]] = ["comments", "reactions"]
    engaged_posts_per_page: int = Field(50, ge=0)
    max_throttle_wait_seconds: float = Field(900, ge=0)


class Platforms(_Strict):
    x: XPlatform | None = None
    facebook: FacebookPlatform | None = None


class Publishable(_Strict):
    handles: list[str] = []
    # CSV of election candidates (name, handle, party, election), relative to this file
    candidates: Path | None = None
    # also publishable: verified accounts with at least this many followers
    verified_min_followers: int | None = Field(None, ge=0)


class Recipient(_Strict):
    name: str
    email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class Report(_Strict):
    language: Literal["fi", "en"] = "en"
    recipients: list[Recipient] = []
    top_n: int = Field(10, ge=1, le=100)
    # smallest number of people a published cell of a sensitive breakdown may count (5, as
    # the issue asks; statistical output checkers often use 10, a setting away)
    min_cell: int = Field(5, ge=3)


Cron = Annotated[str, Field(pattern=r"^\S+(\s+\S+){4}$", description="five cron fields; `seula deploy` checks each")]


class Schedule(_Strict):
    """When Prefect runs the engagement's flows (`seula deploy`): cron lines in ``timezone``.

    A single cron line is the collection's schedule alone."""

    collect: Cron | None = None
    analyse: Cron | None = None
    compliance: Cron | None = None
    timezone: str = "Europe/Helsinki"

    @model_validator(mode="before")
    @classmethod
    def _one_line(cls, value: object) -> object:
        if value is None:  # `schedule:` left empty: nothing scheduled
            return {}
        return {"collect": value} if isinstance(value, str) else value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Helsinki)") from None
        return value


class Engagement(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    client: str = Field(min_length=1)
    purpose: Purpose
    legal_basis: str = Field(min_length=1)
    start: date
    end: date
    retention_days_after_end: int = Field(ge=0)
    schedule: Schedule = Schedule()
    platforms: Platforms
    publishable: Publishable = Publishable()
    report: Report = Report()

    @model_validator(mode="after")
    def _dates(self) -> Engagement:
        if self.end < self.start:
            raise ValueError("end is before start")
        return self

    @property
    def window(self) -> Window:
        start = datetime.combine(self.start, time.min, UTC)
        end = datetime.combine(self.end, time.max, UTC)
        return Window(start, end)


def _problems(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in err['loc']) or '(file)'}: {err['msg']}" for err in exc.errors()]


class _Loader(yaml.SafeLoader):
    """YAML without its own date parsing: an impossible date ("2026-02-30") then reaches the
    model as text and is reported with its field, not as a crash inside the YAML library."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def expected_id(path: Path) -> str:
    """The id an engagement file must carry: its name (``x.yaml``) or its folder's (``x/engagement.yaml``)."""
    return path.parent.name if path.name == "engagement.yaml" else path.stem


def load_file(path: Path) -> Engagement:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 (a SafeLoader)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{at}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of settings")
    problems = [] if raw.get("id") in (None, expected_id(path)) else [
        f"id: is {raw['id']!r}, but the file's name says {expected_id(path)!r}"]
    try:
        eng = Engagement.model_validate(raw)
    except ValidationError as exc:
        problems += _problems(exc)
    if problems:
        raise ConfigError(f"{path}: {'; '.join(problems)}", problems)
    register = eng.publishable.candidates
    if register is not None:
        register = (path.parent / register).resolve()
        if not register.is_file():
            raise ConfigError(f"{path}: publishable.candidates: no such file {register}")
        eng = eng.model_copy(update={"publishable": eng.publishable.model_copy(update={"candidates": register})})
    return eng


def config_dirs() -> list[Path]:
    """Where engagement files are looked for: ``SEULA_ENGAGEMENTS``, the data folder, the bundled sample."""
    dirs = [Path(p) for p in os.environ.get("SEULA_ENGAGEMENTS", "").split(os.pathsep) if p]
    return [*dirs, seula_home() / "engagements", BUNDLED]


def find(engagement_id: str) -> Path:
    for folder in config_dirs():
        for candidate in (folder / f"{engagement_id}.yaml", folder / engagement_id / "engagement.yaml"):
            if candidate.is_file():
                return candidate
    raise ConfigError(f"unknown engagement {engagement_id!r}: no {engagement_id}.yaml in {', '.join(map(str, config_dirs()))}")


def load(engagement_id: str) -> Engagement:
    path = find(engagement_id)
    return load_file(path)


def discover() -> list[Path]:
    seen: dict[str, Path] = {}
    for folder in config_dirs():
        if folder.is_dir():
            for path in sorted([*folder.glob("*.yaml"), *folder.glob("*/engagement.yaml")]):
                seen.setdefault(path.stem if path.name != "engagement.yaml" else path.parent.name, path)
    return list(seen.values())
