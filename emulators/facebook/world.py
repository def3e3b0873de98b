"""A deterministic, synthetic Facebook world of public Pages for offline tests.

Everything is generated from one ``random.Random(seed)``: the same seed gives a
byte-identical world (see :meth:`FbWorld.digest`).  All people are fictional and
e-mail addresses use reserved example domains.  The world holds facts (pages,
posts, comments, reactions); counts are derived on demand so that summaries can
never disagree with the lists the emulator serves.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

UTC = timezone.utc

PERIOD_START = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)
PERIOD_END = datetime(2026, 10, 12, 23, 59, tzinfo=UTC)
N_USERS = 150
REACTION_TYPES = ("LIKE", "LOVE", "WOW", "HAHA", "SAD", "ANGRY", "CARE")
# Likes dominate real Pages; the weights keep every type present in the world.
_REACTION_WEIGHTS = (62, 14, 5, 7, 5, 3, 4)


@dataclass
class Page:
    id: str
    username: str
    name: str
    about: str
    link: str
    category: str
    fan_count: int


@dataclass
class User:
    id: str
    name: str


@dataclass
class FbPost:
    id: str  # "PAGEID_POSTID", as the Graph API writes post ids
    page_id: str
    message: str
    created_time: datetime
    permalink_url: str
    shares: int


@dataclass
class Comment:
    id: str  # "POSTID_COMMENTID"
    post_id: str
    parent_id: str | None  # set for replies (comments on a comment)
    from_id: str
    message: str
    created_time: datetime


@dataclass
class Reaction:
    post_id: str
    user_id: str
    type: str


@dataclass
class FbWorld:
    seed: int
    pages: dict[str, Page]  # by id
    users: dict[str, User]  # by id
    posts: list[FbPost]  # generation order; posts_of() gives the API's order
    comments: list[Comment]  # chronological within each post
    reactions: list[Reaction]
    planted_emails: list[str] = field(default_factory=list)
    planted_phones: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Indexes are derived from the facts above and are rebuilt, never compared.
        self._by_username = {p.username.lower(): p for p in self.pages.values()}
        self._posts = {p.id: p for p in self.posts}
        self._page_posts: dict[str, list[FbPost]] = {pid: [] for pid in self.pages}
        for post in self.posts:
            self._page_posts[post.page_id].append(post)
        for posts in self._page_posts.values():
            posts.sort(key=lambda p: (p.created_time, p.id), reverse=True)
        self._comments = {c.id: c for c in self.comments}
        self._stream: dict[str, list[Comment]] = {}
        self._replies: dict[str, list[Comment]] = {}
        for c in self.comments:
            self._stream.setdefault(c.post_id, []).append(c)
            if c.parent_id is not None:
                self._replies.setdefault(c.parent_id, []).append(c)
        self._reactions: dict[str, list[Reaction]] = {}
        for r in self.reactions:
            self._reactions.setdefault(r.post_id, []).append(r)

    # --- lookups ---------------------------------------------------------

    def page(self, id_or_username: str) -> Page | None:
        return self.pages.get(id_or_username) or self._by_username.get(id_or_username.lower())

    def user(self, user_id: str) -> User | None:
        return self.users.get(user_id)

    def post(self, post_id: str) -> FbPost | None:
        return self._posts.get(post_id)

    def comment(self, comment_id: str) -> Comment | None:
        return self._comments.get(comment_id)

    def posts_of(self, page_id: str) -> list[FbPost]:
        """The page's posts, newest first (the Graph API's order)."""
        return self._page_posts.get(page_id, [])

    def comments_of(self, post_id: str, *, stream: bool = False) -> list[Comment]:
        """Chronological comments; top-level only unless ``stream`` (then replies too)."""
        everything = self._stream.get(post_id, [])
        return everything if stream else [c for c in everything if c.parent_id is None]

    def replies_of(self, comment_id: str) -> list[Comment]:
        return self._replies.get(comment_id, [])

    def reactions_of(self, post_id: str) -> list[Reaction]:
        return self._reactions.get(post_id, [])

    def digest(self) -> str:
        """SHA-256 over the world's facts; equal digests mean identical worlds."""
        h = hashlib.sha256()
        for part in (list(self.pages.values()), list(self.users.values()), self.posts,
                     self.comments, self.reactions, self.planted_emails, self.planted_phones):
            h.update(repr(part).encode())
        return h.hexdigest()


# --- generation data -------------------------------------------------------

# (id, username, name, about, link, category, fan count range)
PAGES: tuple[tuple[str, str, str, str, str, str, tuple[int, int]], ...] = (
    ("100000000000001", "demouutiset", "Demo Uutiset",
     "Riippumaton uutismedia (demo). Uutiset, politiikka ja vaalit.",
     "https://demo-uutiset.example", "Media/News Company", (45_000, 55_000)),
    ("100000000000002", "ilmastofoorumi", "Ilmastofoorumi",
     "Kansalaisjärjestö ilmastokeskustelulle. #ilmasto #climate",
     "https://ilmastofoorumi.example", "Nonprofit Organization", (8_000, 12_000)),
    ("100000000000003", "helsinkidemo", "Helsingin kaupunki (demo)",
     "Helsingin kaupungin demosivu: tiedotteet, palvelut ja tapahtumat. Ei oikea kaupungin sivu.",
     "https://helsinki-demo.example", "Government Organization", (90_000, 110_000)),
)

FI_FIRST = ("Aino", "Anna", "Emilia", "Helmi", "Iida", "Katja", "Leena", "Maria", "Minna",
            "Noora", "Riikka", "Satu", "Tiina", "Venla", "Päivi", "Aleksi", "Antti", "Eero",
            "Heikki", "Janne", "Juha", "Jukka", "Kalle", "Lauri", "Mika", "Olli", "Sami",
            "Teemu", "Timo", "Ville", "Väinö", "Onni")
FI_LAST = ("Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine",
           "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Saarinen", "Salminen", "Niemi",
           "Kinnunen", "Salonen", "Turunen", "Rantanen", "Jokinen", "Räsänen", "Aaltonen")
EN_FIRST = ("Alice", "Ben", "Chloe", "Daniel", "Emily", "George", "Grace", "Harry", "Jack",
            "Lucy", "Mia", "Noah", "Oliver", "Sophie", "Thomas", "Zoe")
EN_LAST = ("Smith", "Jones", "Taylor", "Brown", "Wilson", "Johnson", "Walker", "White",
           "Green", "Hall", "Wood", "Clarke", "Baker", "Turner")

# Per page: (Finnish messages, English messages, hashtags); "{h}" is a hashtag slot.
PAGE_TEXTS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "demouutiset": (
        ("Hallitus esitteli budjettiriihen tulokset. Lue koko juttu sivuiltamme. {h}",
         "Kysely: puolueiden kannatuserot kapenevat {h}",
         "Sähkön hinta nousi syyskuussa – näin se näkyy laskussasi {h}",
         "Hyvinvointialueet hakevat lisärahoitusta {h}",
         "Vaalikone avautuu ensi viikolla. Mitä kysyisit ehdokkailta?",
         "Opettajat huolissaan ryhmäkoista {h}",
         "Eduskunta äänesti tänään ilmastolaista {h}"),
        ("Government presents its budget – read the full story. {h}",
         "Poll: party support gaps narrow {h}",
         "Electricity prices rose in September {h}"),
        ("#vaalit", "#talous", "#sote", "#energia", "#koulutus", "#eduskunta", "#uutiset"),
    ),
    "ilmastofoorumi": (
        ("Päästöt laskivat kolmatta vuotta peräkkäin – mutta riittääkö se? {h}",
         "Tule mukaan ilmastokävelylle lauantaina! {h}",
         "Kysy asiantuntijalta: hiilinielut ja metsät {h}",
         "Tuulivoima kasvaa, mitä se tarkoittaa kunnille? {h}",
         "Kiitos kaikille webinaariin osallistuneille!"),
        ("Emissions fell for a third year – is it enough? {h}",
         "Join our climate walk on Saturday! {h}",
         "New report on carbon sinks out now. {h}",
         "Thanks to everyone who joined the webinar!"),
        ("#ilmasto", "#climate", "#energia", "#luonto", "#hiilineutraalius"),
    ),
    "helsinkidemo": (
        ("Kirjastojen aukioloajat muuttuvat lokakuussa. {h}",
         "Kuntalaisilta kysytään mielipidettä pyöräteistä – vastaa kyselyyn! {h}",
         "Ennakkoäänestyspaikat on julkaistu {h}",
         "Syysloman tapahtumat on julkaistu {h}",
         "Raitiotietyöt alkavat Hämeentiellä maanantaina. {h}"),
        ("Library opening hours change in October. {h}",
         "Have your say on cycle paths – answer the survey! {h}",
         "Autumn holiday events are out {h}"),
        ("#helsinki", "#stadi", "#kuntavaalit", "#kirjasto", "#liikenne"),
    ),
}

COMMENTS = (
    ("Hyvä juttu!", "Ei pidä paikkaansa.", "Mistä tämä tieto on?", "Juuri näin.",
     "Tästä pitäisi puhua enemmän.", "Olen eri mieltä.", "Kiitos tiedosta!",
     "Miksi tästä ei kerrottu aiemmin?", "Hienoa, vihdoinkin."),
    ("Great news!", "That's not true.", "Source?", "Exactly.", "Thanks for sharing!",
     "I disagree.", "Why wasn't this announced earlier?"),
)
REPLIES = (
    ("Samaa mieltä.", "Höpö höpö.", "Lue juttu loppuun.", "Hyvä pointti.", "Juuri niin!"),
    ("Agreed.", "Nonsense.", "Read the whole article.", "Good point.", "Exactly!"),
)


def _ascii(s: str) -> str:
    return s.translate(str.maketrans("äöåÄÖÅ", "aoaAOA"))


def _phone(rng: random.Random) -> str:
    d = lambda n: "".join(str(rng.randrange(10)) for _ in range(n))  # noqa: E731
    fmt = rng.randrange(3)
    if fmt == 0:
        return f"+358 4{rng.choice('0145')} {d(3)} {d(4)}"
    if fmt == 1:
        return f"04{rng.choice('0145')} {d(7)}"
    return f"050-{d(3)} {d(4)}"


def _post_time(rng: random.Random) -> datetime:
    """A minute in the period, weighted to Finnish waking hours (UTC+3)."""
    day = rng.randrange((PERIOD_END.date() - PERIOD_START.date()).days + 1)
    hour = rng.choices(range(24), weights=[1, 1, 1, 3, 6, 8, 8, 7, 6, 6, 6, 7, 7, 8, 9, 9,
                                           8, 7, 5, 3, 2, 1, 1, 1])[0]
    return PERIOD_START + timedelta(days=day, hours=hour, minutes=rng.randrange(60))


class _Builder:
    """Generation state; kept in one place so the rng is consumed in a fixed order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used_ids: set[str] = {p[0] for p in PAGES}
        self.users: dict[str, User] = {}
        self.user_ids: list[str] = []
        self.posts: list[FbPost] = []
        self.comments: list[Comment] = []
        self.reactions: list[Reaction] = []
        self.emails: list[str] = []
        self.phones: list[str] = []

    def _new_id(self, digits: tuple[int, int]) -> str:
        while True:
            n = self.rng.randint(*digits)
            out = str(self.rng.randrange(10 ** (n - 1), 10**n))
            if out not in self.used_ids:
                self.used_ids.add(out)
                return out

    def make_users(self) -> None:
        for _ in range(N_USERS):
            en = self.rng.random() < 0.25
            first = self.rng.choice(EN_FIRST if en else FI_FIRST)
            last = self.rng.choice(EN_LAST if en else FI_LAST)
            uid = self._new_id((15, 17))
            self.users[uid] = User(uid, f"{first} {last}")
        self.user_ids = list(self.users)

    def _comment_text(self, author: User, en: bool, reply: bool) -> str:
        rng = self.rng
        text = rng.choice((REPLIES if reply else COMMENTS)[int(en)])
        roll = rng.random()
        if roll < 0.05:  # occasionally people leak contact details in public comments
            first, last = (_ascii(p).lower() for p in author.name.split(" ", 1))
            email = f"{first}.{last}{rng.randint(1, 99)}@" + rng.choice(
                ("example.fi", "example.com", "example.org"))
            self.emails.append(email)
            text += f" Email me: {email}" if en else f" Laita viestiä: {email}"
        elif roll < 0.09:
            phone = _phone(rng)
            self.phones.append(phone)
            text += f" Call me on {phone}." if en else f" Soita {phone}."
        return text

    def _comments(self, post: FbPost, post_num: str) -> None:
        rng = self.rng
        n = min(15, int(rng.expovariate(1 / 4)))
        at = post.created_time
        top: list[Comment] = []
        for _ in range(n):
            # Sequential gaps keep generation order chronological, so a reply (to an
            # earlier top-level comment) is always later than its parent.
            at += timedelta(minutes=rng.randint(1, 240))
            author = self.users[rng.choice(self.user_ids)]
            en = rng.random() < 0.3
            parent = rng.choice(top) if top and rng.random() < 0.3 else None
            cid = f"{post_num}_{self._new_id((15, 16))}"
            comment = Comment(cid, post.id, parent.id if parent else None, author.id,
                              self._comment_text(author, en, parent is not None), at)
            if parent is None:
                top.append(comment)
            self.comments.append(comment)

    def make_page(self, page: Page) -> None:
        rng = self.rng
        fi_texts, en_texts, tags = PAGE_TEXTS[page.username]
        for _ in range(rng.randint(60, 120)):
            en = rng.random() < 0.3
            text = rng.choice(en_texts if en else fi_texts)
            tag = rng.choice(tags) if rng.random() < 0.6 else ""
            message = text.replace("{h}", tag).rstrip()
            post_num = self._new_id((15, 17))
            shares = 0 if rng.random() < 0.35 else rng.randint(1, 40)
            post = FbPost(f"{page.id}_{post_num}", page.id, message, _post_time(rng),
                          f"https://www.facebook.com/{page.id}/posts/{post_num}", shares)
            self.posts.append(post)
            self._comments(post, post_num)
            for uid in rng.sample(self.user_ids, min(len(self.user_ids),
                                                     int(rng.expovariate(1 / 12)))):
                kind = rng.choices(REACTION_TYPES, weights=_REACTION_WEIGHTS)[0]
                self.reactions.append(Reaction(post.id, uid, kind))


def build_world(seed: int = 2026) -> FbWorld:
    """Generate the synthetic world; the same seed gives an identical world."""
    b = _Builder(seed)
    b.make_users()
    pages: dict[str, Page] = {}
    for pid, username, name, about, link, category, fans in PAGES:
        page = Page(pid, username, name, about, link, category, b.rng.randint(*fans))
        pages[pid] = page
        b.make_page(page)
    return FbWorld(seed=seed, pages=pages, users=b.users, posts=b.posts, comments=b.comments,
                   reactions=b.reactions, planted_emails=list(dict.fromkeys(b.emails)),
                   planted_phones=list(dict.fromkeys(b.phones)))
