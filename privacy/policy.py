"""Who may appear in clear: the publishability policy.

The seed allows publishing names and handles only where they are already public on the
platform and the person has not objected. The spine knows one reason to publish, the
engagement's explicit allowlist; everyone else is pseudonymised everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from collectors.records import Account


@dataclass(frozen=True)
class Decision:
    publishable: bool
    reason: str


class PublishabilityPolicy:
    def __init__(self, allowlist: set[str] | frozenset[str]) -> None:
        self._allow = frozenset(h.lower().lstrip("@") for h in allowlist)

    def handle_is_publishable(self, handle: str) -> bool:
        return handle.lower().lstrip("@") in self._allow

    def decide(self, account: Account) -> Decision:
        if self.handle_is_publishable(account.handle):
            return Decision(True, "allowlist")
        return Decision(False, "default: not on the engagement's publishable list")
