"""Logging for runs: one file under the data folder, and nothing that identifies a person.

Third-party clients log request URLs, parameters and headers at DEBUG (tweepy logs the
bearer token); they are held at WARNING so neither secrets nor handles reach a log.
"""

from __future__ import annotations

import logging
from pathlib import Path

from seula.lake.home import logs_dir

_QUIET = ("tweepy", "urllib3", "requests", "httpx", "httpcore", "facebook", "presidio-analyzer")
# WeasyPrint warns about every CSS property it does not know; none of it is the user's business.
_LAYOUT = ("weasyprint", "fontTools")
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(home: Path) -> Path:
    path = logs_dir(home) / "seula.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in _LAYOUT:
        logging.getLogger(name).setLevel(logging.ERROR)
    for name in ("", "prefect"):
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.FileHandler) and Path(h.baseFilename) == path for h in logger.handlers):
            handler = logging.FileHandler(path, encoding="utf-8")
            handler.setFormatter(logging.Formatter(_FORMAT))
            logger.addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)
    return path
