"""Collection checkpoints: where each source of an engagement got to.

Checkpoints hold timestamps and the platforms' opaque page tokens, never a person's id,
so resuming needs nothing that invariant 1 forbids on disk.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from seula.lake.files import exclusive_lock, sweep_temps, write_json_atomic
from seula.lake.home import state_dir
from seula.lake.store import LakeError, check_name

TOKEN = re.compile(r"[0-9a-f]{20}")  # a keyed token as a source's last part


class Checkpoints:
    def __init__(self, home: Path, engagement: str) -> None:
        self.path = state_dir(home, check_name("engagement", engagement)) / "checkpoints.json"

    def sweep_temps(self) -> int:
        # Under the lock: a collection task side by side with this one may be writing its temporary.
        with exclusive_lock(self.path.with_name(".checkpoints.lock")):
            return sweep_temps(self.path.parent)

    def load(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise LakeError(f"corrupt checkpoint file {self.path}: delete it to recollect from the start") from None
        if not isinstance(data, dict):
            raise LakeError(f"corrupt checkpoint file {self.path}: delete it to recollect from the start")
        return data

    def get(self, source: str) -> dict[str, Any]:
        return dict(self.load().get(source, {}))

    def put(self, source: str, state: dict[str, Any]) -> None:
        # Read, change, write under a lock: two collections of one engagement (say, a
        # schedule and a hand-started run) would otherwise lose each other's sources.
        with exclusive_lock(self.path.with_name(".checkpoints.lock")):
            data = self.load()
            data[source] = state
            write_json_atomic(data, self.path)

    def rekey_sources(self, token: Callable[[str], str]) -> None:
        """Sources named by a keyed token (``x/timeline/<token>``) renamed after a key rotation,
        so collections resume where they were instead of starting over."""
        with exclusive_lock(self.path.with_name(".checkpoints.lock")):
            data = self.load()
            renamed = {"/".join([*k.split("/")[:-1], token(k.split("/")[-1])]) if TOKEN.fullmatch(k.split("/")[-1]) else k: v
                       for k, v in data.items()}
            if renamed != data:
                write_json_atomic(renamed, self.path)
