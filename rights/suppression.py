"""People who must never be collected again, or never shown in clear again.

Scopes: "all" (erased, or deleted on the platform: dropped from every collection), "marketing" (objected: dropped from
marketing-purpose engagements), "objected" (never publishable again).

Every entry is a keyed hash, so the list itself names nobody. An erased person is listed
by everything that can identify them: platform id and handle (for any engagement, also
ones that never met them), display name and its first word (so later posts naming them
are stored with ``<erased>`` instead), and, per engagement, their pseudonyms and identity-
index tokens (a Seula archive made before the erasure holds only those, and a follow-graph
page holds only ids). The sieve consults it before anything reaches disk. The key is the
rights key (derived from the master secret), the same in every engagement, because a
suppression holds across all of them.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from pathlib import Path

from seula.lake.files import exclusive_lock, read_json, write_json_atomic
from seula.privacy.text import first_word, normal_name
from seula.rights.targets import Targets


class SuppressionList:
    def __init__(self, home: Path, key: bytes) -> None:
        self.path = home / "rights" / "suppressed.json"
        self._key = key
        self._scopes = self._read()

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size  # (every write replaces the file: a new inode)

    def refresh(self) -> bool:
        """Read the list again if another process changed it since; whether it did. A
        collection asks before each write, so an erasure that began meanwhile holds."""
        if self._stamp() == self._seen:
            return False
        self._scopes = self._read()
        return True

    def _read(self) -> dict[str, set[str]]:
        self._seen = self._stamp()  # (before reading: a change in between is seen next time)
        try:
            data = read_json(self.path, {"all": [], "marketing": []})
        except ValueError:
            raise ValueError(f"corrupt suppression list {self.path}: restore it from backup; never delete it") from None
        return {scope: set(values) for scope, values in data.items()}

    def _hash(self, platform: str, kind: str, value: str) -> str:
        return hmac.new(self._key, f"{platform}\x00{kind}\x00{value.lower()}".encode(), hashlib.sha256).hexdigest()

    def _write(self, scope: str, entries: Iterable[str]) -> None:
        # Read, add, write under a lock: two processes adding people (an erasure, an
        # objection) must not lose each other's entries.
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with exclusive_lock(self.path.with_name(".suppressed.lock")):
            self._scopes = self._read()
            self._scopes.setdefault(scope, set()).update(entries)
            write_json_atomic({s: sorted(v) for s, v in self._scopes.items()}, self.path)

    def _person(self, platform: str, user_id: str | None, handle: str | None) -> list[str]:
        return ([self._hash(platform, "id", user_id)] if user_id else []) + (
            [self._hash(platform, "handle", handle.lstrip("@"))] if handle else [])

    def add_targets(self, targets: Targets, scope: str = "all") -> None:
        """Everything ``targets`` know of a person, in one write."""
        entries = [h for i in targets.ids for h in self._person(targets.platform, i, None)]
        entries += [h for handle in targets.handles for h in self._person(targets.platform, None, handle)]
        for e in targets.pids:
            entries += [self._hash("pid", e, p) for p in targets.every_pid(e)]
        if scope == "all":  # an objector stays in the identity index: their names are pseudonymised as before
            for name in targets.names:
                entries.append(self._hash("name", "name", normal_name(name)))
                if first := first_word(name):
                    entries.append(self._hash("name", "first", first))
            for e, tokens in targets.tokens.items():
                entries += [self._hash("token", e, t) for t in tokens]
        self._write(scope, entries)

    def add_withdrawn(self, platform: str, post_ids: Iterable[str], account_ids: Iterable[str]) -> None:
        """Posts and accounts the platform deleted or withdrew: never stored again, anywhere."""
        self._write("all", [self._hash(platform, "post", i) for i in post_ids] +
                    [h for i in account_ids for h in self._person(platform, i, None)])

    def add_contact_details(self, emails: Iterable[str], phones: Iterable[str]) -> None:
        """An erased person's e-mail addresses and phone numbers (lower-case, E.164): no later
        import into the survey or customer register stores them again."""
        self._write("all", [self._hash("contact", "email", e) for e in emails] +
                    [self._hash("contact", "phone", p) for p in phones])

    def erased_contact(self, emails: Iterable[str], phones: Iterable[str]) -> bool:
        erased = self._scopes.get("all")
        return bool(erased) and any(self._hash("contact", kind, v) in erased
                                    for kind, values in (("email", emails), ("phone", phones)) for v in values if v)

    def withdrawn_post(self, platform: str, post_id: str) -> bool:
        erased = self._scopes.get("all")
        return bool(erased) and self._hash(platform, "post", post_id) in erased

    def erased_pseudonyms(self, engagement: str, pids: set[str]) -> set[str]:
        """Those of ``pids`` (this engagement's pseudonyms) whose person has been erased."""
        erased = self._scopes.get("all", set())
        return {p for p in pids if self._hash("pid", engagement, p) in erased} if erased else set()

    def contains(self, scopes: tuple[str, ...], platform: str, *, user_id: str | None = None,
                 handle: str | None = None) -> bool:
        """Whether the person is listed in any of ``scopes`` ("all", "marketing", "objected")."""
        keys = self._person(platform, user_id, handle)
        return any(k in self._scopes.get(scope, set()) for scope in scopes for k in keys)

    def listed_pid(self, scopes: tuple[str, ...], engagement: str, pid: str) -> bool:
        key = self._hash("pid", engagement, pid)
        return any(key in self._scopes.get(scope, set()) for scope in scopes)

    def erased_token(self, engagement: str, kind: str, token: str) -> bool:
        """Whether an identity-index token (``kind`` handle, name or first) is an erased person's."""
        erased = self._scopes.get("all")
        return bool(erased) and self._hash("token", engagement, f"{kind}:{token}") in erased

    def erased_name(self, kind: str, value: str) -> bool:
        """Whether ``value`` is an erased publishable person's display name (``kind`` "name"), or
        its first word ("first")."""
        erased = self._scopes.get("all")
        return bool(erased) and self._hash("name", kind, normal_name(value) if kind == "name" else value) in erased


class EngagementSuppression:
    """The list as one engagement's sieve asks it (``privacy.sieve.Suppressed``): ``scopes``
    are "all", plus "marketing" in a marketing engagement."""

    def __init__(self, supp: SuppressionList, engagement: str, scopes: tuple[str, ...]) -> None:
        self.supp, self.engagement, self.scopes = supp, engagement, scopes

    def person(self, platform: str, user_id: str | None, handle: str | None) -> bool:
        return self.supp.contains(self.scopes, platform, user_id=user_id, handle=handle)

    def pid(self, pid: str) -> bool:
        return self.supp.listed_pid(self.scopes, self.engagement, pid)

    def post(self, platform: str, post_id: str) -> bool:
        return self.supp.withdrawn_post(platform, post_id)

    def token(self, kind: str, token: str) -> bool:
        return self.supp.erased_token(self.engagement, kind, token)

    def name(self, kind: str, value: str) -> bool:
        return self.supp.erased_name(kind, value)
