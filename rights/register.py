"""The data-subject requests register: access, rectification, erasure, restriction, objection.

Every register in the privacy notice promises these rights, identity verification of the
requester, and an answer within one month (GDPR Art. 12(3)), extendable by two further
months when the person is told within the first. The register lives outside the
engagement lakes (``$SEULA_HOME/rights/``, owner-only).

While a request is open it keeps the identity the requester gave and the durable targets it
was resolved to (``rights.targets``). Closing keeps only what accountability needs: type,
dates, outcome, the verification method's category, a keyed hash of the identity and an
audit trail without free text. A restriction or objection stays in force after closing, so
it keeps its subject's pseudonyms (keyed values, no clear identity) until lifted.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from seula.lake.files import exclusive_lock, read_json, write_json_atomic
from seula.rights.targets import Targets

TYPES: tuple[str, ...] = ("access", "rectification", "erasure", "restriction", "objection")
PROFILE_FIELDS: tuple[str, ...] = ("description", "display_name", "location")  # a platform account's, in the lakes
CONTACT_FIELDS: tuple[str, ...] = ("name", "email", "phone", "address", "position", "organisation")  # the registers'
RECTIFIABLE: tuple[str, ...] = PROFILE_FIELDS + CONTACT_FIELDS
# How identity was checked, as a category: accountability needs the kind of check, not the
# free-text detail (which tends to hold an address or a name).
VERIFICATION_METHODS: tuple[str, ...] = (
    "platform-message", "signed-email", "id-document", "in-person", "customer-account", "other")
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
    phone: str | None = None  # the survey and customer registers find people by these too
    name: str | None = None

    def describe(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in asdict(self).items() if v)


@dataclass
class Request:
    id: str
    type: str
    identity: Identity | None
    identity_hash: str
    received: str
    note: str | None = None  # sieved before it is stored; dropped on close
    extended_months: int = 0
    extension_reason: str | None = None
    verification: dict[str, str] | None = None  # {"method": a VERIFICATION_METHODS category, "at": …}
    status: str = "open"  # open | applied | closed
    lifted: bool = False  # a restriction that has been lifted
    rectification: dict[str, str] | None = None  # {"field", "value"}; the value is dropped on close
    targets: Targets | None = None
    erasure_started: str | None = None  # the journal: set, with the targets, before any file changes
    notify_recipients: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, str]] = field(default_factory=list)

    @property
    def due(self) -> date:
        return add_months(date.fromisoformat(self.received), 1 + self.extended_months)

    @property
    def verified(self) -> bool:
        return self.verification is not None

    @property
    def in_force(self) -> bool:
        """Whether the request still limits processing: an unlifted restriction, or an objection."""
        return (self.type == "restriction" and not self.lifted) or (self.type == "objection" and self.verified)

    def log(self, action: str, detail: str = "", now: datetime | None = None) -> None:
        self.audit.append({"at": (now or datetime.now(UTC)).isoformat(timespec="seconds"), "action": action, "detail": detail})

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Request:
        raw = dict(raw)
        old_pids = raw.pop("subject_pids", None)  # registers written before targets existed
        known = {f.name for f in fields(cls)}
        r = cls(**{k: v for k, v in raw.items() if k in known})
        r.identity = Identity(**raw["identity"]) if raw.get("identity") else None
        r.targets = Targets.from_dict(raw["targets"]) if raw.get("targets") else None
        if old_pids and r.targets is None:
            r.targets = Targets(platform=(r.identity.platform if r.identity else None) or "x", pids=old_pids)
        return r

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["targets"] = self.targets.to_dict() if self.targets else None
        return out


class RequestsRegister:
    def __init__(self, home: Path, key: bytes, clock: Any = None, clean_text: Any = None) -> None:
        self.path = home / "rights" / "requests.json"
        self._key = key
        self.now = clock or (lambda: datetime.now(UTC))
        # Free text a privacy contact types (notes, corrected descriptions) goes through this
        # before it is kept: e-mail addresses, phone numbers and ids become placeholders.
        self.clean_text = clean_text or (lambda text: text)

    # --- storage ------------------------------------------------------------------------

    def load(self) -> list[Request]:
        try:
            raw = read_json(self.path, [])
        except ValueError as exc:
            raise RequestError(str(exc)) from None
        return [Request.from_dict(r) for r in raw]

    def save(self, requests: list[Request]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_json_atomic([r.to_dict() for r in requests], self.path)

    def change(self, request_id: str, fn: Any) -> Request:
        """Read, change one request with ``fn(request)``, write: under a lock, so two commands
        (a privacy contact's and a scheduled apply) cannot lose each other's changes."""
        with self.lock():
            requests, r = self.get(request_id)
            fn(r)
            self.save(requests)
            return r

    def get(self, request_id: str) -> tuple[list[Request], Request]:
        requests = self.load()
        for r in requests:
            if r.id == request_id:
                return requests, r
        raise RequestError(f"no request {request_id!r}")

    def identity_hash(self, identity: Identity) -> str:
        return hmac.new(self._key, identity.describe().lower().encode(), hashlib.sha256).hexdigest()[:32]

    def lock(self) -> Any:
        return exclusive_lock(self.path.with_name(".requests.lock"))

    # --- actions ------------------------------------------------------------------------

    def add(self, type_: str, identity: Identity, received: date | None = None, note: str | None = None,
            rectification: dict[str, str] | None = None) -> Request:
        if type_ not in TYPES:
            raise RequestError(f"unknown request type {type_!r}: use one of {', '.join(TYPES)}")
        if not (identity.handle or identity.user_id or identity.email or identity.phone or identity.name):
            raise RequestError("say whom the request concerns: --handle, --user-id, --email, --phone or --name")
        if (identity.handle or identity.user_id) and not identity.platform:
            raise RequestError("a handle or user id needs --platform")
        if type_ == "rectification":
            if not rectification or rectification.get("field") not in RECTIFIABLE or not rectification.get("value"):
                raise RequestError(f"a rectification needs --field ({', '.join(RECTIFIABLE)}) and --value")
            if rectification["field"] == "description":
                rectification = {**rectification, "value": self.clean_text(rectification["value"])}
        elif rectification:
            raise RequestError("--field and --value belong to a rectification")
        if identity.handle:
            identity.handle = identity.handle.lstrip("@")
        with self.lock():
            requests = self.load()
            request = Request(
                id=f"R{len(requests) + 1:05d}", type=type_, identity=identity, identity_hash=self.identity_hash(identity),
                received=(received or self.now().date()).isoformat(), note=self.clean_text(note) if note else None,
                rectification=rectification,
            )
            request.log("received", f"{type_} request", self.now())
            if type_ == "restriction":
                request.log("restriction applied as a precaution until verified", now=self.now())
            requests.append(request)
            self.save(requests)
        return request

    def verify(self, request_id: str, method: str) -> Request:
        if method not in VERIFICATION_METHODS:
            raise RequestError(f"--method {method!r}: use one of {', '.join(VERIFICATION_METHODS)} "
                               "(the detail of the check belongs in your own correspondence, not in the register)")

        def fn(r: Request) -> None:
            self._open(r)
            r.verification = {"method": method, "at": self.now().isoformat(timespec="seconds")}
            r.log("identity verified", method, self.now())

        return self.change(request_id, fn)

    def extend(self, request_id: str, months: int, reason: str) -> Request:
        def fn(r: Request) -> None:
            self._open(r)
            if months not in (1, 2) or r.extended_months + months > 2:
                raise RequestError("an answer can be extended by two further months at most (Art. 12(3))")
            if self.now().date() > add_months(date.fromisoformat(r.received), 1):
                raise RequestError("the extension had to be told within the first month (Art. 12(3))")
            r.extended_months += months
            r.extension_reason = self.clean_text(reason)
            r.log("deadline extended", f"+{months} month(s), due {r.due}", self.now())

        return self.change(request_id, fn)

    def close(self, request_id: str, outcome: str = "answered") -> Request:
        def fn(r: Request) -> None:
            if r.status == "closed":
                raise RequestError(f"{request_id} is already closed")
            if r.type == "erasure" and r.erasure_started:
                raise RequestError(f"{request_id}: the erasure has begun; `seula requests apply` finishes and closes it")
            close_record(r, self.clean_text(outcome), self.now())

        return self.change(request_id, fn)

    def lift(self, request_id: str) -> Request:
        def fn(r: Request) -> None:
            if r.type != "restriction":
                raise RequestError(f"{request_id} is not a restriction")
            r.lifted = True
            r.log("restriction lifted", now=self.now())
            if r.status == "closed":
                r.targets = None  # nothing in force any more: nothing to keep about the person

        return self.change(request_id, fn)

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


def close_record(r: Request, outcome: str, now: datetime) -> None:
    """Keep what accountability needs; a restriction or objection in force keeps its pseudonyms."""
    r.identity = None
    r.note = None
    r.rectification = {"field": r.rectification["field"]} if r.rectification else None
    r.extension_reason = None
    r.targets = r.targets.keyed_only() if r.targets and r.in_force else None
    r.status = "closed"
    r.log("closed", outcome, now)
