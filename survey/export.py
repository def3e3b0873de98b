"""A survey's answers for the client, as CSV: identities only for respondents who consented to
their disclosure, and only when asked (the seed: "Vastaajan henkilötietoja voidaan luovuttaa
tilaajalle vastaajan tutkimuksen yhteydessä antamalla suostumuksella")."""

from __future__ import annotations

import csv
from pathlib import Path

from seula.survey.store import answers, contacts, definition, excluded

IDENTITY = ("name", "email", "phone")


def export(home: Path, survey_id: str, out: Path, with_identities: bool = False) -> tuple[Path, list[str]]:
    """Write ``<survey>-answers.csv`` into ``out``; returns it and the respondents identified in it."""
    survey = definition(home, survey_id)
    table = answers(home, survey_id)
    identified: dict[str, dict[str, str | None]] = {}
    if with_identities:
        out_of_it = excluded(home, survey_id)
        identified = {c["respondent"]: c for c in contacts(home, survey_id).to_pylist()
                      if c["consent_identity"] and c["respondent"] not in out_of_it}
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = out / f"{survey_id}-answers.csv"
    columns = ["respondent", *(IDENTITY if with_identities else ()), *(q.id for q in survey.questions)]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in table.to_pylist():
            who = identified.get(row["respondent"], {})
            writer.writerow([row["respondent"], *(who.get(k) for k in IDENTITY if with_identities),
                             *(_cell(row[q.id]) for q in survey.questions)])
    path.chmod(0o600)
    return path, sorted(identified)


def _cell(value: object) -> object:
    return "; ".join(value) if isinstance(value, list) else value
