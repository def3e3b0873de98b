"""``seula import``: files written by X API v2 tools (twarc2 and the like) and saved Facebook
Graph API responses, through the same sieve and lake, each kind recognised from its content
(``collectors.x.files``, ``collectors.facebook.files``)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from seula.collectors.facebook import files as facebook_files
from seula.collectors.http import Usage
from seula.collectors.payload import PayloadError
from seula.collectors.records import Batch
from seula.collectors.x import files as x_files
from seula.flows import config, runner
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
    """Every line of every file as what it is; importing twice adds nothing. The privacy pass
    runs in this process, or fans out through the task runner ``SEULA_TASK_RUNNER`` names
    (``store_batches``), all files in one flow run: the runner's cluster starts once."""
    if runner.chosen() == "sequential":
        result = _import_files(engagement_id, files)
    else:
        result = import_in_parallel.with_options(task_runner=runner.task_runner())(engagement_id, files)
    if result.pages or result.removed:
        resieve_stored_text.fn(engagement_id)
        derive_findings.fn(engagement_id)
        refresh_catalog(seula_home())
    return result


@flow(name="import-archives", persist_result=False)
def import_in_parallel(engagement_id: str, files: list[Path]) -> ImportResult:
    return _import_files(engagement_id, files)


def _import_files(engagement_id: str, files: list[Path]) -> ImportResult:
    pipe = Pipeline(config.load(engagement_id))
    result = ImportResult(Tally())
    for path in files:
        _import_file(pipe, path, result)
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
    started, tally, usage = datetime.now(UTC), Tally(), Usage()
    try:
        values = _values(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        result.rejected.append(f"{path}: cannot read ({type(exc).__name__})")
        return
    withdrawn: set[str] = set()
    platform: list[str] = []  # the file's, once a value says ("x" unless a Graph response)
    refused: list[str] = []

    def pages() -> Iterator[Batch]:
        """The file's pages, normalised; what cannot be read is noted as it is met."""
        for number, value in values:
            try:
                if value is None:
                    raise PayloadError("not valid JSON")
                if facebook_files.is_graph(value):
                    platform.append("facebook")
                    batch = Batch("facebook", "archive/graph", None, started)
                    for problem in facebook_files.read(value, batch):
                        result.rejected.append(f"{path.name}:{number}: {problem}")
                        usage.error("unreadable item")
                    yield batch
                    continue
                got = x_files.read(value, Batch("x", "archive/twarc2", None, started))
            except x_files.NotPosts as exc:
                refused.append(f"{path.name}: {exc}")
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
                yield got.batch

    store_batches(pipe, pages(), tally, f"import/{path.name}")
    if refused:
        result.refused += refused
        return
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
    pipe.log_run(f"import/{path.name}", platform[0] if platform else "x", started, tally, usage)


def store_batches(pipe: Pipeline, batches: Iterable[Batch], tally: Tally, source: str) -> None:
    """The privacy pass and the lake, a chunk of ``Pipeline.FLUSH_ROWS`` items at a time: in
    this process one chunk after another, or (in ``import_in_parallel``) each chunk a task,
    side by side. Either way every chunk is sieved under the suppression list in force when it
    is written, and names met before their account are settled by the re-sieve that follows."""
    chunks = _chunks(batches, pipe.FLUSH_ROWS)
    if runner.chosen() == "sequential":
        for chunk in chunks:
            pipe.store_pages(chunk, tally, source)
        return
    futures = []
    for chunk in chunks:
        futures.append(sieve_and_store.submit(pipe.eng.id, chunk, source))
        if len(futures) > IN_FLIGHT:  # the file is read no further ahead than the workers sieve
            futures[-IN_FLIGHT - 1].wait()
    get_run_logger().info("%d batches submitted to the %s task runner", len(futures), runner.chosen())
    for future in futures:  # every task ends before any failure is raised: none is left running
        future.wait()
    for future in futures:
        tally.merge(future.result())


def _chunks(batches: Iterable[Batch], items: int) -> Iterator[list[Batch]]:
    chunk: list[Batch] = []
    for batch in batches:
        chunk.append(batch)
        if sum(map(len, chunk)) >= items:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


IN_FLIGHT = 8  # chunks submitted and not yet stored, at most
_worker = threading.local()  # (key, Pipeline): one per thread of a worker, for the chunks of one import


@task(name="sieve-and-store", persist_result=False, cache_policy=NO_CACHE)
def sieve_and_store(engagement_id: str, batches: list[Batch], source: str) -> Tally:
    """One chunk of an import through the sieve into the lake, in whichever process runs it."""
    tally = Tally()
    _pipeline(engagement_id).store_pages(batches, tally, source)
    return tally


def _pipeline(engagement_id: str) -> Pipeline:
    """A worker's pipeline, kept for the next chunk of the same import (flow run) and never
    longer: the engagement's settings may change between imports."""
    from prefect.runtime import flow_run

    key = (engagement_id, str(seula_home()), flow_run.id)
    if getattr(_worker, "key", None) != key:
        _worker.key, _worker.pipeline = key, Pipeline(config.load(engagement_id))
    return _worker.pipeline
