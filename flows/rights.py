"""Data-subject requests as Prefect runs: before every analysis and export, and daily.

The law's rules live in ``rights/``; this module gives that room what it needs of the
engagements (their purpose, their sieve, their findings) and schedules it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from seula.flows import config
from seula.lake.home import seula_home
from seula.rights import access, apply, deletions, retention
from seula.rights.register import Request


def _purpose(engagement: str) -> str | None:
    try:
        return config.load(engagement).purpose.value
    except config.ConfigError:
        return None  # data of an engagement whose file is gone: treat as not marketing


def _sieve_text(engagement: str, platform: str, text: str) -> str:
    """A corrected profile text, through the engagement's own sieve before it is kept."""
    from seula.flows.collect import Pipeline
    from seula.privacy.redact import scrub

    if _purpose(engagement) is None:
        return scrub(text)
    return Pipeline(config.load(engagement)).sieve.clean_text(platform, text) or ""


def _rederive(engagement: str) -> None:
    from seula.flows.collect import derive_findings

    derive_findings.fn(engagement)


HOOKS = apply.Hooks(purpose=_purpose, sieve_text=_sieve_text, rederive=_rederive)


@task(name="apply-subject-requests", persist_result=False, cache_policy=NO_CACHE)
def apply_subject_requests() -> dict[str, int]:
    """Finish any platform deletion a crash interrupted, then carry out every verified request
    on every engagement's data. Failing here fails the caller."""
    deletions.finish(seula_home(), HOOKS)
    return apply.apply_all(seula_home(), HOOKS)


@flow(name="apply_requests", persist_result=False)
def apply_requests() -> dict[str, int]:
    """The daily run of the requests register (also run at the start of every analysis and export)."""
    done = apply_subject_requests()
    get_run_logger().info("requests applied: %s", done)
    return done


def restrict_now() -> None:
    apply.restrict_now(seula_home(), HOOKS)


def close_request(request_id: str, outcome: str) -> Request:
    return apply.close(seula_home(), request_id, outcome)


def _notice(engagement: str) -> dict[str, Any]:
    try:
        eng = config.load(engagement)
    except config.ConfigError:
        return {"engagement": engagement, "note": "engagement file no longer available"}
    sources: dict[str, Any] = {}
    if x := eng.platforms.x:
        sources["x"] = {"searches": [s.query for s in x.search], "accounts": len(x.accounts), "collected": list(x.collect)}
    if fb := eng.platforms.facebook:
        sources["facebook"] = {"pages": len(fb.pages), "collected": ["posts", *fb.collect]}
    return {
        "engagement": eng.id, "controller_client": eng.client, "purpose": eng.purpose.value,
        "legal_basis": eng.legal_basis, "period": f"{eng.start} – {eng.end}", "sources": sources,
        "recipients": [rec.name for rec in eng.report.recipients],
        "retention": f"{eng.retention_days_after_end} days after {eng.end}",
    }


def export_access(request_id: str, out: Path) -> Path:
    """Art. 15: everything stored about the person, and the notice information, as JSON and CSV."""
    return access.export_access(seula_home(), request_id, out, _notice)


def _expires(engagement: str) -> date | None:
    try:
        eng = config.load(engagement)
    except config.ConfigError:
        return None  # no rule known: keep
    return date.fromordinal(eng.end.toordinal() + eng.retention_days_after_end)


def sweep_expired(today: date) -> dict[str, int]:
    """Every register's retention rule: engagements, surveys, customer contacts."""
    from seula.customers.retention import retention_sweep as customers_sweep
    from seula.survey.store import sweep_expired as surveys_sweep

    home = seula_home()
    deleted = retention.sweep_expired(home, today, _expires)
    deleted |= {f"survey/{s}": n for s, n in surveys_sweep(home, today).items()}
    deleted |= {f"customers/{k}": n for k, n in customers_sweep(home, today).items() if n}
    return deleted


@flow(name="retention_sweep", persist_result=False)
def retention_sweep(today: date | None = None) -> dict[str, int]:
    """The scheduled retention rules of the three registers."""
    deleted = sweep_expired(today or datetime.now(UTC).date())
    get_run_logger().info("retention sweep deleted: %s", deleted or "nothing")
    return deleted
