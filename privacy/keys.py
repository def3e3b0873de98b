"""Key material for pseudonyms: one master secret, one derived key per engagement.

The master secret comes from, in order: the ``SEULA_MASTER_KEY`` environment variable,
the Prefect Secret block named by ``SEULA_MASTER_KEY_BLOCK``, or a key file
(``SEULA_KEY_FILE``, default ``<SEULA_HOME>/keys/master.key``) that must be readable by
its owner only. Keys live outside the lake folder and are never logged or printed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
from pathlib import Path

MIN_SECRET_BYTES = 32


class KeyMaterialError(Exception):
    """Key material is missing or unsafe."""


def key_file(home: Path) -> Path:
    return Path(os.environ.get("SEULA_KEY_FILE") or home / "keys" / "master.key")


def create_key_file(path: Path) -> None:
    """Create a random master secret readable by its owner only, in an owner-only folder."""
    if path.exists():
        raise KeyMaterialError(f"{path} exists already: a master key is never overwritten (pseudonyms depend on it)")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))


def _from_file(path: Path) -> bytes:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyMaterialError(f"key file {path} is readable by others: run `chmod 600 {path}`")
    return path.read_bytes().strip()


def _from_prefect_block(name: str) -> bytes:
    from prefect.blocks.system import Secret

    try:
        return Secret.load(name).get().encode()
    except ValueError:
        raise KeyMaterialError(f"Prefect Secret block {name!r} not found") from None


def master_secret(home: Path, *, create: bool = False) -> bytes:
    if value := os.environ.get("SEULA_MASTER_KEY"):
        secret = value.encode()
    elif block := os.environ.get("SEULA_MASTER_KEY_BLOCK"):
        secret = _from_prefect_block(block)
    else:
        path = key_file(home)
        if not path.exists():
            if not create:
                raise KeyMaterialError(
                    f"no master key: run `seula keys init` (creates {path}), or set SEULA_MASTER_KEY or SEULA_MASTER_KEY_BLOCK"
                )
            create_key_file(path)
        secret = _from_file(path)
    if len(secret) < MIN_SECRET_BYTES:
        raise KeyMaterialError(f"the master key must be at least {MIN_SECRET_BYTES} bytes long")
    return secret


def engagement_key(master: bytes, engagement: str) -> bytes:
    """A separate key per engagement, so two clients' datasets cannot be joined on a person."""
    return hmac.new(master, b"seula/v1/engagement/" + engagement.encode(), hashlib.sha256).digest()


def rights_key(master: bytes) -> bytes:
    """The key of the rights register and suppression list (one for all engagements)."""
    return hmac.new(master, b"seula/v1/rights", hashlib.sha256).digest()


def rotations_file(home: Path, engagement: str) -> Path:
    """The secrets of an engagement's key rotations: beside the master key, never in the lake."""
    return key_file(home).parent / "rotations" / f"{engagement}.json"


def rotations(home: Path, engagement: str) -> list[bytes]:
    path = rotations_file(home, engagement)
    if not path.exists():
        return []
    if stat.S_IMODE(path.stat().st_mode) & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyMaterialError(f"key file {path} is readable by others: run `chmod 600 {path}`")
    try:
        return [bytes.fromhex(s) for s in json.loads(path.read_text(encoding="utf-8"))]
    except (ValueError, TypeError):
        raise KeyMaterialError(f"corrupt key file {path}: restore it from backup") from None


def add_rotation(home: Path, engagement: str) -> list[bytes]:
    """A new random rotation secret for the engagement (appended; earlier ones are kept)."""
    path = rotations_file(home, engagement)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    secrets_ = [*rotations(home, engagement), secrets.token_bytes(32)]
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump([s.hex() for s in secrets_], fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    return secrets_


def fingerprint(key: bytes) -> str:
    """What a lake or register records of the key it was written with: it tells a different
    key apart without revealing anything of this one."""
    return hmac.new(key, b"seula/v1/fingerprint", hashlib.sha256).hexdigest()[:16]


def check_fingerprint(recorded: str | None, expected: str, what: str) -> None:
    """``what`` was written with the key whose fingerprint is ``recorded``: refuse any other."""
    if recorded is not None and not hmac.compare_digest(recorded, expected):
        raise KeyMaterialError(
            f"{what} was written with another master key: set the key it was written with "
            "(SEULA_MASTER_KEY, SEULA_MASTER_KEY_BLOCK or the key file); nothing was changed")
