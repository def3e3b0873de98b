"""``seula sql``, ``seula tables`` and ``seula schema``: read-only SQL over one engagement's
tables, shaped like the tools analysts know (sqlite-utils, DuckDB's CLI). Thin wrappers over
``lake.catalog`` (``read_only_query``, ``tables``, ``table_schema``); registered in ``flows/cli.py``.

Output is a table on a terminal and CSV when piped; ``--csv``, ``--json`` (one array of
objects), ``--nl`` (JSON Lines) or ``--table`` choose. A query's rows stop at ``--limit``
(1000 by default, 0 for all), with a line on stderr when there were more.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from typer.core import TyperCommand

from seula.lake.home import seula_home

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
DEFAULT_LIMIT = 1000
_PAIR = "\x00"  # between a parameter's name and value once ``SqlCommand`` has read them


class SqlCommand(TyperCommand):
    """Reads ``-p NAME VALUE`` as two words, as sqlite-utils does (Typer cannot declare a
    repeatable option of two values): each pair reaches ``sql`` as one value."""

    def parse_args(self, ctx: typer.Context, args: list[str]) -> list[str]:
        words, i = [], 0
        while i < len(args):
            if args[i] == "--":
                words += args[i:]
                break
            if args[i] in ("-p", "--param") and i + 2 < len(args):
                words += [args[i], args[i + 1] + _PAIR + args[i + 2]]
                i += 3
                continue
            words.append(args[i])
            i += 1
        return super().parse_args(ctx, words)


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    nl = "nl"


Engagement = Annotated[str, typer.Argument(help="Engagement id (its YAML file names it).")]
AsCsv = Annotated[bool, typer.Option("--csv", help="CSV with a header line (the default when piped).")]
AsJson = Annotated[bool, typer.Option("--json", help="One JSON array of objects.")]
AsNl = Annotated[bool, typer.Option("--nl", help="JSON Lines: one object per line.")]
AsTable = Annotated[bool, typer.Option("--table", help="A table (the default on a terminal).")]
FormatOption = Annotated[Format | None, typer.Option("--format", "-f", help="Same as --table, --csv, --json or --nl.")]


def _checked(engagement: str) -> str:
    """An engagement with no data is either unknown (no file names it) or not collected yet."""
    from seula.flows import config
    from seula.lake.store import Lake, check_name

    check_name("engagement", engagement)
    if engagement not in Lake(seula_home()).engagements():
        config.find(engagement)  # "unknown engagement …" when no engagement file names it
    return engagement  # known: the lake says "no data yet" if it has none


def _format(flags: dict[Format, bool], chosen: Format | None) -> Format:
    asked = {f for f, on in flags.items() if on} | ({chosen} if chosen else set())
    if len(asked) > 1:
        from seula.flows.config import ConfigError

        raise ConfigError(f"choose one output format, not {' and '.join(sorted(f.value for f in asked))}")
    if asked:
        return asked.pop()
    return Format.table if sys.stdout.isatty() else Format.csv


def _params(pairs: list[str]) -> dict[str, object]:
    from seula.flows.config import ConfigError

    if any(_PAIR not in p for p in pairs):
        raise ConfigError("-p takes a name and a value: -p NAME VALUE")
    return dict(p.split(_PAIR, 1) for p in pairs)


def _json_value(v: object) -> object:
    if isinstance(v, (datetime, date, time)):
        return v.isoformat()
    if isinstance(v, Decimal):  # DuckDB's HUGEINT sums arrive as whole decimals
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, float) and not math.isfinite(v):
        return None  # NaN and infinities are not JSON
    if isinstance(v, (list, tuple)):
        return [_json_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _json_value(x) for k, x in v.items()}
    if isinstance(v, bytes):
        return v.hex()
    if v is None or isinstance(v, (str, int, float, bool)):
        return v
    return str(v)


def _text(v: object) -> str:
    """One cell of CSV or of the table: nested values as JSON, nothing for null."""
    v = _json_value(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def emit(columns: Sequence[str], rows: Iterable[Sequence[object]], fmt: Format) -> None:
    """Write rows in one format to stdout, as they come (only the table waits for all)."""
    out = sys.stdout
    if fmt is Format.table:
        table = Table()
        for c in columns:
            table.add_column(Text(c))  # Text: a name or value is never read as rich markup
        for row in rows:
            table.add_row(*(Text(_text(v)) for v in row))
        console.print(table)
    elif fmt is Format.csv:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([_text(v) for v in row] for row in rows)
    elif fmt is Format.nl:
        for row in rows:
            out.write(json.dumps({c: _json_value(v) for c, v in zip(columns, row)}, ensure_ascii=False) + "\n")
    else:
        out.write("[")
        for i, row in enumerate(rows):
            out.write(("," if i else "") + "\n" + json.dumps({c: _json_value(v) for c, v in zip(columns, row)}, ensure_ascii=False))
        out.write("\n]\n")
    out.flush()


def sql(
    engagement: Engagement,
    query: Annotated[str, typer.Argument(help="One read-only SELECT over the engagement's tables (`seula tables`).")],
    param: Annotated[list[str] | None, typer.Option(
        "--param", "-p", metavar="NAME VALUE", help="Bind $NAME in the query to VALUE (repeatable).")] = None,
    limit: Annotated[int, typer.Option(min=0, help="At most this many rows; 0 for all.")] = DEFAULT_LIMIT,
    as_csv: AsCsv = False, as_json: AsJson = False, as_nl: AsNl = False, as_table: AsTable = False,
    format: FormatOption = None,
) -> None:
    """Query one engagement's tables (posts, accounts, follows, interactions, m_* metrics) read-only."""
    from seula.flows.cli import _one_line_errors
    from seula.lake.catalog import read_only_query, rows

    with _one_line_errors():
        fmt = _format({Format.csv: as_csv, Format.json: as_json, Format.nl: as_nl, Format.table: as_table}, format)
        relation = read_only_query(seula_home(), _checked(engagement), query, _params(param or []))
        more = False

        def capped() -> Iterator[tuple[object, ...]]:
            nonlocal more
            for i, row in enumerate(rows(relation.limit(limit + 1) if limit else relation)):
                if limit and i == limit:
                    more = True
                    return
                yield row

        emit(relation.columns, capped(), fmt)
    if more:
        err.print(f"showing the first {limit} rows of more than {limit} (--limit N for more, --limit 0 for all)",
                  highlight=False)


def tables(
    engagement: Engagement,
    counts: Annotated[bool, typer.Option("--counts", help="Each table's rows, as a query sees them.")] = False,
    as_csv: AsCsv = False, as_json: AsJson = False, as_nl: AsNl = False, as_table: AsTable = False,
    format: FormatOption = None,
) -> None:
    """The tables `seula sql` can query for this engagement (restricted people's rows never count)."""
    from seula.flows.cli import _one_line_errors
    from seula.lake import catalog

    with _one_line_errors():
        fmt = _format({Format.csv: as_csv, Format.json: as_json, Format.nl: as_nl, Format.table: as_table}, format)
        found = catalog.tables(seula_home(), _checked(engagement), counts)
    emit(["table", "rows"] if counts else ["table"], ([t, n] if counts else [t] for t, n in found.items()), fmt)


def schema(
    engagement: Engagement,
    table: Annotated[str | None, typer.Argument(help="One table (default: every table).")] = None,
    as_csv: AsCsv = False, as_json: AsJson = False, as_nl: AsNl = False, as_table: AsTable = False,
    format: FormatOption = None,
) -> None:
    """The columns and their types, of every table `seula sql` can query or of one."""
    from seula.flows.cli import _one_line_errors
    from seula.lake.catalog import table_schema

    with _one_line_errors():
        fmt = _format({Format.csv: as_csv, Format.json: as_json, Format.nl: as_nl, Format.table: as_table}, format)
        found = table_schema(seula_home(), _checked(engagement), table)
    emit(["table", "column", "type"], ([t, c, k] for t, columns in found.items() for c, k in columns), fmt)
