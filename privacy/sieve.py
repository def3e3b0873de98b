"""The privacy pass: raw records in, rows that may be stored out.

Everything a collector yields goes through ``Sieve.apply`` before the lake sees it. Raw
platform ids, handles and names of non-publishable people exist only inside this call.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Protocol

import pyarrow as pa

from seula.collectors.records import Account, Batch, Post
from seula.lake import schema
from seula.lake.subjects import ERASED
from seula.privacy.analyzer import shared_analyzer
from seula.privacy.detect import Detector
from seula.privacy.gazetteer import Gazetteer
from seula.privacy.lang import detect_lang
from seula.privacy.policy import Decision, PublishabilityPolicy
from seula.privacy.pseudonyms import STANDS_FOR, Pseudonymiser, is_pseudonym
from seula.privacy.redact import redact
from seula.privacy.text import WORD, normal_name

UNCLAIMED = re.compile(r"(?<![\w])([hn])_([0-9a-f]{20})(?![\w])")  # a handle's or name's own pseudonym
JSON_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"(\s*:)?')
# Field names of the X API v2 and the Graph API (as the recorded fixtures use them): kept in
# a quarantined page's shape. Any other key (an id or a username, in a lookup keyed by them)
# becomes "<key>".
FIELD_NAMES = frozenset("""
    __twarc action after alt_text annotations attachments author_id bbox before can_remove cashtags category
    comments context_annotations conversation_id coordinates copyright country country_code country_codes created_at
    created_time cursors data description detail display_url domain duration_minutes duration_ms end end_datetime
    entities entity errors expanded_url followers_count following_count from full_name geo hashtags height id images
    in_reply_to_user_id includes label lang length like_count likes listed_count location matching_rules media
    media_key media_keys mentions message message_tags meta name newest_id next next_token normalized_text offset
    oldest_id options paging parameter pinned_tweet_id place_id place_type places poll_ids polls position
    possibly_sensitive preview_image_url previous previous_token probability profile_image_url properties protected
    public_metrics quote_count reactions reason redacted_at referenced_tweets reply_count reply_settings resource_id
    resource_type result_count retrieved_at retweet_count scope section source start status tag text title
    total_tweet_count tweet_count tweets type unwound_url updated_time url urls user_likes username users value
    verified version view_count votes voting_status width withheld summary total_count parent permalink_url
    story status_type full_picture shares access_token error error_subcode fbtrace_id code
""".split())


class Suppressed(Protocol):
    """Who must not be stored (erased people; objectors in a marketing engagement), as one
    engagement's sieve asks: by platform id or handle, by pseudonym, by identity-index token,
    and by clear display name or its first word."""

    def person(self, platform: str, user_id: str | None, handle: str | None) -> bool: ...
    def pid(self, pid: str) -> bool: ...
    def post(self, platform: str, post_id: str) -> bool: ...
    def token(self, kind: str, token: str) -> bool: ...
    def name(self, kind: str, value: str) -> bool: ...


class Nobody:
    def person(self, platform: str, user_id: str | None, handle: str | None) -> bool:
        return False

    def pid(self, pid: str) -> bool:
        return False

    def post(self, platform: str, post_id: str) -> bool:
        return False

    def token(self, kind: str, token: str) -> bool:
        return False

    def name(self, kind: str, value: str) -> bool:
        return False


@dataclass
class SieveResult:
    tables: dict[str, pa.Table]
    pseudonymised: set[str] = field(default_factory=set)
    publishable: set[str] = field(default_factory=set)


class Sieve:
    def __init__(
        self,
        engagement: str,
        pseudonymiser: Pseudonymiser,
        policy: PublishabilityPolicy,
        identity_index: dict[str, str] | None = None,
        suppressed: Suppressed | None = None,
    ) -> None:
        self.engagement = engagement
        self.pseudo = pseudonymiser
        self.policy = policy
        # keyed token hash -> account pseudonym, for people seen in earlier batches
        self.index: dict[str, str] = dict(identity_index or {})
        self.suppressed = suppressed or Nobody()
        self.names = Gazetteer(pseudonymiser, self.index, erased=self._erased_name)
        self._detector: Detector | None = None
        self._erased_handles: set[str] = set()
        self._erased_ids: set[tuple[str, str]] = set()  # (platform, id) met as an erased person's in this run
        # Names that may stand in clear: election candidates', and publishable accounts' (as met).
        self.publishable_names: set[str] = set()
        self.allow_names(c.name for c in policy.candidates.by_handle.values())

    @staticmethod
    def index_from(table: pa.Table) -> dict[str, str]:
        """The identity index as stored in the lake, in the form ``Sieve`` looks it up."""
        rows = table.select(["kind", "token_hash", "account_pid"]).to_pylist()
        return {f"{r['kind']}:{r['token_hash']}": r["account_pid"] for r in rows}

    # --- people -------------------------------------------------------------------------

    def _learn(self, platform: str, account_id: str, handle: str, name: str | None, rows: list[dict]) -> None:
        """Remember a non-publishable person's handle and name as keyed hashes only."""
        pid = self.pseudo.account(platform, account_id)
        # The handle's and the name's own pseudonyms too, as text stored before this account
        # was met holds them (``claim``).
        tokens = [("handle", self.pseudo.token("handle", handle)),
                  (STANDS_FOR["h"], self.pseudo.unresolved_handle(platform, handle).removeprefix("h_"))]
        if name and len(WORD.findall(name)) > 1:  # (not a name of emoji and one word)
            tokens += [("name", self.pseudo.token("name", name)), ("first", self.pseudo.token("first", WORD.findall(name)[0])),
                       (STANDS_FOR["n"], self.pseudo.name(name).removeprefix("n_"))]
        # Every time, known or not: rows prepared for a write that an erasure outdated are
        # prepared again (``Pipeline._current``), and the lake keeps the first row per token.
        for kind, token in tokens:
            self.index[f"{kind}:{token}"] = pid
            rows.append({"platform": platform, "kind": kind, "token_hash": token, "account_pid": pid})

    # A person erased before a key rotation is listed under an earlier generation of their
    # pseudonym and tokens: every generation is checked.

    def _erased_name(self, kind: str, value: str) -> bool:
        return self.suppressed.name(kind, value) or any(
            self.suppressed.token(kind, t) for t in self.pseudo.token_history(kind, value))

    def erased_account(self, platform: str, user_id: str) -> bool:
        """Whether the account with this platform id is an erased person's (or, in a marketing
        engagement, an objector's): by id, by any generation of its pseudonym, or met as such in this run."""
        return (platform, user_id) in self._erased_ids or self.suppressed.person(platform, user_id, None) or any(
            self.suppressed.pid(p) for p in self.pseudo.account_history(platform, user_id))

    def _handle_pid(self, platform: str, handle: str) -> str | None:
        if handle.lower() in self._erased_handles or self.suppressed.person(platform, None, handle) or any(
                self.suppressed.token("handle", t) for t in self.pseudo.token_history("handle", handle)):
            return ERASED
        if self.policy.handle_is_publishable(handle) or is_pseudonym(handle):
            return None
        return self.index.get(f"handle:{self.pseudo.token('handle', handle)}") or self.pseudo.unresolved_handle(
            platform, handle
        )

    def allow_names(self, names: Iterable[str | None]) -> None:
        """Names that may stand in clear in text: publishable people's (none empty)."""
        self.publishable_names |= {normal_name(n) for n in names if n}

    def _name_pid(self, name: str) -> str | None:
        """A person's name in text: a known person's pseudonym, ``<erased>``, clear for a
        publishable person, else the name's own keyed pseudonym."""
        if (known := self.names.resolve(name)) is not None:
            return known
        if normal_name(name) in self.publishable_names:
            return None
        return self.pseudo.name(name)

    def claim(self, text: str | None) -> str | None:
        """A handle's or name's own pseudonym (``h_``, ``n_``) stored before the sieve met the
        account becomes the account's, as the handle or name would have become had the account
        come first: the order sources are collected in does not change what is stored."""
        if not text or ("n_" not in text and "h_" not in text):
            return text
        return UNCLAIMED.sub(lambda m: self.index.get(f"{STANDS_FOR[m.group(1)]}:{m.group(2)}", m.group()), text)

    @staticmethod
    def quarantined(body: str) -> str:
        """A page that could not be parsed, made storable: its shape without its content.

        Field names stay (what was malformed is visible); every string value becomes "…" and
        every number 0, also in a body cut off mid-string, so no handle, name, text or id of
        anyone is kept, and an erasure has nothing to look for here.
        """
        def string(m: re.Match[str]) -> str:
            if m.group(2) is None:
                return '"…"'
            return ('"' + m.group(1) + '"' if m.group(1) in FIELD_NAMES else '"<key>"') + m.group(2)

        shape = JSON_STRING.sub(string, body)
        shape = re.sub(r'"[^"]*$', '"…', shape)  # a string the truncation left open
        return re.sub(r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", "0", shape)[:4000]

    def clean_texts(self, platform: str, texts: list[str | None], langs: list[str | None],
                    with_model: bool = True) -> list[str | None]:
        """Detect personal data in many texts at once and return what may be stored of each
        (``with_model=False``: without a spaCy model's names, see ``resieve_text``)."""
        # Reposts and copied posts repeat a text word for word: each distinct text (in its
        # language) is detected and redacted once, and the result shared.
        keys = [(t, lang or detect_lang(t)) if t else None for t, lang in zip(texts, langs)]
        distinct = list(dict.fromkeys(k for k in keys if k))
        if self._detector is None:
            self._detector = Detector(shared_analyzer(self.names))
        shared_analyzer(self.names)  # point the engine's gazetteer at this sieve's people
        found = self._detector.analyze_batch([t for t, _ in distinct], [lang for _, lang in distinct], with_model)
        # The same people are named again and again; what stands for each is decided once
        # per call (nothing this call does changes the answer).
        handle_pid = cache(lambda handle: self._handle_pid(platform, handle))
        name_pid = cache(self._name_pid)
        clean = {key: redact(key[0], findings, handle_pid, name_pid) for key, findings in zip(distinct, found)}
        return [clean[k] if k else t for k, t in zip(keys, texts)]

    def clean_text(self, platform: str, text: str | None, lang: str | None = None) -> str | None:
        return self.clean_texts(platform, [text], [lang])[0]

    # --- batches ------------------------------------------------------------------------

    def _drop_suppressed(self, batch: Batch) -> Batch:
        """Erased people leave the batch here, before anything about them is kept."""
        gone = {a.account_id for a in batch.accounts if self.suppressed.person(a.platform, a.account_id, a.handle)
                or self.erased_account(a.platform, a.account_id)}
        ids = {p.author_id for p in batch.posts} | {f.follower_id for f in batch.follows} | {
            f.followee_id for f in batch.follows} | {i.actor_id for i in batch.interactions} | {
            i.target_account_id for i in batch.interactions if i.target_account_id} | {
            p.reply_to_account_id for p in batch.posts if p.reply_to_account_id} | {
            aid for p in batch.posts for _, aid in p.mentions if aid}
        gone |= {i for i in ids - gone if i and self.erased_account(batch.platform, i)}
        gone_handles = {a.handle.lower() for a in batch.accounts if a.account_id in gone} | {
            h.lower() for p in batch.posts for h, aid in p.mentions if aid in gone or self._handle_pid(batch.platform, h) == ERASED}
        withdrawn = {p.post_id for p in batch.posts if self.suppressed.post(p.platform, p.post_id)}
        if not gone and not gone_handles and not withdrawn:
            return batch
        self._erased_handles |= gone_handles
        self._erased_ids |= {(batch.platform, i) for i in gone}  # a later page may name them by id alone
        their_posts = {p.post_id for p in batch.posts if p.author_id in gone} | withdrawn
        return Batch(
            batch.platform, batch.endpoint, batch.query, batch.collected_at,
            accounts=[a for a in batch.accounts if a.account_id not in gone],
            posts=[
                replace(p, reply_to_account_id=None if p.reply_to_account_id in gone else p.reply_to_account_id,
                        reply_to_post_id=None if p.reply_to_post_id in withdrawn else p.reply_to_post_id,
                        quote_of_post_id=None if p.quote_of_post_id in withdrawn else p.quote_of_post_id,
                        conversation_id=None if p.conversation_id in withdrawn else p.conversation_id,
                        mentions=tuple(m for m in p.mentions if m[1] not in gone and m[0].lower() not in gone_handles))
                for p in batch.posts if p.author_id not in gone and p.post_id not in withdrawn
            ],
            follows=[f for f in batch.follows if f.follower_id not in gone and f.followee_id not in gone],
            interactions=[i for i in batch.interactions
                          if i.actor_id not in gone and i.target_account_id not in gone and i.post_id not in their_posts],
        )

    def apply(self, batch: Batch) -> SieveResult:
        batch = self._drop_suppressed(batch)
        index_rows: list[dict] = []
        decisions: dict[tuple[str, str], Decision] = {}
        for acc in batch.accounts:
            decisions[(acc.platform, acc.account_id)] = decision = self.policy.decide(acc)
            if not decision.publishable:
                self._learn(acc.platform, acc.account_id, acc.handle, acc.display_name, index_rows)
            else:
                self.allow_names([acc.display_name])
        for post in batch.posts:
            for handle, account_id in post.mentions:
                if account_id and not self.policy.handle_is_publishable(handle):
                    self._learn(post.platform, account_id, handle, None, index_rows)

        result = SieveResult(tables={})
        prov = {
            "engagement": self.engagement,
            "endpoint": batch.endpoint,
            "query": self.clean_text(batch.platform, batch.query),
            "collected_at": batch.collected_at,
        }
        texts = self.clean_texts(
            batch.platform, [p.text for p in batch.posts] + [a.description for a in batch.accounts],
            [p.lang for p in batch.posts] + [None] * len(batch.accounts),
        )
        post_texts, bios = texts[: len(batch.posts)], texts[len(batch.posts) :]
        accounts = [
            self._account_row(a, bio, decisions[(a.platform, a.account_id)], prov, result)
            for a, bio in zip(batch.accounts, bios)
        ]
        publishable_ids = {aid for (_, aid), d in decisions.items() if d.publishable}
        posts = [self._post_row(p, text, p.author_id in publishable_ids, prov) for p, text in zip(batch.posts, post_texts)]
        follows = [
            {**prov, "platform": f.platform, "follower_pid": self.pseudo.account(f.platform, f.follower_id),
             "followee_pid": self.pseudo.account(f.platform, f.followee_id)}
            for f in batch.follows
        ]
        interactions = [
            {**prov, "platform": i.platform, "kind": i.kind, "actor_pid": self.pseudo.account(i.platform, i.actor_id),
             "post_pid": self.pseudo.post(i.platform, i.post_id),
             "target_account_pid": self.pseudo.account(i.platform, i.target_account_id) if i.target_account_id else None}
            for i in batch.interactions
        ]
        index = [{**prov, **r} for r in index_rows]
        sealed = [{**prov, "platform": a.platform, "kind": "account", "pid": row["account_pid"],
                   "sealed": self.pseudo.seal(a.platform, "account", a.account_id)} for a, row in zip(batch.accounts, accounts)]
        sealed += [{**prov, "platform": p.platform, "kind": "post", "pid": row["post_pid"],
                    "sealed": self.pseudo.seal(p.platform, "post", p.post_id)} for p, row in zip(batch.posts, posts)]
        for spec, rows in (
            (schema.ACCOUNTS, accounts),
            (schema.POSTS, posts),
            (schema.FOLLOWS, follows),
            (schema.INTERACTIONS, interactions),
            (schema.IDENTITY_INDEX, index),
            (schema.PLATFORM_IDS, sealed),
        ):
            if rows:
                result.tables[spec.name] = schema.conform(spec, rows)
        return result

    def _account_row(self, a: Account, bio: str | None, decision: Decision, prov: dict, result: SieveResult) -> dict:
        pid = self.pseudo.account(a.platform, a.account_id)
        (result.publishable if decision.publishable else result.pseudonymised).add(pid)
        clear = decision.publishable
        return {
            **prov,
            "platform": a.platform,
            "account_pid": pid,
            "handle": a.handle if clear else None,
            "display_name": a.display_name if clear else None,
            "description": bio,
            "location": a.location if clear else None,
            "verified": a.verified,
            "followers_count": a.followers_count,
            "following_count": a.following_count,
            "post_count": a.post_count,
            "created_at": a.created_at,
            "publishable": decision.publishable,
            "publishable_reason": decision.reason,
        }

    def _post_row(self, p: Post, text: str | None, author_publishable: bool, prov: dict) -> dict:
        account = lambda aid: self.pseudo.account(p.platform, aid) if aid else None  # noqa: E731
        post = lambda pid: self.pseudo.post(p.platform, pid) if pid else None  # noqa: E731
        return {
            **prov,
            "platform": p.platform,
            "post_pid": post(p.post_id),
            "author_pid": account(p.author_id),
            "created_at": p.created_at,
            "lang": p.lang,
            "text": text,
            "conversation_pid": post(p.conversation_id),
            "reply_to_post_pid": post(p.reply_to_post_id),
            "reply_to_account_pid": account(p.reply_to_account_id),
            "quote_of_post_pid": post(p.quote_of_post_id),
            "hashtags": [h.lower() for h in p.hashtags],
            "mention_pids": [
                account(aid) if aid else self.pseudo.unresolved_handle(p.platform, h) for h, aid in p.mentions
            ],
            "like_count": p.like_count,
            "repost_count": p.repost_count,
            "reply_count": p.reply_count,
            "quote_count": p.quote_count,
            "url": p.url if author_publishable else None,
            "reaction_counts": p.reaction_counts,
        }


def resieve_text(sieve: Sieve, table: pa.Table, column: str, with_model: bool = True) -> pa.Table | None:
    """Run stored text through the sieve again, for people learnt about since it was stored.

    A post can name someone before their account is collected; once the identity index
    knows them, this catches up. Already-pseudonymised text passes through unchanged.
    ``with_model=False`` for text the same spaCy model has read already: its names were
    taken then (and the model is most of a re-sieve's time).
    """
    if table.num_rows == 0:
        return None
    platforms = table["platform"].to_pylist()
    old = table[column].to_pylist()
    new = list(old)
    for platform in set(platforms):
        rows = [i for i, p in enumerate(platforms) if p == platform]
        langs = table["lang"].to_pylist() if "lang" in table.column_names else [None] * table.num_rows
        for i, text in zip(rows, sieve.clean_texts(platform, [old[i] for i in rows], [langs[i] for i in rows], with_model)):
            new[i] = text
    new = [sieve.claim(t) for t in new]
    if new == old:
        return None
    return table.set_column(table.schema.get_field_index(column), column, pa.array(new, pa.string()))
