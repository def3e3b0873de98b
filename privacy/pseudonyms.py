"""Keyed pseudonyms (HMAC-SHA256), stable within one engagement and unlinkable across them."""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import lru_cache

_LENGTH = 20  # hex characters: 80 bits, collision-free at any realistic dataset size


PSEUDONYM = re.compile(rf"^[uht]_[0-9a-f]{{{_LENGTH}}}$")


def is_pseudonym(value: str) -> bool:
    """Already a pseudonym (text passed through the sieve before): leave it as it is."""
    return PSEUDONYM.match(value) is not None


class Pseudonymiser:
    def __init__(self, key: bytes) -> None:
        self._key = key
        # Text scanning asks for the same word runs over and over; the cache lives and dies
        # with this object, so it never outlives the key's scope.
        self.token = lru_cache(maxsize=262_144)(self._token)  # type: ignore[method-assign]

    def _mac(self, domain: str, value: str) -> str:
        return hmac.new(self._key, f"{domain}\x00{value}".encode(), hashlib.sha256).hexdigest()[:_LENGTH]

    def account(self, platform: str, account_id: str) -> str:
        return "u_" + self._mac(f"account/{platform}", account_id)

    def unresolved_handle(self, platform: str, handle: str) -> str:
        """For a handle seen only in text, whose platform id we never learnt."""
        return "h_" + self._mac(f"handle/{platform}", handle.lower())

    def post(self, platform: str, post_id: str) -> str:
        return "t_" + self._mac(f"post/{platform}", post_id)

    def _token(self, kind: str, value: str) -> str:
        """Keyed hash of a handle or name, for the identity index (never shown)."""
        return self._mac(f"index/{kind}", " ".join(value.lower().split()))
