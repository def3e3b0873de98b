"""Who may appear in clear: the publishability policy.

The seed allows publishing names and handles only where they are already public on the
platform and the person has not objected. An account is publishable when it is on the
engagement's allowlist, in its election-candidate register, or meets the configured rule
(verified with at least N followers), and has not objected. Everyone else is pseudonymised
everywhere. The decision and its reason are stored with each account.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from seula.collectors.records import Account
from seula.privacy.candidates import CandidateRegister


@dataclass(frozen=True)
class Decision:
    publishable: bool
    reason: str


class PublishabilityPolicy:
    def __init__(
        self,
        allowlist: set[str] | frozenset[str],
        candidates: CandidateRegister | None = None,
        verified_min_followers: int | None = None,
        objected: Callable[[str, str | None, str], bool] = lambda platform, account_id, handle: False,
    ) -> None:
        self._allow = {h.lower().lstrip("@") for h in allowlist}
        self.candidates = candidates or CandidateRegister([])
        self.verified_min_followers = verified_min_followers
        self.objected = objected
        self._refused: set[str] = set()

    def handle_is_publishable(self, handle: str, platform: str = "x") -> bool:
        h = handle.lower().lstrip("@")
        listed = h in self._allow or self.candidates.get(h) is not None
        return listed and h not in self._refused and not self.objected(platform, None, h)

    def decide(self, account: Account) -> Decision:
        handle = account.handle.lower()
        if self.objected(account.platform, account.account_id, account.handle):
            self._refused.add(handle)  # and so never in clear in text either
            return Decision(False, "objected")
        if handle in self._allow:
            return Decision(True, "allowlist")
        if (candidate := self.candidates.get(handle)) is not None:
            return Decision(True, f"election candidate: {candidate.election}")
        n = self.verified_min_followers
        if n is not None and account.verified and (account.followers_count or 0) >= n:
            self._allow.add(handle)
            return Decision(True, f"rule: verified, at least {n} followers")
        return Decision(False, "default: not on the engagement's publishable list")
