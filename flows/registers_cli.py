"""``seula survey …``, ``seula customers …``, ``seula notice`` and ``seula ropa``: the registers'
commands and their paperwork, thin wrappers over ``survey/``, ``customers/`` and ``paperwork/``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from seula.customers.contact import CustomersError
from seula.lake.home import seula_home
from seula.paperwork.registers import RegistersError
from seula.survey.files import SurveyFileError
from seula.survey.mapping import MappingError, SurveyError

ERRORS = (MappingError, SurveyError, SurveyFileError, CustomersError, RegistersError)
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
survey_app = typer.Typer(help="The survey participants register: answers apart from contacts, protected tables.",
                         no_args_is_help=True)
SurveyId = Annotated[str, typer.Argument(help="The survey's id (its mapping names it).")]


@survey_app.command("import")
def survey_import(
    survey_id: SurveyId,
    file: Annotated[Path, typer.Argument(help="The survey tool's export: CSV or XLSX, one row per respondent.")],
    mapping_file: Annotated[Path | None, typer.Option("--mapping", help="YAML: contact, answer and consent columns "
                                                      "(needed the first time; later imports reuse it).")] = None,
) -> None:
    """Import respondents: contacts kept apart from answers, free text through the sieve."""
    from seula.flows.cli import _one_line_errors
    from seula.rights.store import suppression
    from seula.survey import mapping, store

    with _one_line_errors():
        survey = mapping.load(mapping_file) if mapping_file else store.definition(seula_home(), survey_id)
        if survey.survey != survey_id:
            raise SurveyError(f"the mapping is for survey {survey.survey!r}, not {survey_id!r}")
        result = store.import_file(seula_home(), survey, file, store.sieve_for(seula_home(), survey_id),
                                   suppression(seula_home()).erased_contact)
    for line in result.rejected:
        err.print(f"rejected {line}", highlight=False)
    console.print(f"{survey_id}: {result.rows} row(s) read, {result.new} new respondent(s)"
                  + (f", {result.erased} erased earlier left out" if result.erased else "")
                  + ("" if result.new else ": nothing new"))
    if result.rejected:
        raise typer.Exit(1)


@survey_app.command("list")
def survey_list() -> None:
    """The surveys held, with their respondents and the day their data are deleted."""
    from seula.flows.cli import _one_line_errors
    from seula.survey import store

    table = Table("survey", "client", "respondents", "kept until", "contacts from")
    with _one_line_errors():
        for s in store.surveys(seula_home()):
            d = store.definition(seula_home(), s)
            table.add_row(s, d.client, str(store.contacts(seula_home(), s).num_rows), str(d.retention_until),
                          d.contact_source)
    console.print(table)


@survey_app.command("export")
def survey_export(
    survey_id: SurveyId,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the CSV.")],
    with_identities: Annotated[bool, typer.Option("--with-identities",
                                                  help="Name, e-mail and phone of the respondents who consented.")] = False,
) -> None:
    """The answers for the client; identities only of consenting respondents, only when asked. Logged."""
    from seula.flows.cli import _one_line_errors
    from seula.lake.exports import ExportLog
    from seula.rights.register import person_ref
    from seula.rights.store import checked_rights_key
    from seula.survey import export, store

    with _one_line_errors():
        home = seula_home()
        path, identified = export.export(home, survey_id, output, with_identities)
        key = checked_rights_key(home)
        client = store.definition(home, survey_id).client
        ExportLog(home).record(f"survey/{survey_id}", [client], [path],
                               [person_ref(key, f"survey/{survey_id}", p) for p in identified])
    console.print(f"{path} ({len(identified)} respondent(s) identified)")


@survey_app.command("raffle")
def survey_raffle(
    survey_id: SurveyId,
    winners: Annotated[int, typer.Option(help="How many to draw.")] = 1,
    seed: Annotated[int | None, typer.Option(help="The draw's seed: the same seed draws the same winners.")] = None,
    close: Annotated[bool, typer.Option("--close", help="Close the raffle: delete who entered and who won.")] = False,
) -> None:
    """Draw winners among the respondents who entered the raffle (reproducibly, logged), or close it."""
    from seula.flows.cli import _one_line_errors
    from seula.survey import raffle

    with _one_line_errors():
        if close:
            n = raffle.close(seula_home(), survey_id)
            console.print(f"{survey_id}: raffle closed, {n} entr(y/ies) deleted")
            return
        if seed is None:
            raise SurveyError("--seed is required: write it down, the same seed draws the same winners")
        drawn = raffle.draw(seula_home(), survey_id, winners, seed)
    table = Table("respondent", "name", "email", "phone")
    for w in drawn:
        table.add_row(w["respondent"], w["name"] or "", w["email"] or "", w["phone"] or "")
    console.print(table)


customers_app = typer.Typer(help="The customer and marketing register: contacts, relationship, consent.",
                            no_args_is_help=True)


@customers_app.command("import")
def customers_import(file: Annotated[Path, typer.Argument(help="A Pipedrive person export (CSV).")]) -> None:
    """Import contacts from a CRM's person export; importing twice changes nothing."""
    from seula.customers import store
    from seula.flows.cli import _one_line_errors
    from seula.rights.store import suppression

    with _one_line_errors():
        got = store.import_file(seula_home(), file, erased=suppression(seula_home()).erased_contact)
    console.print(f"{got.rows} person(s): {got.new} new, {got.updated} updated, {got.unchanged} unchanged"
                  + (f", {got.restricted} restricted left as they are" if got.restricted else "")
                  + (f", {got.erased} erased earlier left out" if got.erased else ""))


@customers_app.command("list")
def customers_list(
    all_: Annotated[bool, typer.Option("--all", help="Restricted contacts too.")] = False,
    marketing: Annotated[bool, typer.Option("--marketing", help="Only those marketing may reach.")] = False,
) -> None:
    """The contacts (restricted ones only with --all)."""
    from seula.customers import store
    from seula.flows.cli import _one_line_errors

    table = Table("id", "name", "organisation", "relationship", "marketing", "last contact")
    with _one_line_errors():
        for c in store.listing(seula_home(), include_restricted=all_, marketing=marketing):
            table.add_row(c.id, c.name, c.organisation, c.relationship, "yes" if c.marketing_consent else "no",
                          str(c.last_contact), style="dim" if c.restricted else None)
    console.print(table)


@customers_app.command("show")
def customers_show(contact_id: str) -> None:
    """Everything held about one contact, and until when marketing data are kept."""
    from seula.customers import store
    from seula.flows.cli import _one_line_errors

    with _one_line_errors():
        contact = store.get(seula_home(), contact_id)
        until = store.marketing_kept_until(contact)
    for key, value in contact.model_dump(mode="json").items():
        console.print(f"{key}: {', '.join(value) if isinstance(value, list) else value}", highlight=False)
    console.print(f"marketing data kept until: {until}")


@customers_app.command("edit")
def customers_edit(
    contact_id: str,
    changes: Annotated[list[str], typer.Option("--set", help="FIELD=VALUE (repeatable), e.g. --set position=CEO; "
                                               "lists (emails, phones) comma-separated")],
) -> None:
    """Change a contact's fields (name, position, organisation, phones, emails, address, relationship,
    relationship_ended, notes, marketing_consent, last_contact)."""
    from seula.customers import store
    from seula.customers.contact import CustomersError
    from seula.flows.cli import _one_line_errors

    with _one_line_errors():
        fields = {}
        for change in changes:
            name, sep, value = change.partition("=")
            if not sep:
                raise CustomersError(f"--set {name!r}: write FIELD=VALUE")
            fields[name.strip()] = value
        contact = store.edit(seula_home(), contact_id, **fields)
    console.print(f"{contact.id} changed: {', '.join(fields)}")


@survey_app.command("table")
def survey_table(
    survey_id: SurveyId,
    rows: Annotated[str, typer.Option("--rows", help="The question whose answers make the rows.")],
    cols: Annotated[str | None, typer.Option("--cols", help="A second question (a cross-table), or a number "
                                             "(its means by the rows).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv, xlsx or html")] = "csv",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (csv and html print "
                                                "without one).")] = None,
    min_cell: Annotated[int | None, typer.Option("--min-cell", help="Fewest respondents a published cell may "
                                                 "count (default: the survey's, 10 unless it says more).")] = None,
) -> None:
    """Frequencies, cross-tables and means with disclosure control: no cell below --min-cell, and
    no hidden cell recomputable from the margins (checked by linear programming before writing)."""
    from seula.flows.cli import _one_line_errors
    from seula.survey import tables

    from seula.analysis.sdc import DisclosureError

    with _one_line_errors():
        try:
            text = tables.write(tables.table(seula_home(), survey_id, rows, cols, min_cell), fmt, output)
        except DisclosureError as exc:  # the table engine's refusals are the command's one-line errors too
            raise SurveyError(str(exc)) from None
    if text is not None:
        print(text, end="" if text.endswith("\n") else "\n")
    else:
        console.print(str(output))


def notice(
    register: Annotated[str, typer.Argument(help="research, survey or customers")],
    lang: Annotated[str, typer.Option(help="fi or en")] = "fi",
    fmt: Annotated[str, typer.Option("--format", help="md or html")] = "md",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (printed without one).")] = None,
) -> None:
    """A register's privacy notice (tietosuojaseloste), from registers.yaml."""
    from seula.flows.cli import _one_line_errors
    from seula.lake.files import write_text_atomic
    from seula.paperwork.notice import render_notice
    from seula.paperwork.registers import load, registers_file

    with _one_line_errors():
        text = render_notice(load(registers_file(seula_home())), register, lang, fmt)
    if output is None:
        print(text, end="" if text.endswith("\n") else "\n")
    else:
        write_text_atomic(text, output)
        console.print(str(output))


def ropa(
    output: Annotated[Path, typer.Option("--output", "-o", help="The file to write (.xlsx or .md).")],
    fmt: Annotated[str | None, typer.Option("--format", help="xlsx or md (default: from the file name)")] = None,
    lang: Annotated[str, typer.Option(help="fi or en")] = "fi",
) -> None:
    """The record of processing activities (GDPR Art. 30(1)): every register and every engagement."""
    from seula.flows import config
    from seula.flows.cli import _one_line_errors
    from seula.paperwork.registers import load, registers_file
    from seula.paperwork.ropa import ropa_rows, write_ropa

    with _one_line_errors():
        engagements = [config.load_file(p).model_dump(mode="json") for p in config.discover()]
        rows = ropa_rows(load(registers_file(seula_home())), engagements, lang)
        path = write_ropa(rows, output, fmt or output.suffix.lstrip(".").lower())
    console.print(f"{path}: {len(rows)} processing activit{'y' if len(rows) == 1 else 'ies'}")
