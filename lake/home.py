"""Where Seula keeps everything it stores: one folder, ``SEULA_HOME`` or ``./data``."""

from __future__ import annotations

import os
from pathlib import Path


def seula_home() -> Path:
    """The data folder; created on first use, and kept owner-only (it holds personal data)."""
    home = Path(os.environ.get("SEULA_HOME") or Path.cwd() / "data").resolve()
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(home, 0o700)
    return home


def state_dir(home: Path, engagement: str) -> Path:
    return home / "state" / engagement


def reports_dir(home: Path, engagement: str) -> Path:
    return home / "reports" / engagement


def logs_dir(home: Path) -> Path:
    return home / "logs"
