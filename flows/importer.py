"""``seula import``: files written by X API v2 tools (twarc2 and the like) and saved Facebook
Graph API responses, through the same sieve and lake, each kind recognised from its content
(``collectors.x.files``, ``collectors.facebook.files``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from seula.collectors.facebook import files as facebook_files
from seula.collectors.http import Usage
from seula.collectors.payload import PayloadError
from seula.collectors.records import Batch
from seula.collectors.x import files as x_files
from seula.flows import config
from seula.flows.collect import Pipeline, Tally, derive_findings, resieve_stored_text
from seula.flows.rights import HOOKS
from seula.lake.catalog import refresh_catalog
from seula.lake.home import seula_home
from seula.rights import deletions


@dataclass
class ImportResult:
    tally: Tally
    pages: int = 0
    rejected: list[str] = field(default_factory=list)  # "file:line: reason", no content
    refused: list[str] = field(default_factory=list)  # "file: why it holds nothing to import"
    withdrawn: int = 0  # compliance items read
    removed: dict[str, int] = field(default_factory=dict)  # rows the platform's deletions removed


def import_archives(engagement_id: str, files: list[Path]) -> ImportResult:
    """Every line of every file as what it is; importing twice adds nothing."""
    pipe = Pipeline(config.load(engagement_id))
    result = ImportResult(Tally())
    for path in files:
        _import_file(pipe, path, result)
    if result.pages or result.removed:
        resieve_stored_text.fn(engagement_id)
        derive_findings.fn(engagement_id)
        refresh_catalog(seula_home())
    return result


def _values(text: str) -> list[tuple[int, object]]:
    """The file's JSON values with their line numbers: one value (a saved Graph response, often
    spread over many lines), or one per line; a line that does not parse stands as None. A
    file none of whose lines parse is one broken value, named by the line where it breaks."""
    try:
        return [(1, json.loads(text))]
    except json.JSONDecodeError as whole:
        broken = whole.lineno
    found: list[tuple[int, object]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                found.append((number, json.loads(line)))
            except json.JSONDecodeError:
                found.append((number, None))
    return found if any(value is not None for _, value in found) else [(broken, None)]


def _import_file(pipe: Pipeline, path: Path, result: ImportResult) -> None:
    started, tally, usage, platform = datetime.now(UTC), Tally(), Usage(), "x"
    try:
        values = _values(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        result.rejected.append(f"{path}: cannot read ({type(exc).__name__})")
        return
    withdrawn: set[str] = set()
    for number, value in values:
        try:
            if value is None:
                raise PayloadError("not valid JSON")
            if facebook_files.is_graph(value):
                platform = "facebook"
                batch = Batch(platform, "archive/graph", None, started)
                for problem in facebook_files.read(value, batch):
                    result.rejected.append(f"{path.name}:{number}: {problem}")
                    usage.error("unreadable item")
                pipe.store(batch, tally, f"import/{path.name}")
                continue
            got = x_files.read(value, Batch("x", "archive/twarc2", None, started))
        except x_files.NotPosts as exc:
            result.refused.append(f"{path.name}: {exc}")
            return
        except PayloadError as exc:
            result.rejected.append(f"{path.name}:{number}: {exc}")
            usage.error("unreadable line")
            continue
        for kind, n in got.errors.items():
            usage.error(kind, n)
        if got.withheld:
            usage.error("withheld", got.withheld)
        if got.deletion is not None and got.deletion.action != "scrub_geo":
            withdrawn.add(got.deletion.id)
        elif got.batch is not None:
            pipe.store(got.batch, tally, f"import/{path.name}")
    if withdrawn:
        # A compliance result does not say whether its ids are tweets or users: X's ids are
        # unique across both, so each is removed as whichever of the two it is stored as.
        ids = frozenset(withdrawn)
        for table, n in deletions.apply(seula_home(), deletions.Withdrawn("x", ids, ids, f"import/{path.name}"), HOOKS).items():
            result.removed[table] = result.removed.get(table, 0) + n
            usage.api_errors[f"{table} removed"] = n
        result.withdrawn += len(withdrawn)
        usage.api_errors["withdrawn by the platform"] = len(withdrawn)
    result.pages += tally.pages
    result.tally.merge(tally)
    pipe.log_run(f"import/{path.name}", platform, started, tally, usage)
