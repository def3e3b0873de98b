"""``seula archive`` and the import of Seula's own archives (``seula import`` of a folder).

An archive holds the engagement's sieved tables. Importing one goes through what a
collection goes through after the sieve: people erased since the archive was made are
left out before anything is written, objections made since are honoured, stored texts are
re-sieved with every name now known, findings are derived again; appends are keyed, so
importing twice (or into the lake it came from) adds nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from seula.flows import config
from seula.flows.collect import Pipeline, Tally, derive_findings, resieve_stored_text
from seula.lake import archive, schema
from seula.lake.catalog import refresh_catalog
from seula.lake.exports import ExportLog
from seula.lake.home import seula_home
from seula.lake.store import Lake
from seula.lake.subjects import Subjects, blank_clear_identity, without
from seula.privacy.sieve import resieve_text
from seula.rights.register import person_ref
from seula.privacy.keys import engagement_key, master_secret, rotations
from seula.privacy.pseudonyms import rekey
from seula.rights.store import checked_rights_key, suppression


def key_check(engagement_id: str) -> str:
    """A value that shows whether two installations key this engagement's pseudonyms alike
    (the same master secret, and the same rotations: an archive made before a rotation holds
    pseudonyms the lake no longer has)."""
    home = seula_home()
    key = engagement_key(master_secret(home), engagement_id)
    generation = int(Lake(home).key_record(engagement_id).get("generation", 0))
    check = hmac.new(key, b"seula-archive/key-check", hashlib.sha256).hexdigest()[:16]
    for secret in rotations(home, engagement_id)[:generation]:
        check = rekey(secret, check)[:16]
    return check


def archive_engagement(engagement_id: str, folder: Path) -> list[Path]:
    """Write the archive; it is record-level data leaving the lake, so the export log has it."""
    config.load(engagement_id)  # an unknown engagement fails here, in one line
    home = seula_home()
    lake = Lake(home)
    files = archive.write(lake, engagement_id, folder, key_check(engagement_id))
    people = _people({spec.name: lake.read(engagement_id, spec.name, spec.schema) for spec in archive.TABLES})
    key = checked_rights_key(home)
    ExportLog(home).record(engagement_id, [f"archive {folder}"], files, sorted(person_ref(key, engagement_id, p) for p in people))
    return files


def _people(tables: dict[str, pa.Table]) -> set[str]:
    return {v for spec in archive.TABLES for c in spec.subject_columns
            for v in tables[spec.name][c].to_pylist() if v} | {
        p for row in tables["posts"]["mention_pids"].to_pylist() if row for p in row}


def import_archive(engagement_id: str, path: Path) -> Tally:
    eng = config.load(engagement_id)
    got = archive.read(path)
    if got.engagement != engagement_id:
        raise archive.ArchiveError(f"the archive is of engagement {got.engagement!r}: pseudonyms are keyed per "
                                   f"engagement, so it can only be imported into {got.engagement!r}")
    if not hmac.compare_digest(got.key_check, key_check(engagement_id)):
        raise archive.ArchiveError("the archive was made under another master secret: its pseudonyms would not match")
    home = seula_home()
    tables = got.tables
    erased = suppression(home).erased_pseudonyms(engagement_id, _people(tables))
    if erased:
        posts = tables["posts"]
        own = posts.filter(pc.fill_null(pc.is_in(posts["author_pid"], pa.array(sorted(erased), pa.string())), False))
        who = Subjects(frozenset(erased), frozenset(own["post_pid"].to_pylist()))
        for spec in archive.TABLES:
            kept, _ = without(spec, tables[spec.name], who)
            if kept is not None:
                tables = {**tables, spec.name: kept}
    pipe = Pipeline(eng)
    for spec, column in ((schema.POSTS, "text"), (schema.ACCOUNTS, "description")):
        # Texts as this lake's sieve sees them now: a publishable person erased since the
        # archive was made stands in others' texts by clear handle and name.
        sieved = resieve_text(pipe.sieve, tables[spec.name], column)
        if sieved is not None:
            tables = {**tables, spec.name: sieved}
    tally = Tally()
    for spec in archive.TABLES:
        added = pipe.lake.append(engagement_id, spec, tables[spec.name])
        tally.rows[spec.name] = added
    accounts = tables["accounts"].filter(tables["accounts"]["publishable"]).to_pylist()
    for a in accounts:  # objections made since the archive: never in clear again
        if a["handle"] and pipe.sieve.policy.objected(a["platform"], None, a["handle"]):
            blank_clear_identity(pipe.lake, engagement_id, a["account_pid"], [a["handle"]],
                                 [a["display_name"]] if a["display_name"] else [], "objected")
    resieve_stored_text.fn(engagement_id)
    derive_findings.fn(engagement_id)
    refresh_catalog(home)
    tally.pages = 1
    return tally
