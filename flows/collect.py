"""The collection flow: platform API -> collector -> privacy sieve -> lake."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from seula.collectors.facebook.api import GraphApi, make_graph
from seula.collectors.facebook.source import FacebookSource
from seula.collectors.http import CollectorError, MalformedResponse, Patience, RateLimitStop, Usage
from seula.collectors.records import Batch
from seula.collectors.x.api import XApi, make_client
from seula.collectors.x.source import State, XSource
from seula.flows import config, runner, ui
from seula.lake import schema
from seula.lake.catalog import refresh_catalog
from seula.lake.checkpoints import Checkpoints
from seula.lake.home import seula_home
from seula.lake.partials import per_file
from seula.lake.store import Lake, Outdated
from seula.privacy import findings
from seula.privacy.analyzer import models_in_use, shared_analyzer
from seula.privacy.candidates import CandidateRegister
from seula.privacy.detect import Detector
from seula.privacy.gazetteer import Gazetteer
from seula.privacy.keys import KeyMaterialError, master_secret
from seula.privacy.policy import PublishabilityPolicy
from seula.privacy.sieve import Sieve, SieveResult, resieve_text
from seula.rights.store import pseudonymiser, suppression
from seula.rights.suppression import EngagementSuppression, SuppressionList

DEMO_TOKEN = "seula-demo-token"
T = TypeVar("T")
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


SIEVED_WITH = "privacy/sieved-with"  # the name models stored text has been sieved with


class Pipeline:
    """Sieve, lake and checkpoints for one engagement: where collected batches go."""

    # Items (posts, accounts, follows, interactions) per stored file: about 50 pages of 100 posts.
    FLUSH_ROWS = int(os.environ.get("SEULA_FLUSH_ROWS", "") or 10_000)

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
        self.supp_unchanged = lambda: not supp.refresh()
        scopes = ("all", "marketing") if eng.purpose is config.Purpose.marketing else ("all",)
        self.suppressed = EngagementSuppression(supp, eng.id, scopes)
        self.sieve = Sieve(eng.id, pseudo, policy_for(eng, supp), Sieve.index_from(index), self.suppressed)
        known = self.lake.read(eng.id, "accounts", schema.ACCOUNTS.schema, columns=["display_name", "publishable"])
        self.sieve.allow_names(n for n, clear in zip(known["display_name"].to_pylist(), known["publishable"].to_pylist())
                               if clear)
        self.models = models_in_use()
        # Nothing stored yet: whatever this pipeline stores, it sieves with its own models.
        self._fresh = not any(self.lake.files(eng.id, t) for t in ("posts", "accounts"))

    def sieved_with(self) -> set[str]:
        """The name models the engagement's stored text was sieved with ("?" for text stored
        before they were recorded)."""
        return set(self.checkpoints.get(SIEVED_WITH).get("models") or ([] if self._fresh else ["?"]))

    def _note_models(self) -> None:
        if self.models not in (seen := self.sieved_with()):
            self.checkpoints.put(SIEVED_WITH, {"models": sorted(seen | {self.models})})

    def _current(self, write: Callable[[], T]) -> T:
        """``write`` (which sieves, then appends asking ``supp_unchanged`` under the writers'
        lock), again until no erasure began between its sieving and its writing; rows a
        stale attempt already wrote are not added twice."""
        while True:
            try:
                return write()
            except Outdated:
                continue

    def store(self, batch: Batch, tally: Tally, source: str = "x/accounts") -> None:
        self.store_pages([batch], tally, source)

    def store_pages(self, batches: list[Batch], tally: Tally, source: str) -> None:
        """Sieve the pages in their order, then add each table's new rows as one file: the lake
        grows by a file per flush, not per page, so appends stay cheap in large engagements."""
        def write() -> tuple[list[SieveResult], int]:
            results, added = [self.sieve.apply(batch) for batch in batches], 0
            for name in dict.fromkeys(name for result in results for name in result.tables):
                rows = pa.concat_tables([r.tables[name] for r in results if name in r.tables], promote_options="default")
                n = self.lake.append(self.eng.id, schema.STORED[name], rows, current=self.supp_unchanged)
                tally.rows[name] = tally.rows.get(name, 0) + n
                added += n
            return results, added

        results, added = self._current(write)
        self._note_models()
        ui.pages_stored(source, len(batches), added)
        for result in results:
            tally.pseudonymised |= result.pseudonymised
            tally.publishable |= result.publishable
        tally.pages += len(batches)

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
        """Store the pages, FLUSH_ROWS items at a time, then move the checkpoint to the last of
        them: a crash repeats at most one flush's pages (their rows are not added twice)."""
        tally = Tally()
        buffered: list[Batch] = []
        last: State | None = None

        def flush() -> None:
            if buffered:
                self.store_pages(buffered, tally, source)
                self.checkpoints.put(source, last)
                buffered.clear()

        try:
            for batch, last in pages:
                buffered.append(batch)
                if sum(map(len, buffered)) >= self.FLUSH_ROWS:
                    flush()
            flush()
        except RateLimitStop as stop:
            flush()
            tally.stopped = str(stop)
        except MalformedResponse as bad:
            flush()
            # Kept aside, pseudonymised, with its error; the checkpoint points at this page,
            # so the next run asks for it again. The other sources go on.
            platform = source.split("/")[0]  # every source key begins with its platform
            row = {"engagement": self.eng.id, "platform": platform, "endpoint": str(bad).split(":")[0], "query": None,
                   "collected_at": datetime.now(UTC), "page_hash": hashlib.sha256(f"{source}{bad.body}".encode()).hexdigest(),
                   "source": source, "error": str(bad)}
            raw = bad.body
            self._current(lambda: self.lake.append(
                self.eng.id, schema.QUARANTINE, schema.conform(schema.QUARANTINE, [row | {"body": self.sieve.quarantined(raw)}]),
                current=self.supp_unchanged))
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


X_SECRET, FB_SECRET = "seula-x-bearer-token", "seula-facebook-token"  # Prefect Secret blocks a worker may hold


def secret_block(name: str) -> str | None:
    """A Prefect Secret block's value, or None when there is no such block: a worker's
    tokens can live in Prefect, encrypted at rest, instead of in its environment. Asked only
    of a configured server (a laptop's temporary one keeps no blocks, and a setup mistake
    is reported before any server starts)."""
    if not os.environ.get("PREFECT_API_URL"):
        return None
    from prefect.blocks.system import Secret

    try:
        return str(Secret.load(name, _sync=True).get())
    except ValueError:  # "Unable to find block document named …"
        return None


def x_token(x_base_url: str | None) -> str:
    token = os.environ.get("SEULA_X_BEARER_TOKEN") or secret_block(X_SECRET) or (DEMO_TOKEN if x_base_url else None)
    if not token:
        raise CollectorError(f"no X credentials: set SEULA_X_BEARER_TOKEN or the Prefect Secret block {X_SECRET} "
                             "(or --emulate to try the engagement on the emulators)")
    return token


def facebook_token(fb_base_url: str | None) -> str:
    token = os.environ.get("SEULA_FACEBOOK_TOKEN") or secret_block(FB_SECRET) or (FB_DEMO_TOKEN if fb_base_url else None)
    if not token:
        raise CollectorError(f"no Facebook credentials: set SEULA_FACEBOOK_TOKEN or the Prefect Secret block {FB_SECRET} "
                             "(or --emulate to try the engagement on the emulators)")
    return token


def x_source(eng: config.Engagement, x_base_url: str | None) -> XSource:
    assert eng.platforms.x is not None
    api = XApi(make_client(x_token(x_base_url), x_base_url), Patience(max_wait=eng.platforms.x.max_rate_limit_wait_seconds),
               pace=shared_x_budget())
    return XSource(api)


def shared_x_budget() -> Callable[[str], None] | None:
    """``SEULA_X_RATE_LIMITS=<prefix>``: each X request first takes a slot of the Prefect global
    rate limit ``<prefix>-<endpoint>`` (``prefect gcl create x-search_recent --limit 450
    --slot-decay-per-second 0.5``), so engagements collecting at once with one app's token
    share its budget instead of each running into 429s. An endpoint without a limit is not paced."""
    prefix = os.environ.get("SEULA_X_RATE_LIMITS", "").strip()
    if not prefix:
        return None
    from prefect.client.orchestration import get_client
    from prefect.concurrency.sync import rate_limit

    with get_client(sync_client=True) as client:  # asked once: the others would each log a warning per request
        limits = {limit.name for limit in client.read_global_concurrency_limits(limit=200) if limit.active}
    return lambda endpoint: rate_limit(name) if (name := f"{prefix}-{endpoint}") in limits else None


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


@task(name="collect-x-account", **_TASK)
def collect_x_account(engagement_id: str, index: int, x_base_url: str | None = None) -> Tally:
    """One configured account (by its place in the config): its profile, timeline, who engaged
    with its posts, and its follow graph."""
    eng = config.load(engagement_id)
    x = eng.platforms.x
    assert x is not None
    handle = x.accounts[index]
    pipe = Pipeline(eng)
    tally, started = Tally(), datetime.now(UTC)
    # An erased (or, here, marketing-excluded) account is not even looked up: its id, timeline
    # and follow graph never reach the sieve.
    if pipe.suppressed.person("x", None, handle):
        return tally
    src = x_source(eng, x_base_url)
    batch, ids = src.lookup([handle])
    pipe.store(batch, tally)
    user_id = ids.get(handle.lower())
    # Checkpoints and the run log follow the account, not its place in the list, and name it by a keyed hash.
    source = pipe.sieve.pseudo.token("source", handle)
    if user_id is not None and not pipe.sieve.erased_account("x", user_id):  # else: not found (an api error), or erased
        kinds = frozenset({"liking_users": "like", "reposts": "repost"}[k] for k in x.collect
                          if k in ("liking_users", "reposts"))
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
    pipe.log_run(f"x/accounts/{source}", "x", started, tally, src.api.usage)
    return tally


@task(name="collect-facebook-page", **_TASK)
def collect_facebook_page(engagement_id: str, index: int, fb_base_url: str | None = None) -> Tally:
    """One configured Page (by its place in the config): the Page, its posts since the last
    run, their comments and reactions."""
    eng = config.load(engagement_id)
    fb = eng.platforms.facebook
    assert fb is not None
    name = fb.pages[index]
    token = facebook_token(fb_base_url)
    pipe = Pipeline(eng)
    tally, started = Tally(), datetime.now(UTC)
    if pipe.suppressed.person("facebook", None, name) or pipe.suppressed.person("facebook", name, None):
        return tally  # an erased Page is not collected again
    src = FacebookSource(GraphApi(*make_graph(token, fb.graph_version, fb_base_url), Patience(max_wait=fb.max_throttle_wait_seconds)))
    source = pipe.sieve.pseudo.token("source", name)
    try:
        batch, page_id = src.page(name)
        if not pipe.sieve.erased_account("facebook", page_id):
            pipe.store(batch, tally, "facebook/pages")
            key = f"facebook/posts/{source}"
            tally.merge(pipe.drain(key, src.posts(page_id, pipe.checkpoints.get(key), eng.window,
                                                  kinds=frozenset(fb.collect), engaged_posts=fb.engaged_posts_per_page)))
    except RateLimitStop as stop:
        tally.stopped = str(stop)
    pipe.log_run(f"facebook/pages/{source}", "facebook", started, tally, src.api.usage)
    return tally


@flow(name="collect-sources", persist_result=False)
def collect_sources(engagement_id: str, x_base_url: str | None = None, fb_base_url: str | None = None) -> Tally:
    """Every search, account and Page of the engagement, each a task: through the task runner
    ``SEULA_TASK_RUNNER`` names (``flows.runner``), one at a time or side by side."""
    eng = config.load(engagement_id)
    futures = []
    if x := eng.platforms.x:
        futures += [collect_x_search.submit(engagement_id, i, x_base_url) for i in range(len(x.search))]
        futures += [collect_x_account.submit(engagement_id, i, x_base_url) for i in range(len(x.accounts))]
    if fb := eng.platforms.facebook:
        futures += [collect_facebook_page.submit(engagement_id, i, fb_base_url) for i in range(len(fb.pages))]
    get_run_logger().info("%d collection tasks submitted to the %s task runner", len(futures), runner.chosen())
    tally = Tally()
    for future in futures:  # every task ends before any failure is raised: none is left running
        future.wait()
    for future in futures:
        tally.merge(future.result())
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
    # The name model reads stored text again only if some of it was sieved without it (or
    # with another model, or before this was recorded): it found its names the first time.
    with_model = pipe.sieved_with() != {pipe.models}
    if pipe.checkpoints.get(RESIEVED).get("inputs") == inputs and not with_model:
        return 0
    rewritten = sum(
        len(pipe.lake.rewrite(engagement_id, spec, lambda t, c=column: resieve_text(pipe.sieve, t, c, with_model)))
        for spec, column in ((schema.POSTS, "text"), (schema.ACCOUNTS, "description"))
    )
    pipe.checkpoints.put(SIEVED_WITH, {"models": [pipe.models]})
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
    tally = collect_sources.with_options(task_runner=runner.task_runner())(engagement_id, x_base_url, fb_base_url)
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
