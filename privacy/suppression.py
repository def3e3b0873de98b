"""People who must never be collected again, or never shown in clear again.

Scopes: "all" (erased: dropped from every collection), "marketing" (objected: dropped from
marketing-purpose engagements), "objected" (never publishable again).

Stored as keyed hashes of platform id and handle, so the list itself names nobody. An
erased person's engagement pseudonyms are listed too (scope "all"): a Seula archive made
before the erasure holds only pseudonyms, and its import must still leave the person out. The key
is the rights key (derived from the master secret), the same in every engagement, because
a suppression holds across all of them.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from lake.files import read_json, write_json_atomic


class SuppressionList:
    def __init__(self, home: Path, key: bytes) -> None:
        self.path = home / "rights" / "suppressed.json"
        self._key = key
        try:
            data = read_json(self.path, {"all": [], "marketing": []})
        except ValueError:
            raise ValueError(f"corrupt suppression list {self.path}: restore it from backup; never delete it") from None
        self._scopes = {scope: set(values) for scope, values in data.items()}

    def _hash(self, platform: str, kind: str, value: str) -> str:
        return hmac.new(self._key, f"{platform}\x00{kind}\x00{value.lower()}".encode(), hashlib.sha256).hexdigest()

    def add(self, platform: str, *, user_id: str | None = None, handle: str | None = None, scope: str = "all") -> None:
        entries = self._scopes.setdefault(scope, set())
        if user_id:
            entries.add(self._hash(platform, "id", user_id))
        if handle:
            entries.add(self._hash(platform, "handle", handle.lstrip("@")))
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_json_atomic({s: sorted(v) for s, v in self._scopes.items()}, self.path)

    def add_pseudonyms(self, engagement: str, pids: set[str]) -> None:
        self._scopes.setdefault("all", set()).update(self._hash("pid", engagement, p) for p in pids)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_json_atomic({s: sorted(v) for s, v in self._scopes.items()}, self.path)

    def erased_pseudonyms(self, engagement: str, pids: set[str]) -> set[str]:
        """Those of ``pids`` (this engagement's pseudonyms) whose person has been erased."""
        erased = self._scopes.get("all", set())
        return {p for p in pids if self._hash("pid", engagement, p) in erased}

    def contains(self, scopes: tuple[str, ...], platform: str, *, user_id: str | None = None,
                 handle: str | None = None) -> bool:
        """Whether the person is listed in any of ``scopes`` ("all", "marketing", "objected")."""
        keys = ([self._hash(platform, "id", user_id)] if user_id else []) + (
            [self._hash(platform, "handle", handle.lstrip("@"))] if handle else [])
        return any(k in self._scopes.get(scope, set()) for scope in scopes for k in keys)
