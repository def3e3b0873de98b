"""The collection flow: platform API -> collector -> privacy sieve -> lake."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from seula.collectors.facebook.api import GraphApi, make_graph
from seula.collectors.facebook.source import FacebookSource
from seula.collectors.http import CollectorError, MalformedResponse, Patience, RateLimitStop, Usage
from seula.collectors.records import Batch
from seula.collectors.x.api import XApi, make_client
from seula.collectors.x.source import State, XSource
from seula.flows import config, ui
from seula.lake import schema
from seula.lake.catalog import refresh_catalog
from seula.lake.checkpoints import Checkpoints
from seula.lake.home import seula_home
from seula.lake.partials import per_file
from seula.lake.store import Lake
from seula.privacy import findings
from seula.privacy.analyzer import shared_analyzer
from seula.privacy.candidates import CandidateRegister
from seula.privacy.detect import Detector
from seula.privacy.gazetteer import Gazetteer
from seula.privacy.keys import KeyMaterialError, master_secret
from seula.privacy.policy import PublishabilityPolicy
from seula.privacy.sieve import Sieve, resieve_text
from seula.rights.store import pseudonymiser, suppression
from seula.rights.suppression import EngagementSuppression, SuppressionList

DEMO_TOKEN = "seula-demo-token"
FB_DEMO_TOKEN = "seula-demo-fb-token"


@dataclass
class Tally:
    """What a source added to the lake: counts and pseudonyms only."""

    rows: dict[str, int] = field(default_factory=dict)
    pseudonymised: set[str] = field(default_factory=set)
    publishable: set[str] = field(default_factory=set)
    pages: int = 0
    stopped: str | None = None
    quarantined: list[str] = field(default_factory=list)  # one line per page kept aside

    def added(self) -> str:
        """What was new, for people: "12 new posts, 3 new accounts", or "nothing new"."""
        return ", ".join(f"{v} new {k}" for k, v in sorted(self.rows.items()) if v) or "nothing new"

    def merge(self, other: Tally) -> Tally:
        for k, v in other.rows.items():
            self.rows[k] = self.rows.get(k, 0) + v
        self.pseudonymised |= other.pseudonymised
        self.publishable |= other.publishable
        self.pages += other.pages
        self.stopped = self.stopped or other.stopped
        self.quarantined += other.quarantined
        return self


class Pipeline:
    """Sieve, lake and checkpoints for one engagement: where collected batches go."""

    def __init__(self, eng: config.Engagement) -> None:
        home = seula_home()
        self.eng = eng
        self.lake = Lake(home)
        self.checkpoints = Checkpoints(home, eng.id)
        # A collection killed mid-write (SIGKILL) leaves temporaries: clear them before going on.
        self.lake.sweep_temps(eng.id)
        self.checkpoints.sweep_temps()
        master_secret(home, create=_demo_key_allowed())
        pseudo = pseudonymiser(self.lake, eng.id)  # another key than the lake's: refused here, nothing written
        index = self.lake.read(eng.id, "identity_index", schema.IDENTITY_INDEX.schema)
        supp = suppression(home)
        scopes = ("all", "marketing") if eng.purpose is config.Purpose.marketing else ("all",)
        self.suppressed = EngagementSuppression(supp, eng.id, scopes)
        self.sieve = Sieve(eng.id, pseudo, policy_for(eng, supp), Sieve.index_from(index), self.suppressed)
        known = self.lake.read(eng.id, "accounts", schema.ACCOUNTS.schema, columns=["display_name", "publishable"])
        self.sieve.allow_names(n for n, clear in zip(known["display_name"].to_pylist(), known["publishable"].to_pylist())
                               if clear)

    def store(self, batch: Batch, tally: Tally, source: str = "x/accounts") -> None:
        result = self.sieve.apply(batch)
        added = 0
        for name, rows in result.tables.items():
            n = self.lake.append(self.eng.id, schema.STORED[name], rows)
            tally.rows[name] = tally.rows.get(name, 0) + n
            added += n
        ui.page_stored(source, added)
        tally.pseudonymised |= result.pseudonymised
        tally.publishable |= result.publishable
        tally.pages += 1

    def log_run(self, task: str, platform: str, started: datetime, tally: Tally, usage: Usage) -> None:
        """Record what a collection task cost and missed (see ``schema.COLLECTION_LOG``)."""
        row = {
            "engagement": self.eng.id, "platform": platform, "endpoint": task, "query": None,
            "collected_at": datetime.now(UTC), "task": task, "started_at": started, "pages": tally.pages,
            "new_rows": sum(tally.rows.values()), "requests": usage.requests, "retries": usage.retries,
            "rate_limit_waits": usage.rate_limit_waits, "rate_limit_seconds": float(usage.rate_limit_seconds),
            "api_errors": json.dumps(usage.api_errors, sort_keys=True) if usage.api_errors else None,
            "stopped": tally.stopped, "quarantined": len(tally.quarantined),
        }
        self.lake.append(self.eng.id, schema.COLLECTION_LOG, schema.conform(schema.COLLECTION_LOG, [row]))

    def drain(self, source: str, pages: Iterator[tuple[Batch, State]]) -> Tally:
        """Store each page, then move its checkpoint: a crash repeats at most one page."""
        tally = Tally()
        try:
            for batch, state in pages:
                self.store(batch, tally, source)
                self.checkpoints.put(source, state)
        except RateLimitStop as stop:
            tally.stopped = str(stop)
        except MalformedResponse as bad:
            # Kept aside, pseudonymised, with its error; the checkpoint still points at this page,
            # so the next run asks for it again. The other sources go on.
            platform = source.split("/")[0]  # every source key begins with its platform
            body = self.sieve.quarantined(bad.body)
            row = {"engagement": self.eng.id, "platform": platform, "endpoint": str(bad).split(":")[0], "query": None,
                   "collected_at": datetime.now(UTC), "page_hash": hashlib.sha256(f"{source}{bad.body}".encode()).hexdigest(),
                   "source": source, "error": str(bad), "body": body}
            self.lake.append(self.eng.id, schema.QUARANTINE, schema.conform(schema.QUARANTINE, [row]))
            tally.quarantined.append(str(bad))
        return tally


def policy_for(eng: config.Engagement, supp: SuppressionList | None = None) -> PublishabilityPolicy:
    """The engagement's publishability policy; people who objected are never publishable."""
    register = eng.publishable.candidates
    return PublishabilityPolicy(
        set(eng.publishable.handles),
        CandidateRegister.load(register) if register else None,
        eng.publishable.verified_min_followers,
        objected=(lambda platform, account_id, handle: supp.contains(("objected",), platform, user_id=account_id, handle=handle))
        if supp else (lambda platform, account_id, handle: False),
    )


def _demo_key_allowed() -> bool:
    return os.environ.get("SEULA_DEMO") == "1"


def x_token(x_base_url: str | None) -> str:
    token = os.environ.get("SEULA_X_BEARER_TOKEN") or (DEMO_TOKEN if x_base_url else None)
    if not token:
        raise CollectorError("no X credentials: set SEULA_X_BEARER_TOKEN (or --emulate to try the engagement on the emulators)")
    return token


def facebook_token(fb_base_url: str | None) -> str:
    token = os.environ.get("SEULA_FACEBOOK_TOKEN") or (FB_DEMO_TOKEN if fb_base_url else None)
    if not token:
        raise CollectorError("no Facebook credentials: set SEULA_FACEBOOK_TOKEN (or --emulate to try the engagement on the emulators)")
    return token


def x_source(eng: config.Engagement, x_base_url: str | None) -> XSource:
    assert eng.platforms.x is not None
    api = XApi(make_client(x_token(x_base_url), x_base_url), Patience(max_wait=eng.platforms.x.max_rate_limit_wait_seconds))
    return XSource(api)


def preflight(eng: config.Engagement, x_base_url: str | None, fb_base_url: str | None) -> None:
    """The mistakes no retry can fix, found before any request: key material, credentials, and
    synthetic data meeting real data in one lake."""
    home = seula_home()
    lake = Lake(home)
    master_secret(home, create=_demo_key_allowed())
    pseudonymiser(lake, eng.id)
    if eng.platforms.x:
        x_token(x_base_url)
    if eng.platforms.facebook:
        facebook_token(fb_base_url)
    source = "emulators" if x_base_url or fb_base_url else "platforms"
    recorded = lake.origin(eng.id)
    if recorded is None:
        lake.record_origin(eng.id, source)
    elif recorded != source:
        raise CollectorError(f"engagement {eng.id!r} holds data collected from the {recorded}; collecting from the "
                             f"{source} into it would mix synthetic and real data: use another engagement id or SEULA_HOME")


# Errors that come back the same however often the task is tried.
UNRETRIABLE = (CollectorError, config.ConfigError, KeyMaterialError)
_TASK = dict(persist_result=False, cache_policy=NO_CACHE, retries=1, retry_delay_seconds=5,
             retry_condition_fn=lambda task, run, state: not isinstance(state.result(raise_on_failure=False), UNRETRIABLE))


@task(name="collect-x-search", **_TASK)
def collect_x_search(engagement_id: str, index: int, x_base_url: str | None = None) -> Tally:
    eng = config.load(engagement_id)
    pipe = Pipeline(eng)
    spec = eng.platforms.x.search[index]  # type: ignore[union-attr]
    key = f"x/search/{index}"
    src = x_source(eng, x_base_url)
    started = datetime.now(UTC)
    tally = pipe.drain(key, src.search(spec.query, pipe.checkpoints.get(key), eng.window, archive=spec.archive))
    pipe.log_run(key, "x", started, tally, src.api.usage)
    return tally


@task(name="collect-x-accounts", **_TASK)
def collect_x_accounts(engagement_id: str, x_base_url: str | None = None) -> Tally:
    """The configured accounts: profiles, timelines, who engaged with their posts, follow graph."""
    eng = config.load(engagement_id)
    x = eng.platforms.x
    assert x is not None
    pipe = Pipeline(eng)
    src = x_source(eng, x_base_url)
    tally, started = Tally(), datetime.now(UTC)
    # An erased (or, here, marketing-excluded) account is not even looked up: its id, timeline
    # and follow graph never reach the sieve.
    handles = [h for h in x.accounts if not pipe.suppressed.person("x", None, h)]
    batch, ids = src.lookup(handles)
    pipe.store(batch, tally)
    kinds = frozenset({"liking_users": "like", "reposts": "repost"}[k] for k in x.collect if k in ("liking_users", "reposts"))
    for handle in handles:
        user_id = ids.get(handle.lower())
        if user_id is None or pipe.sieve.erased_account("x", user_id):
            continue  # not found (counted in the lookup's api errors), or erased
        # Checkpoints follow the account, not its place in the list, and name it by a keyed hash.
        source = pipe.sieve.pseudo.token("source", handle)
        if "timelines" in x.collect:
            key = f"x/timeline/{source}"
            pages = src.timeline(user_id, pipe.checkpoints.get(key), eng.window,
                                 engaged_posts=x.engaged_posts_per_account, kinds=kinds)
            tally.merge(pipe.drain(key, pages))
        for direction in ("followers", "following"):
            if direction in x.collect and not tally.stopped:
                key = f"x/{direction}/{source}"
                pages = src.follows(user_id, direction, pipe.checkpoints.get(key), timedelta(days=x.follows_refresh_days))
                tally.merge(pipe.drain(key, pages))
        if tally.stopped:
            break
    pipe.log_run("x/accounts", "x", started, tally, src.api.usage)
    return tally


@task(name="collect-facebook-pages", **_TASK)
def collect_facebook_pages(engagement_id: str, fb_base_url: str | None = None) -> Tally:
    """The configured Pages: the Page, its posts since the last run, their comments and reactions."""
    eng = config.load(engagement_id)
    fb = eng.platforms.facebook
    assert fb is not None
    token = facebook_token(fb_base_url)
    pipe = Pipeline(eng)
    src = FacebookSource(GraphApi(*make_graph(token, fb.graph_version, fb_base_url), Patience(max_wait=fb.max_throttle_wait_seconds)))
    tally, started = Tally(), datetime.now(UTC)
    try:
        for name in fb.pages:
            if pipe.suppressed.person("facebook", None, name) or pipe.suppressed.person("facebook", name, None):
                continue  # an erased Page is not collected again
            batch, page_id = src.page(name)
            if pipe.sieve.erased_account("facebook", page_id):
                continue
            pipe.store(batch, tally, "facebook/pages")
            key = f"facebook/posts/{pipe.sieve.pseudo.token('source', name)}"
            tally.merge(pipe.drain(key, src.posts(page_id, pipe.checkpoints.get(key), eng.window,
                                                  kinds=frozenset(fb.collect), engaged_posts=fb.engaged_posts_per_page)))
    except RateLimitStop as stop:
        tally.stopped = str(stop)
    pipe.log_run("facebook/pages", "facebook", started, tally, src.api.usage)
    return tally


RESIEVED = "privacy/resieved"  # the sieve's inputs at the last completed re-sieve, as a digest


def sieve_inputs(pipe: Pipeline) -> str:
    """A digest of everything that decides how stored text is sieved: the people learnt (the
    identity index only grows by new files), the publishability settings and register, and
    the suppression list. Unchanged since the last re-sieve: stored text cannot change."""
    digest = hashlib.sha256()
    for f in pipe.lake.files(pipe.eng.id, "identity_index"):
        digest.update(f.name.encode())
    digest.update(json.dumps(pipe.eng.publishable.model_dump(mode="json"), sort_keys=True).encode())
    for path in (pipe.eng.publishable.candidates, seula_home() / "rights" / "suppressed.json"):
        if path is not None and Path(path).is_file():
            digest.update(Path(path).read_bytes())
    return digest.hexdigest()


@task(name="resieve-stored-text", persist_result=False, cache_policy=NO_CACHE)
def resieve_stored_text(engagement_id: str) -> int:
    """Names learnt in this run may occur in text stored earlier: replace them there too.

    Skipped when nothing that decides the sieve changed since the last completed re-sieve;
    the mark is written only after one completes, so a run killed before it repeats it.
    """
    pipe = Pipeline(config.load(engagement_id))
    inputs = sieve_inputs(pipe)
    if pipe.checkpoints.get(RESIEVED).get("inputs") == inputs:
        return 0
    rewritten = sum(
        len(pipe.lake.rewrite(engagement_id, spec, lambda t, c=column: resieve_text(pipe.sieve, t, c)))
        for spec, column in ((schema.POSTS, "text"), (schema.ACCOUNTS, "description"))
    )
    pipe.checkpoints.put(RESIEVED, {"inputs": inputs})
    return rewritten


@task(name="derive-findings", persist_result=False, cache_policy=NO_CACHE)
def derive_findings(engagement_id: str) -> dict[str, int]:
    """Findings and manifestly public affiliations, derived again from the stored tables.

    A post's findings depend on its stored text alone, so they are kept per posts file and
    only new or rewritten files are scanned; descriptions and the gate are redone whole.
    """
    eng = config.load(engagement_id)
    lake = Lake(seula_home())
    detector = Detector(shared_analyzer(Gazetteer.from_names([])))
    register = eng.publishable.candidates
    accounts = lake.read(engagement_id, "accounts", schema.ACCOUNTS.schema)
    posts = per_file(lake, engagement_id, "findings", lambda table: findings.of_posts(detector, table))
    found = pa.concat_tables([t for t in (posts, findings.of_accounts(detector, accounts)) if t is not None])
    authors = lake.read(engagement_id, "posts", schema.POSTS.schema, columns=["post_pid", "author_pid"])
    affiliations = findings.affiliations(
        found, dict(zip(authors["post_pid"].to_pylist(), authors["author_pid"].to_pylist())), accounts,
        CandidateRegister.load(register) if register else CandidateRegister([]),
    )
    lake.replace(engagement_id, "findings", found)
    lake.replace(engagement_id, "affiliations", affiliations)
    return {"findings": found.num_rows, "affiliations": affiliations.num_rows}


@flow(name="collect_engagement", persist_result=False)
def collect_engagement(engagement_id: str, x_base_url: str | None = None, fb_base_url: str | None = None) -> Tally:
    """Collect everything an engagement's config asks for, from where the last run stopped."""
    log = get_run_logger()
    eng = config.load(engagement_id)
    preflight(eng, x_base_url, fb_base_url)
    tally = Tally()
    if eng.platforms.x:
        for i in range(len(eng.platforms.x.search)):
            tally.merge(collect_x_search(engagement_id, i, x_base_url))
        if eng.platforms.x.accounts:
            tally.merge(collect_x_accounts(engagement_id, x_base_url))
    if eng.platforms.facebook:
        tally.merge(collect_facebook_pages(engagement_id, fb_base_url))
    rewritten = resieve_stored_text(engagement_id)
    derived = derive_findings(engagement_id)
    refresh_catalog(seula_home())
    log.info("%d stored file(s) updated with newly known pseudonyms; %d findings, %d manifestly public affiliations",
             rewritten, derived["findings"], derived["affiliations"])
    log.info(
        "collected %s; %d pseudonymised and %d publishable accounts seen",
        ", ".join(f"{v} {k}" for k, v in sorted(tally.rows.items())) or "nothing new",
        len(tally.pseudonymised), len(tally.publishable),
    )
    if tally.stopped:
        log.warning("stopped early: %s", tally.stopped)
    if tally.quarantined:
        raise CollectorError(
            f"{len(tally.quarantined)} page(s) could not be read and were quarantined (first: {tally.quarantined[0]}); "
            f"everything else was stored; see `seula sql {engagement_id} \"SELECT * FROM quarantine\"`")
    return tally
