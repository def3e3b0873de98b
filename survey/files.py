"""Survey tools' exports, CSV or XLSX, as rows of text keyed by column header.

Survey tools (Webropol, Google Forms, SurveyMonkey, LimeSurvey, Microsoft Forms) export one
row per respondent: CSV with a byte-order mark and a comma, semicolon or tab, or XLSX.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException


class SurveyFileError(ValueError):
    """An export cannot be read; one line naming the file, never a respondent's data."""


def read_rows(path: Path) -> list[dict[str, str]]:
    """Every respondent's row (header → text; empty cells are "")."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _xlsx(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SurveyFileError(f"{path.name}: cannot read as UTF-8 text ({type(exc).__name__})") from None
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    return _keyed(path, rows)


def _xlsx(path: Path) -> list[dict[str, str]]:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, InvalidFileException, KeyError, ValueError) as exc:
        raise SurveyFileError(f"{path.name}: not a readable XLSX workbook ({type(exc).__name__})") from None
    sheet = book.worksheets[0]
    rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return _keyed(path, rows)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # XLSX keeps every number as a float: 4.0 was typed 4
    return str(value)


def _keyed(path: Path, rows: list[list[str]]) -> list[dict[str, str]]:
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise SurveyFileError(f"{path.name}: no header row")
    header = [h.strip() for h in rows[0]]
    if len(set(header)) != len(header):
        raise SurveyFileError(f"{path.name}: two columns have the same header")
    return [dict(zip(header, (c.strip() for c in r + [""] * (len(header) - len(r))))) for r in rows[1:]]
