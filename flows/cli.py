"""``seula``: the command line. Each command is a thin wrapper over a flow or library call."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
import contextlib
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

import seula.flows  # noqa: F401  (sets Prefect's offline defaults before Prefect is imported)
from seula.analysis.package import ExportRefused
from seula.collectors.http import CollectorError
from seula.flows import config, runner
from seula.flows.registers_cli import ERRORS as REGISTER_ERRORS
from seula.flows.registers_cli import customers_app, notice, ropa, survey_app
from seula.flows.runner import RunnerError
from seula.flows.runlog import configure as configure_logging
from seula.flows.server import ServerError, ready, start_temporary_server
from seula.lake.home import seula_home
from seula.lake.store import Lake, LakeError
from seula.privacy.candidates import CandidateRegisterError
from seula.privacy.keys import KeyMaterialError, rotations_file
from seula.rights.register import RequestError

app = typer.Typer(help="Seula: collect, sieve, store, analyse and report social-media data under the GDPR.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
console = Console(soft_wrap=True)  # paths and summaries stay on one line for scripts
err = Console(stderr=True, soft_wrap=True)
EXPECTED = (config.ConfigError, CollectorError, LakeError, KeyMaterialError, CandidateRegisterError,
            RequestError, ExportRefused, ServerError, RunnerError, *REGISTER_ERRORS)
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
        runner.chosen()
        ready()
        return fn(engagement, *args)


Engagement = Annotated[str, typer.Argument(help="Engagement id (its YAML file names it).")]


@app.command()
def demo() -> None:
    """Run the sample engagement end to end against the bundled X and Graph API emulators (no network, no credentials)."""
    start_temporary_server()  # it starts up while the demo imports the privacy stack
    from seula.flows.demo import SAMPLE, run_demo

    result = _run(lambda _: run_demo(console), SAMPLE)
    console.print(f"Report: {result.report}")
    console.print(result.summary_line())


Emulate = Annotated[bool, typer.Option(
    "--emulate", help="Collect from the bundled X and Graph API emulators (synthetic data, no credentials): "
                      "try an engagement file before spending API budget.")]


@contextmanager
def _platforms(emulate: bool, x_base_url: str | None, fb_base_url: str | None) -> Iterator[tuple[str | None, str | None]]:
    """The base URLs to send requests to: the platforms', given ones, or emulators started for this command."""
    if emulate and (x_base_url or fb_base_url):
        err.print("[red]error:[/red] --emulate starts its own emulators: leave out --x-base-url and --fb-base-url")
        raise typer.Exit(1)
    if not emulate:
        yield x_base_url, fb_base_url
        return
    from seula.flows.demo import emulated

    with emulated() as urls:
        yield urls


@app.command()
def collect(
    engagement: Engagement,
    emulate: Emulate = False,
    x_base_url: Annotated[str | None, typer.Option(help="Send X API requests here instead (an emulator).")] = None,
    fb_base_url: Annotated[str | None, typer.Option(help="Send Graph API requests here instead (an emulator).")] = None,
) -> None:
    """Collect what the engagement's config asks for, from where the last run stopped."""
    if runner.in_other_processes():  # their tasks report to this command's server, started before Prefect is imported
        start_temporary_server()
    from seula.flows.collect import collect_engagement, preflight
    from seula.flows.ui import collection_progress

    with _platforms(emulate, x_base_url, fb_base_url) as (x_url, fb_url), collection_progress(console):
        _run(lambda e: preflight(config.load(e), x_url, fb_url), engagement)  # before Prefect starts
        tally = _run(collect_engagement, engagement, x_url, fb_url)
    console.print(tally.added())
    if tally.stopped:
        err.print(f"[yellow]stopped early:[/yellow] {tally.stopped}")
        raise typer.Exit(75)  # EX_TEMPFAIL: try again later


@app.command()
def compliance(
    engagement: Engagement,
    emulate: Emulate = False,
    x_base_url: Annotated[str | None, typer.Option(help="Send X API requests here instead (an emulator).")] = None,
    fb_base_url: Annotated[str | None, typer.Option(help="Send Graph API requests here instead (an emulator).")] = None,
) -> None:
    """Ask the platforms which stored posts and accounts they deleted or withdrew; remove them everywhere."""
    from seula.flows.compliance import compliance_sweep

    with _platforms(emulate, x_base_url, fb_base_url) as (x_url, fb_url):
        sweep = _run(compliance_sweep, engagement, x_url, fb_url)
    gone = ", ".join(f"{n} {table}" for table, n in sorted(sweep.removed.items()) if n) or "nothing"
    checked = ", ".join(f"{n} {kind}" for kind, n in sweep.checked.items()) or "nothing stored"
    console.print(f"checked {checked}: {sweep.withdrawn} withdrawn by the platforms; removed {gone}")
    if sweep.stopped:
        err.print(f"[yellow]stopped early:[/yellow] {sweep.stopped}")
        raise typer.Exit(75)  # EX_TEMPFAIL: try again later


@app.command("import")
def import_(
    engagement: Engagement,
    files: Annotated[list[Path], typer.Argument(
        help="twarc2 JSON Lines archives (one API response page per line), or Seula archive folders (`seula archive`).")],
) -> None:
    """Import archives through the privacy sieve into the lake; importing twice adds nothing."""
    if runner.in_other_processes():  # their tasks report to this command's server, started before Prefect is imported
        start_temporary_server()
    from seula.flows.archive import import_archive
    from seula.flows.importer import import_archives
    from seula.lake.archive import is_archive

    seula = [f for f in files if is_archive(f)]
    twarc = [f for f in files if not is_archive(f)]
    for folder in seula:
        tally = _run(import_archive, engagement, folder)
        console.print(f"{folder}: {tally.added()}")
    if not twarc:
        return
    result = _run(import_archives, engagement, twarc)
    console.print(f"{result.pages} pages: {result.tally.added()}")
    if result.withdrawn:
        gone = ", ".join(f"{n} {table}" for table, n in sorted(result.removed.items()) if n) or "none of them stored"
        console.print(f"{result.withdrawn} items withdrawn by the platform: removed {gone}")
    for line in result.refused:
        err.print(f"[red]refused[/red] {escape(line)}")
    for line in result.rejected:
        err.print(f"[red]rejected[/red] {escape(line)}")
    if result.rejected or result.refused:
        raise typer.Exit(1)


@app.command()
def archive(
    engagement: Engagement,
    output: Annotated[Path, typer.Option("--output", "-o", help="A new, empty folder for the archive.")],
) -> None:
    """Write the engagement's sieved tables as a Seula archive (for `seula import` on another machine)."""
    from seula.flows.archive import archive_engagement

    files = _run(archive_engagement, engagement, output)
    console.print(f"{len(files)} files written to {output} (recorded in the export log)")


@app.command()
def analyse(engagement: Engagement) -> None:
    """Compute the standard metrics and store them as derived tables."""
    from seula.flows.analyse import analyse_engagement

    rows = _run(analyse_engagement, engagement)
    console.print(f"{len(rows)} metric tables stored")


@app.command()
def report(
    engagement: Engagement,
    format: Annotated[str, typer.Option("--format", help="Comma-separated: html, pdf, csv, parquet, xlsx, gexf, graphml.")] = "html",
    recipient: Annotated[list[str] | None, typer.Option(help="Who receives it (export log, Art. 19); default: the config's.")] = None,
    lang: Annotated[str | None, typer.Option(help="fi or en (default: the config's).")] = None,
) -> None:
    """Apply requests, recompute the metrics, and write the report and/or data package."""
    from seula.flows.report import export_report

    formats = [f.strip() for f in format.split(",") if f.strip()]
    unknown = set(formats) - {"html", "pdf", "csv", "parquet", "xlsx", "gexf", "graphml"}
    if unknown or (lang and lang not in ("fi", "en")):
        err.print(f"[red]error:[/red] unknown format or language: {', '.join(sorted(unknown)) or lang}")
        raise typer.Exit(1)
    console.print(str(_run(export_report, engagement, formats, recipient, lang)))


from seula.flows import sql_cli  # noqa: E402  (seula sql, tables, schema; it imports this module lazily)

app.command(cls=sql_cli.SqlCommand)(sql_cli.sql)  # -p NAME VALUE
app.command()(sql_cli.tables)
app.command()(sql_cli.schema)


@app.command()
def engagements() -> None:
    """List the engagement files found and validate each; exits 1 if any is invalid."""
    table = Table("id", "client", "purpose", "period", "file", "status")
    problems: list[str] = []
    for path in config.discover():
        try:
            eng = config.load_file(path)
            table.add_row(eng.id, eng.client, eng.purpose.value, f"{eng.start} – {eng.end}", str(path), "[green]ok[/green]")
        except config.ConfigError as exc:
            found = [p.removeprefix(f"{path}: ") for p in exc.problems]
            table.add_row(config.expected_id(path), "", "", "", str(path), f"[red]{len(found)} error(s)[/red]")
            problems += [f"{path}: {p}" for p in found]
    console.print(table)
    for line in problems:  # each error of each file on a line of its own: file, field, problem
        err.print(f"[red]error:[/red] {escape(line)}", highlight=False)
    if problems:
        raise typer.Exit(1)


def _version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        console.print(f"seula {version('seula')}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print Seula's version and exit.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v",
                                          help="Also show Prefect's log lines (they always go to the log file).")] = False,
) -> None:
    """Seula: collect, sieve, store, analyse and report social-media data under the GDPR."""
    # Read by Prefect when a command first imports it, after this.
    if verbose:
        os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "INFO"
    else:
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")


app.add_typer(survey_app, name="survey")
app.add_typer(customers_app, name="customers")
app.command()(notice)
app.command()(ropa)

requests_app = typer.Typer(help="The data-subject requests register (GDPR Art. 12–21).", no_args_is_help=True)
app.add_typer(requests_app, name="requests")


def _register():  # type: ignore[no-untyped-def]
    from seula.rights.store import register

    return register(seula_home())


def _request_line(r) -> list[str]:  # type: ignore[no-untyped-def]
    who = r.identity.describe() if r.identity else f"(closed; {r.identity_hash[:12]}…)"
    state = r.status + ("" if r.verified else ", unverified") + (", lifted" if r.lifted else "")
    return [r.id, r.type, who, r.received, str(r.due), state]


@requests_app.command("add")
def requests_add(
    type: Annotated[str, typer.Option("--type", help="access, rectification, erasure, restriction or objection")],
    platform: Annotated[str | None, typer.Option(help="x, facebook, …")] = None,
    handle: Annotated[str | None, typer.Option(help="@name on the platform")] = None,
    user_id: Annotated[str | None, typer.Option("--user-id", help="the platform's permanent user id")] = None,
    email: Annotated[str | None, typer.Option(help="for the survey and customer registers")] = None,
    phone: Annotated[str | None, typer.Option(help="for the survey and customer registers")] = None,
    name: Annotated[str | None, typer.Option(help="for the survey and customer registers (full name)")] = None,
    received: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default today)")] = None,
    note: Annotated[str | None, typer.Option()] = None,
    field: Annotated[str | None, typer.Option(help="rectification: description, display_name, location (a platform "
                                              "profile); name, email, phone, address, position, organisation (the "
                                              "survey and customer registers)")] = None,
    value: Annotated[str | None, typer.Option(help="rectification: the corrected value")] = None,
) -> None:
    """Record a request; its answer falls due one month after it was received. A restriction
    applies at once, before verification (Art. 18 precaution)."""
    from datetime import date

    from seula.rights.register import Identity

    with _one_line_errors():
        try:
            day = date.fromisoformat(received) if received else None
        except ValueError:
            raise RequestError(f"--received {received!r}: use YYYY-MM-DD") from None
        rectification = {"field": field or "", "value": value or ""} if (field or value or type == "rectification") else None
        r = _register().add(type, Identity(platform, handle, user_id, email, phone, name), day, note, rectification)
        if r.type == "restriction":
            from seula.flows.rights import restrict_now

            restrict_now()
    console.print(f"{r.id} recorded: {r.type}, due {r.due}" + ("" if r.type == "restriction" else "; verify identity before it is carried out"))


@requests_app.command("list")
def requests_list(
    open_only: Annotated[bool, typer.Option("--open", help="only requests not closed")] = False,
    due: Annotated[bool, typer.Option("--due", help="only overdue and due within 7 days, most urgent first")] = False,
) -> None:
    """List requests; exits 1 when any is overdue, so a scheduled check can alert."""
    with _one_line_errors():
        reg = _register()
        overdue, soon = reg.due_list()
        rows = overdue + soon if due else [r for r in reg.load() if not open_only or r.status != "closed"]
    table = Table("id", "type", "concerns", "received", "due", "state")
    for r in rows:
        table.add_row(*_request_line(r), style="red" if r in overdue else None)
    console.print(table)
    if overdue:
        err.print(f"[red]{len(overdue)} request(s) overdue:[/red] {', '.join(r.id for r in overdue)}")
        raise typer.Exit(1)


@requests_app.command("show")
def requests_show(request_id: str) -> None:
    """A request with its audit trail."""
    with _one_line_errors():
        _, r = _register().get(request_id)
    console.print(" | ".join(_request_line(r)))
    if r.verification:
        console.print(f"verified: {r.verification['method']} at {r.verification['at']}")
    for entry in r.audit:
        console.print(f"  {entry['at']}  {entry['action']}  {entry['detail']}")


@requests_app.command("verify")
def requests_verify(
    request_id: str,
    method: Annotated[str, typer.Option(help="how identity was checked: platform-message, signed-email, id-document, "
                                             "in-person, customer-account or other")],
) -> None:
    """Record the identity verification; verified requests are carried out on the next run."""
    with _one_line_errors():
        r = _register().verify(request_id, method)
    console.print(f"{r.id} verified")


@requests_app.command("extend")
def requests_extend(
    request_id: str,
    months: Annotated[int, typer.Option(help="1 or 2 (at most two in all, Art. 12(3))")],
    reason: Annotated[str, typer.Option()],
) -> None:
    """Extend the deadline (the person must be told within the first month)."""
    with _one_line_errors():
        r = _register().extend(request_id, months, reason)
    console.print(f"{r.id} now due {r.due}")


@requests_app.command("close")
def requests_close(request_id: str, outcome: Annotated[str, typer.Option()] = "answered") -> None:
    """Close a request; its identity is replaced by a keyed hash."""
    from seula.flows.rights import close_request

    with _one_line_errors():
        r = close_request(request_id, outcome)
    console.print(f"{r.id} closed")


@requests_app.command("lift")
def requests_lift(request_id: str) -> None:
    """Lift a restriction: the person's data return to analyses at once."""
    from seula.flows.rights import restrict_now

    with _one_line_errors():
        r = _register().lift(request_id)
        restrict_now()
    console.print(f"{r.id} lifted")


@requests_app.command("apply")
def requests_apply() -> None:
    """Apply verified requests now (analyses and exports also do this first, every time)."""
    from seula.flows.rights import apply_requests

    with _one_line_errors():
        done = apply_requests()
    console.print(", ".join(f"{v} {k}" for k, v in done.items()))


@requests_app.command("export")
def requests_export(
    request_id: str, output: Annotated[Path, typer.Option("--output", "-o", help="folder for the package")],
) -> None:
    """Art. 15 access: everything stored about the person, with the notice information."""
    from seula.flows.rights import export_access

    with _one_line_errors():
        path = export_access(request_id, output)
    console.print(str(path))


keys_app = typer.Typer(help="The master key pseudonyms are made with.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("init")
def keys_init() -> None:
    """Create a random master key file (0600, in a 0700 folder); an existing one is never replaced."""
    from seula.privacy.keys import create_key_file, key_file

    with _one_line_errors():
        path = key_file(seula_home())
        create_key_file(path)
    console.print(f"master key written to {path}: back it up; without it no pseudonym can be matched again")


@keys_app.command("rotate")
def keys_rotate(engagement: Engagement) -> None:
    """Re-key every stored pseudonym of an engagement at once (exports made before cannot be matched after)."""
    from seula.rights.rotation import rotate

    with _one_line_errors():
        if engagement not in Lake(seula_home()).engagements():
            raise LakeError(f"engagement {engagement!r} has no data yet: nothing to re-key")
        files = rotate(seula_home(), engagement)
    console.print(f"{engagement}: {files} files re-keyed; back up {rotations_file(seula_home(), engagement)} with the master key")


privacy_app = typer.Typer(help="The privacy layer's tools.", no_args_is_help=True)
app.add_typer(privacy_app, name="privacy")


@privacy_app.command("scan")
def privacy_scan(
    input: Annotated[Path, typer.Argument(help="JSON Lines (id, text, optional lang) or Parquet.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Findings as .jsonl or .parquet.")],
    names: Annotated[Path | None, typer.Option(help="Known person names, one per line (the PERSON gazetteer).")] = None,
) -> None:
    """Find personal data and political affiliation in texts, one finding per output line."""
    from seula.privacy.analyzer import build_analyzer
    from seula.privacy.detect import Detector
    from seula.privacy.gazetteer import Gazetteer
    from seula.privacy.scan import ScanInputError, read_records, scan, write_findings

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
def deploy(
    pool: Annotated[str, typer.Option(help="The Prefect work pool (a process pool, created if missing).")] = "seula-local",
    x_base_url: Annotated[str | None, typer.Option(help="Scheduled collections send X requests here (an emulator).")] = None,
    fb_base_url: Annotated[str | None, typer.Option(help="Scheduled collections send Graph API requests here (an emulator).")] = None,
    requests_cron: Annotated[str, typer.Option(help="When data-subject requests are applied (Helsinki time).")] = "0 5 * * *",
    retention_cron: Annotated[str, typer.Option(help="When the retention rules are enforced (Helsinki time).")] = "30 4 * * *",
    dry_run: Annotated[bool, typer.Option(help="List what would be deployed; change nothing.")] = False,
) -> None:
    """Create or update the Prefect deployments from each engagement's `schedule:` (needs a Prefect server)."""
    from seula.flows.deploy import check, deploy, plan

    with _one_line_errors():
        planned = plan([config.load_file(path) for path in config.discover()], x_base_url, fb_base_url,
                       requests_cron, retention_cron)
        check(planned)
        if dry_run:
            table = Table("deployment", "flow", "cron", "time zone", "parameters")
            for p in planned:
                table.add_row(p.name, p.entrypoint, p.cron, p.timezone, json.dumps(p.parameters))
            console.print(table)
            return
        if not os.environ.get("PREFECT_API_URL"):
            raise config.ConfigError("no Prefect server: set PREFECT_API_URL (e.g. `prefect server start`, then "
                                     "PREFECT_API_URL=http://127.0.0.1:4200/api)")
        names = deploy(planned, pool)
    console.print(f"{len(names)} deployments on work pool {pool!r}: {', '.join(names)}")
    console.print(f"run them with: prefect worker start --pool {pool}")


@app.command()
def emulator(
    x_port: Annotated[int, typer.Option(help="X API emulator's port on 127.0.0.1 (0: any free one).")] = 8787,
    fb_port: Annotated[int, typer.Option(help="Graph API emulator's port on 127.0.0.1 (0: any free one).")] = 8788,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic worlds.")] = 2026,
) -> None:
    """Serve the X and Graph API emulators until interrupted (for trying collections by hand)."""
    import threading

    from seula.flows.demo import emulated

    try:
        with emulated(x_port, fb_port, seed) as (x_url, fb_url):
            console.print(f"X API emulator at {x_url} (bearer token: seula-demo-token)")
            console.print(f"Graph API emulator at {fb_url} (access token: seula-demo-fb-token)")
            console.print(f"seula collect ENGAGEMENT --x-base-url {x_url} --fb-base-url {fb_url}; Ctrl-C stops")
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
    except OSError as exc:  # a port in use: the emulators never started
        err.print(f"[red]error:[/red] cannot listen on port {x_port} or {fb_port} ({exc.strerror}): "
                  "--x-port 0 --fb-port 0 pick free ones", highlight=False)
        raise typer.Exit(1) from None


if __name__ == "__main__":
    app()
