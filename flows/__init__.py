"""Prefect flows that wire the rooms together, and the command line.

Prefect reads its settings when first imported, so the offline, data-folder-local
defaults are put in place here, before any flow module imports it.
"""

import os
from pathlib import Path

# Everything Seula writes (lake, register, reports, logs, Prefect's database) is personal
# data or key material: owner-only, whatever umask the shell had.
os.umask(0o077)

_home = Path(os.environ.get("SEULA_HOME") or Path.cwd() / "data").resolve()
os.environ.setdefault("PREFECT_HOME", str(_home / "prefect"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_UI_ENABLED", "false")
# The first run in a fresh home migrates Prefect's database before the temporary server
# answers; on a busy two-core machine that takes longer than Prefect's 20 s default.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
# Presidio's e-mail recognizer pulls in tldextract: keep it on its bundled suffix list.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
