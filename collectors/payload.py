"""Reading API JSON defensively: every platform's normaliser fails the same clear way.

Errors name the field path, never its value: payloads carry people's data.
"""

from __future__ import annotations

from typing import Any


class PayloadError(ValueError):
    """A response did not have the shape of the platform's API."""


def field(obj: Any, key: str, kind: type | tuple[type, ...], where: str, required: bool = True) -> Any:
    """``obj[key]`` if it is a ``kind``; None if absent and not required; else a PayloadError."""
    if not isinstance(obj, dict):
        raise PayloadError(f"{where}: expected an object")
    value = obj.get(key)
    if value is None:
        if required:
            raise PayloadError(f"{where}.{key}: missing")
        return None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise PayloadError(f"{where}.{key}: expected {getattr(kind, '__name__', kind)}")
    return value
