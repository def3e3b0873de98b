"""Keyed pseudonyms (HMAC-SHA256), stable within one engagement and unlinkable across them."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from functools import cached_property, lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from seula.privacy.text import normal_name

_LENGTH = 20  # hex characters: 80 bits, collision-free at any realistic dataset size


PSEUDONYM = re.compile(rf"^[uhtn]_[0-9a-f]{{{_LENGTH}}}$")


# The identity index's kind under which a handle's or a name's own pseudonym (``h_``, ``n_``:
# ``unresolved_handle``, ``name``) is tied to the account it turned out to stand for.
STANDS_FOR = {"h": "handle_pseudonym", "n": "name_pseudonym"}


def is_pseudonym(value: str) -> bool:
    """Already a pseudonym (text passed through the sieve before): leave it as it is."""
    return PSEUDONYM.match(value) is not None


def rekey(secret: bytes, mac: str) -> str:
    """One rotation of a pseudonym's hash part (or of an index token): keyed by the rotation's secret."""
    return hmac.new(secret, b"seula/v1/rekey\x00" + mac.encode(), hashlib.sha256).hexdigest()[:_LENGTH]


class Pseudonymiser:
    """``key`` is the engagement's key; ``rekeys`` the secrets of its rotations so far, each
    applied in turn to every value (``seula keys rotate``)."""

    def __init__(self, key: bytes, rekeys: tuple[bytes, ...] = ()) -> None:
        self._key = key
        self.rekeys = rekeys
        # Text scanning asks for the same word runs over and over; the cache lives and dies
        # with this object, so it never outlives the key's scope.
        self.token = lru_cache(maxsize=262_144)(self._token)  # type: ignore[method-assign]

    def _macs(self, domain: str, value: str) -> list[str]:
        """The value's hash in every generation of the key, the first (never rotated) first."""
        mac = hmac.new(self._key, f"{domain}\x00{value}".encode(), hashlib.sha256).hexdigest()[:_LENGTH]
        out = [mac]
        for secret in self.rekeys:
            out.append(mac := rekey(secret, mac))
        return out

    def _mac(self, domain: str, value: str) -> str:
        return self._macs(domain, value)[-1]

    def account_history(self, platform: str, account_id: str) -> list[str]:
        """The account's pseudonym in every generation: a suppression made before a rotation holds."""
        return ["u_" + m for m in self._macs(f"account/{platform}", account_id)]

    def token_history(self, kind: str, value: str) -> list[str]:
        return self._macs(f"index/{kind}", normal_name(value)) if self.rekeys else [self.token(kind, value)]

    def fingerprint(self) -> str:
        """What a lake records of the keys it was written with (``privacy.keys.check_fingerprint``)."""
        fingerprint = hmac.new(self._key, b"seula/v1/fingerprint", hashlib.sha256).hexdigest()[:16]
        for secret in self.rekeys:
            fingerprint = rekey(secret, fingerprint)[:16]
        return fingerprint

    def account(self, platform: str, account_id: str) -> str:
        return "u_" + self._mac(f"account/{platform}", account_id)

    def unresolved_handle(self, platform: str, handle: str) -> str:
        """For a handle seen only in text, whose platform id we never learnt."""
        return "h_" + self._mac(f"handle/{platform}", handle.lower())

    def name(self, name: str) -> str:
        """For a person's name in text that names nobody collected (``n_``): the same name, in
        any spacing or case, gets the same pseudonym throughout the engagement."""
        return "n_" + self._mac("name", normal_name(name))

    def post(self, platform: str, post_id: str) -> str:
        return "t_" + self._mac(f"post/{platform}", post_id)

    @cached_property
    def _seal_key(self) -> AESGCM:
        return AESGCM(hmac.new(self._key, b"seula/v1/platform-ids", hashlib.sha256).digest())

    def seal(self, platform: str, kind: str, raw_id: str) -> bytes:
        """A platform's own id, encrypted (AES-GCM, under a key of its own derived from the
        engagement's): kept only so the platform's compliance checks can be asked about
        what is stored, and erased with the row it belongs to."""
        nonce = os.urandom(12)
        return nonce + self._seal_key.encrypt(nonce, raw_id.encode(), f"{platform}/{kind}".encode())

    def unseal(self, platform: str, kind: str, sealed: bytes) -> str:
        try:
            return self._seal_key.decrypt(sealed[:12], sealed[12:], f"{platform}/{kind}".encode()).decode()
        except InvalidTag:
            raise ValueError("a sealed platform id that this engagement's key did not seal") from None

    def _token(self, kind: str, value: str) -> str:
        """Keyed hash of a handle or name, for the identity index (never shown)."""
        return self._mac(f"index/{kind}", normal_name(value))
