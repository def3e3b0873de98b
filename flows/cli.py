"""``seula``: the command line. Each command is a thin wrapper over a flow or library call."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

import flows  # noqa: F401  (sets Prefect's offline defaults before Prefect is imported)
from collectors.x.api import CollectorError
from flows import config
from flows.runlog import configure as configure_logging
from lake.home import seula_home
from lake.store import LakeError
from privacy.candidates import CandidateRegisterError
from privacy.keys import KeyMaterialError

app = typer.Typer(help="Seula: collect, sieve, store, analyse and report social-media data under the GDPR.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
console = Console(soft_wrap=True)  # paths and summaries stay on one line for scripts
err = Console(stderr=True, soft_wrap=True)
EXPECTED = (config.ConfigError, CollectorError, LakeError, KeyMaterialError, CandidateRegisterError)
T = TypeVar("T")


@contextmanager
def _one_line_errors() -> Iterator[None]:
    """Known failures end the command with one line and exit code 1, never a traceback."""
    try:
        configure_logging(seula_home())
        yield
    except EXPECTED as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None


def _run(fn: Callable[..., T], engagement: str, *args: object) -> T:
    """Validate the engagement first, so a typo fails at once, before Prefect starts."""
    with _one_line_errors():
        config.load(engagement)
        return fn(engagement, *args)


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


Engagement = Annotated[str, typer.Argument(help="Engagement id (its YAML file names it).")]


@app.command()
def demo() -> None:
    """Run the sample engagement end to end against the bundled X emulator (no network, no credentials)."""
    from flows.demo import SAMPLE, run_demo

    result = _run(lambda _: run_demo(console), SAMPLE)
    console.print(f"Report: {result.report}")
    console.print(result.summary_line())


@app.command()
def collect(
    engagement: Engagement,
    x_base_url: Annotated[str | None, typer.Option(help="Send X API requests here instead (an emulator).")] = None,
) -> None:
    """Collect what the engagement's config asks for, from where the last run stopped."""
    from flows.collect import collect_engagement
    from flows.ui import collection_progress

    with collection_progress(console):
        tally = _run(collect_engagement, engagement, x_base_url)
    console.print(", ".join(f"{v} new {k}" for k, v in sorted(tally.rows.items())) or "nothing new")
    if tally.stopped:
        err.print(f"[yellow]stopped early:[/yellow] {tally.stopped}")
        raise typer.Exit(75)  # EX_TEMPFAIL: try again later


@app.command()
def analyse(engagement: Engagement) -> None:
    """Compute the standard metrics and store them as derived tables."""
    from flows.analyse import analyse_engagement

    rows = _run(analyse_engagement, engagement)
    console.print(f"{len(rows)} metric tables stored")


@app.command()
def report(engagement: Engagement) -> None:
    """Render the HTML report from the stored metrics."""
    from flows.report import export_report

    console.print(str(_run(export_report, engagement)))


@app.command()
def sql(
    engagement: Engagement,
    query: Annotated[str, typer.Argument(help="One read-only SELECT over the engagement's views.")],
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Query one engagement's views (posts, accounts, follows, interactions, metrics) read-only."""
    from lake.catalog import read_only_query

    with _one_line_errors():
        result = read_only_query(seula_home(), engagement, query)
        columns, rows = result.columns, result.fetchall()
    if format is Format.json:
        for row in rows:
            sys.stdout.write(json.dumps(dict(zip(columns, row)), default=str, ensure_ascii=False) + "\n")
    elif format is Format.csv:
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        table = Table(*columns)
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        console.print(table)


@app.command()
def engagements() -> None:
    """List the engagement files found and validate each; exits 1 if any is invalid."""
    table = Table("id", "client", "purpose", "period", "file", "status")
    bad = 0
    for path in config.discover():
        try:
            eng = config.load_file(path)
            table.add_row(eng.id, eng.client, eng.purpose.value, f"{eng.start} – {eng.end}", str(path), "[green]ok[/green]")
        except config.ConfigError as exc:
            bad += 1
            table.add_row("?", "", "", "", str(path), f"[red]{str(exc).removeprefix(str(path) + ': ')}[/red]")
    console.print(table)
    if bad:
        raise typer.Exit(1)


privacy_app = typer.Typer(help="The privacy layer's tools.", no_args_is_help=True)
app.add_typer(privacy_app, name="privacy")


@privacy_app.command("scan")
def privacy_scan(
    input: Annotated[Path, typer.Argument(help="JSON Lines (id, text, optional lang) or Parquet.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Findings as .jsonl or .parquet.")],
    names: Annotated[Path | None, typer.Option(help="Known person names, one per line (the PERSON gazetteer).")] = None,
) -> None:
    """Find personal data and political affiliation in texts, one finding per output line."""
    from privacy.analyzer import build_analyzer
    from privacy.detect import Detector
    from privacy.gazetteer import Gazetteer
    from privacy.scan import ScanInputError, read_records, scan, write_findings

    with _one_line_errors():
        try:
            records = read_records(input)
            gazetteer = Gazetteer.from_names(names.read_text(encoding="utf-8").splitlines() if names else [])
        except (ScanInputError, OSError) as exc:
            raise config.ConfigError(str(exc)) from None
        rows = scan(Detector(build_analyzer(gazetteer)), records)
        write_findings(rows, output)
    console.print(f"{len(rows)} findings in {len(records)} texts -> {output}")


@app.command()
def emulator(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0: any free one).")] = 8787,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic world.")] = 2026,
) -> None:
    """Serve the X API emulator until interrupted (for trying collections by hand)."""
    from collectors.x.emulator import XEmulator

    with XEmulator(seed=seed, port=port) as emu:
        console.print(f"X API emulator at {emu.base_url} (bearer token: seula-demo-token); Ctrl-C stops")
        try:
            import threading

            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    app()
