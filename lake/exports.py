"""The export log: every file that left for a client, and who was named in it (Art. 19).

People are recorded as keyed references (``privacy.rights.person_ref``), never as names or
engagement pseudonyms, so the log can answer "who received data about this person?"
without itself being a list of people.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from seula.lake.files import write_text_atomic


class ExportLog:
    def __init__(self, home: Path) -> None:
        self.home = home.resolve()
        self.path = home / "exports" / "log.jsonl"

    def record(self, engagement: str, recipients: list[str], files: list[Path], people: list[str]) -> dict[str, Any]:
        entry = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "engagement": engagement,
            "recipients": recipients,
            "files": [{"name": f.name, "sha256": hashlib.sha256(f.read_bytes()).hexdigest(),
                       **({"copy": str(f.resolve().relative_to(self.home))} if f.resolve().is_relative_to(self.home) else {})}
                      for f in files],
            "people": sorted(people),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.path, "a", encoding="utf-8") as fh:  # one line per export, appended whole
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return entry

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # a line cut by a crash mid-append: the export it described did not finish
        return out

    def discard_copies(self, entries: list[dict[str, Any]]) -> int:
        """Delete this installation's own copies of the exports ``entries`` describe (an erased
        person may be in them); the log keeps their names and hashes. Returns files removed."""
        removed = 0
        for entry in entries:
            for f in entry["files"]:
                path = self.home / f["copy"] if "copy" in f else None
                if path is not None and path.is_file():
                    path.unlink()
                    removed += 1
                    if path.parent != self.home and not any(path.parent.iterdir()):
                        path.parent.rmdir()
        return removed

    def add_refs(self, mapping: dict[str, str]) -> None:
        """Beside each person reference ``mapping`` knows, its new value (a key rotation): the
        log keeps answering "who received data about this person?" under the new keys."""
        entries = self.entries()
        for entry in entries:
            entry["people"] = sorted(set(entry["people"]) | {mapping[p] for p in entry["people"] if p in mapping})
        if entries:
            write_text_atomic("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), self.path)
