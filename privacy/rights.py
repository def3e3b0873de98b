"""The data-subject requests register: access, rectification, erasure, restriction, objection.

Every register in the privacy notice promises these rights, identity verification of the
requester, and an answer within one month (GDPR Art. 12(3)), extendable by two further
months when the person is told within the first. The register lives outside the
engagement lakes (``$SEULA_HOME/rights/``, owner-only). It keeps the identity needed to
act while a request is open; closing one replaces the identity with a keyed hash, so the
record still proves what was done, and when, without saying about whom.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from lake.files import read_json, write_json_atomic

RequestType = Literal["access", "rectification", "erasure", "restriction", "objection"]
TYPES: tuple[str, ...] = ("access", "rectification", "erasure", "restriction", "objection")
DUE_SOON_DAYS = 7


def person_ref(key: bytes, engagement: str, pid: str) -> str:
    """How the export log names a person: a keyed hash no engagement pseudonym can be read from."""
    return hmac.new(key, f"{engagement}\x00{pid}".encode(), hashlib.sha256).hexdigest()[:32]


class RequestError(Exception):
    """A request command cannot be carried out; the message is one line."""


def add_months(day: date, months: int) -> date:
    """Same day ``months`` later, or the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass
class Identity:
    platform: str | None = None
    handle: str | None = None
    user_id: str | None = None
    email: str | None = None

    def describe(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in asdict(self).items() if v)


@dataclass
class Request:
    id: str
    type: str
    identity: Identity | None
    identity_hash: str
    received: str
    note: str | None = None
    extended_months: int = 0
    extension_reason: str | None = None
    verification: dict[str, str] | None = None
    status: str = "open"  # open | applied | closed
    lifted: bool = False  # a restriction that has been lifted
    rectification: dict[str, str] | None = None
    notify_recipients: list[dict[str, Any]] = field(default_factory=list)
    # engagement -> the person's pseudonyms there, kept so a restriction outlives closing
    subject_pids: dict[str, list[str]] = field(default_factory=dict)
    audit: list[dict[str, str]] = field(default_factory=list)

    @property
    def due(self) -> date:
        return add_months(date.fromisoformat(self.received), 1 + self.extended_months)

    @property
    def verified(self) -> bool:
        return self.verification is not None

    def log(self, action: str, detail: str = "", now: datetime | None = None) -> None:
        self.audit.append({"at": (now or datetime.now(UTC)).isoformat(timespec="seconds"), "action": action, "detail": detail})


class RequestsRegister:
    def __init__(self, home: Path, key: bytes, clock: Any = None) -> None:
        self.path = home / "rights" / "requests.json"
        self._key = key
        self.now = clock or (lambda: datetime.now(UTC))

    # --- storage ------------------------------------------------------------------------

    def load(self) -> list[Request]:
        try:
            raw = read_json(self.path, [])
        except ValueError as exc:
            raise RequestError(str(exc)) from None
        return [
            Request(**{**r, "identity": Identity(**r["identity"]) if r.get("identity") else None}) for r in raw
        ]

    def save(self, requests: list[Request]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_json_atomic([asdict(r) for r in requests], self.path)

    def get(self, request_id: str) -> tuple[list[Request], Request]:
        requests = self.load()
        for r in requests:
            if r.id == request_id:
                return requests, r
        raise RequestError(f"no request {request_id!r}")

    def identity_hash(self, identity: Identity) -> str:
        return hmac.new(self._key, identity.describe().lower().encode(), hashlib.sha256).hexdigest()[:32]

    # --- actions ------------------------------------------------------------------------

    def add(self, type_: str, identity: Identity, received: date | None = None, note: str | None = None) -> Request:
        if type_ not in TYPES:
            raise RequestError(f"unknown request type {type_!r}: use one of {', '.join(TYPES)}")
        if not (identity.handle or identity.user_id or identity.email):
            raise RequestError("say whom the request concerns: --handle, --user-id or --email")
        if (identity.handle or identity.user_id) and not identity.platform:
            raise RequestError("a handle or user id needs --platform")
        requests = self.load()
        request = Request(
            id=f"R{len(requests) + 1:05d}", type=type_, identity=identity, identity_hash=self.identity_hash(identity),
            received=(received or self.now().date()).isoformat(), note=note,
        )
        request.log("received", f"{type_} request", self.now())
        if type_ == "restriction":
            request.log("restriction applied as a precaution until verified", now=self.now())
        requests.append(request)
        self.save(requests)
        return request

    def verify(self, request_id: str, method: str, by: str) -> Request:
        requests, r = self.get(request_id)
        self._open(r)
        r.verification = {"method": method, "by": by, "at": self.now().isoformat(timespec="seconds")}
        r.log("identity verified", f"{method} by {by}", self.now())
        self.save(requests)
        return r

    def extend(self, request_id: str, months: int, reason: str) -> Request:
        requests, r = self.get(request_id)
        self._open(r)
        if months not in (1, 2) or r.extended_months + months > 2:
            raise RequestError("an answer can be extended by two further months at most (Art. 12(3))")
        if self.now().date() > add_months(date.fromisoformat(r.received), 1):
            raise RequestError("the extension had to be told within the first month (Art. 12(3))")
        r.extended_months += months
        r.extension_reason = reason
        r.log("deadline extended", f"+{months} month(s), due {r.due}: {reason}", self.now())
        self.save(requests)
        return r

    def record(self, requests: list[Request], r: Request, status: str, action: str, detail: str = "") -> None:
        r.status = status
        r.log(action, detail, self.now())
        self.save(requests)

    def close(self, request_id: str, outcome: str = "answered") -> Request:
        requests, r = self.get(request_id)
        if r.status == "closed":
            raise RequestError(f"{request_id} is already closed")
        r.identity = None  # accountability needs the hash and the audit trail, not the identity
        r.note = None
        r.status = "closed"
        r.log("closed", outcome, self.now())
        self.save(requests)
        return r

    def lift(self, request_id: str) -> Request:
        requests, r = self.get(request_id)
        if r.type != "restriction":
            raise RequestError(f"{request_id} is not a restriction")
        r.lifted = True
        r.log("restriction lifted", now=self.now())
        self.save(requests)
        return r

    @staticmethod
    def _open(r: Request) -> None:
        if r.status == "closed":
            raise RequestError(f"{r.id} is closed")

    # --- deadlines ----------------------------------------------------------------------

    def due_list(self) -> tuple[list[Request], list[Request]]:
        """(overdue, due within a week) among requests not yet closed, most urgent first."""
        today = self.now().date()
        pending = sorted((r for r in self.load() if r.status != "closed"), key=lambda r: r.due)
        overdue = [r for r in pending if r.due < today]
        soon = [r for r in pending if today <= r.due <= date.fromordinal(today.toordinal() + DUE_SOON_DAYS)]
        return overdue, soon
