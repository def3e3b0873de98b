"""``seula import``: X API v2 archives (twarc2 JSON Lines) through the same sieve and lake."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from collectors.records import Batch
from collectors.x import normalise as wire
from flows import config
from flows.collect import Pipeline, Tally, derive_findings, resieve_stored_text
from lake.catalog import refresh_catalog
from lake.home import seula_home


@dataclass
class ImportResult:
    tally: Tally
    pages: int = 0
    rejected: list[str] = field(default_factory=list)  # "file:line: reason", no content


def import_archives(engagement_id: str, files: list[Path]) -> ImportResult:
    """Each line is one API response page, as twarc2 writes it; importing twice adds nothing."""
    pipe = Pipeline(config.load(engagement_id))
    result = ImportResult(Tally())
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            result.rejected.append(f"{path}: cannot read ({type(exc).__name__})")
            continue
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                batch = wire.tweets_page(json.loads(line), Batch("x", "archive/twarc2", None, datetime.now(UTC)))
            except (json.JSONDecodeError, wire.PayloadError) as exc:
                reason = "not valid JSON" if isinstance(exc, json.JSONDecodeError) else str(exc)
                result.rejected.append(f"{path.name}:{number}: {reason}")
                continue
            pipe.store(batch, result.tally, f"import/{path.name}")
            result.pages += 1
    resieve_stored_text.fn(engagement_id)
    derive_findings.fn(engagement_id)
    refresh_catalog(seula_home())
    return result
