"""Installed, Seula is one package: every module imports as `seula.…` from anywhere, and no
generic top-level name (`flows`, `lake`, …) is importable outside the repository."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROOMS = ("analysis", "collectors", "customers", "emulators", "flows", "lake", "paperwork", "privacy", "rights", "survey")


def modules() -> list[str]:
    found = []
    for room in ROOMS:
        for path in sorted((REPO / room).rglob("*.py")):
            parts = path.relative_to(REPO).with_suffix("").parts
            found.append(".".join(("seula", *(parts[:-1] if parts[-1] == "__init__" else parts))))
    return found


PROBE = """
import importlib, importlib.util, sys
for name in sys.argv[2:]:
    importlib.import_module(name)
print([room for room in sys.argv[1].split(",") if importlib.util.find_spec(room) is not None])
"""


def test_every_module_imports_from_outside_the_repository(tmp_path: Path) -> None:
    # Run from elsewhere: the repository's folders on sys.path would hide a missing `seula.` prefix
    # (as they do for this test process).
    names = modules()
    assert len(names) > 80
    probe = subprocess.run([sys.executable, "-c", PROBE, ",".join(ROOMS), *names], cwd=tmp_path, capture_output=True,
                           text=True, timeout=600, env={"PATH": "/usr/bin:/bin", "SEULA_HOME": str(tmp_path / "home")})
    assert probe.returncode == 0, probe.stderr[-3000:]
    assert probe.stdout.strip() == "[]", probe.stdout  # no room importable under its bare folder name
