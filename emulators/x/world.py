"""A deterministic, synthetic X (Twitter) world for offline collection tests.

Everything is generated from one ``random.Random(seed)``: the same seed always
gives a byte-identical world (see :meth:`World.digest`).  All people are
fictional; e-mail addresses use reserved example domains.  The world holds the
*facts* (accounts, posts, follows, likes, reposts); every public metric is
derived from them on demand so that counts can never disagree with the lists
the emulator serves.
"""

from __future__ import annotations

import hashlib
import random
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Literal, NamedTuple

UTC = timezone.utc

Kind = Literal["politician", "candidate", "organisation", "person"]
RefType = Literal["replied_to", "quoted"]

# X snowflake ids count milliseconds from this epoch in their top 41 bits.
SNOWFLAKE_EPOCH_MS = 1288834974657

PERIOD_START = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)
PERIOD_END = datetime(2026, 10, 12, 23, 59, tzinfo=UTC)
N_PERSONS = 280
N_POSTS = 3000

HASHTAGS = (
    "vaalit", "eduskunta", "kuntavaalit", "ilmasto", "climate", "helsinki",
    "energia", "koulutus", "sote", "talous", "politiikka",
)

# code -> (name, genitive used in bios/posts, English name, stance fi, stance en)
PARTIES: dict[str, tuple[str, str, str, str, str]] = {
    "KOK": ("Kokoomus", "kokoomuksen", "National Coalition Party",
            "kasvua ja työtä, ei uutta velkaa", "growth and jobs, not new debt"),
    "SDP": ("SDP", "SDP:n", "Social Democratic Party",
            "reilu työelämä ja toimiva sote", "fair work and working health care"),
    "PS": ("Perussuomalaiset", "perussuomalaisten", "Finns Party",
           "Suomen etu ensin", "Finland's interest first"),
    "KESK": ("Keskusta", "keskustan", "Centre Party",
             "koko Suomi pidetään asuttuna", "keeping all of Finland alive"),
    "VIHR": ("Vihreät", "vihreiden", "Greens",
             "ilmasto ja luonto edellä", "climate and nature first"),
    "VAS": ("Vasemmistoliitto", "vasemmistoliiton", "Left Alliance",
            "kukaan ei jää jälkeen", "nobody left behind"),
    "RKP": ("RKP", "RKP:n", "Swedish People's Party",
            "kaksikielinen Suomi", "a bilingual Finland"),
    "KD": ("Kristillisdemokraatit", "kristillisdemokraattien", "Christian Democrats",
           "perheet ja ikäihmiset ensin", "families and the elderly first"),
}


class Mention(NamedTuple):
    start: int
    end: int
    username: str
    id: str


class Hashtag(NamedTuple):
    start: int
    end: int
    tag: str


class UrlEntity(NamedTuple):
    start: int
    end: int
    url: str
    expanded_url: str
    display_url: str


@dataclass
class Account:
    id: str
    username: str
    name: str
    description: str
    location: str
    created_at: datetime
    verified: bool
    protected: bool = False
    kind: Kind = "person"
    party: str | None = None
    url: str = ""


@dataclass
class Post:
    id: str
    author_id: str
    text: str
    created_at: datetime
    lang: str
    conversation_id: str
    in_reply_to_user_id: str | None = None
    referenced: list[tuple[RefType, str]] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    hashtags: list[Hashtag] = field(default_factory=list)
    urls: list[UrlEntity] = field(default_factory=list)


_MENTION_RE = re.compile(r"(?<![\w@])@(\w{1,15})(?!\w)")
# A hashtag needs at least one letter: "#2026" is not a hashtag on X.
_HASHTAG_RE = re.compile(r"(?<![\w#&])#(\w*[^\W\d_]\w*)")
_URL_RE = re.compile(r"https?://[^\s]+")


def snowflake(at: datetime, low_bits: int = 0) -> int:
    """An X-style id: milliseconds since the X epoch, shifted past 22 low bits."""
    ms = int(at.timestamp() * 1000)
    return ((ms - SNOWFLAKE_EPOCH_MS) << 22) | (low_bits & 0x3FFFFF)


def parse_entities(
    text: str, by_username: dict[str, Account], expansions: dict[str, str] | None = None
) -> tuple[list[Mention], list[Hashtag], list[UrlEntity]]:
    """Entities as X reports them; offsets are code-point indices into ``text``."""
    mentions = [
        Mention(m.start(), m.end(), acc.username, acc.id)
        for m in _MENTION_RE.finditer(text)
        if (acc := by_username.get(m.group(1).lower())) is not None
    ]
    hashtags = [Hashtag(m.start(), m.end(), m.group(1)) for m in _HASHTAG_RE.finditer(text)]
    urls = []
    for m in _URL_RE.finditer(text):
        expanded = (expansions or {}).get(m.group(0), m.group(0))
        display = re.sub(r"^https?://(www\.)?", "", expanded)
        if len(display) > 26:  # X shortens long display urls with an ellipsis
            display = display[:25] + "…"
        urls.append(UrlEntity(m.start(), m.end(), m.group(0), expanded, display))
    return mentions, hashtags, urls


@dataclass
class World:
    seed: int
    accounts: dict[str, Account]  # by id, in generation order
    posts: list[Post]  # ascending id (= ascending time for generated posts)
    follows: set[tuple[str, str]]  # (follower_id, followee_id)
    likes: dict[str, list[str]]  # post id -> user ids
    reposts: dict[str, list[str]]  # post id -> user ids
    planted_emails: list[str] = field(default_factory=list)
    planted_phones: list[str] = field(default_factory=list)
    planted_names: list[str] = field(default_factory=list)  # full names written in posts
    planted_identity_codes: list[str] = field(default_factory=list)  # valid henkilötunnus
    planted_ibans: list[str] = field(default_factory=list)  # valid Finnish IBANs
    # Derived indexes and the mutation lock are not part of the world's identity.
    by_username: dict[str, Account] = field(init=False, repr=False, compare=False)
    version: int = field(init=False, default=0, repr=False, compare=False)
    lock: threading.RLock = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.by_username = {a.username.lower(): a for a in self.accounts.values()}
        self._by_id: dict[str, Post] = {}
        self._by_author: dict[str, list[Post]] = {}
        self._quotes: dict[str, list[Post]] = {}
        self._reply_count: Counter[str] = Counter()
        self._likes_given: Counter[str] = Counter()
        for post in self.posts:
            self._index_post(post)
        for likers in self.likes.values():
            self._likes_given.update(likers)
        # Newest accounts first, mimicking X's "most recent follower first" order.
        newest_first = sorted(self.follows, key=lambda f: (-int(f[0]), -int(f[1])))
        self._followers: dict[str, list[str]] = {}
        self._following: dict[str, list[str]] = {}
        for follower, followee in newest_first:
            self._followers.setdefault(followee, []).append(follower)
        for follower, followee in sorted(self.follows, key=lambda f: (-int(f[1]), f[0])):
            self._following.setdefault(follower, []).append(followee)

    def _index_post(self, post: Post) -> None:
        self._by_id[post.id] = post
        self._by_author.setdefault(post.author_id, []).append(post)
        for ref_type, ref_id in post.referenced:
            if ref_type == "quoted":
                self._quotes.setdefault(ref_id, []).append(post)
            else:
                self._reply_count[ref_id] += 1

    # --- lookups ---------------------------------------------------------

    def user(self, user_id: str) -> Account | None:
        return self.accounts.get(user_id)

    def user_by_username(self, username: str) -> Account | None:
        return self.by_username.get(username.lower())

    def post(self, post_id: str) -> Post | None:
        return self._by_id.get(post_id)

    def posts_by(self, user_id: str) -> list[Post]:
        """The user's posts, oldest first."""
        return self._by_author.get(user_id, [])

    def quotes_of(self, post_id: str) -> list[Post]:
        """Posts quoting ``post_id``, oldest first."""
        return self._quotes.get(post_id, [])

    def followers_of(self, user_id: str) -> list[str]:
        return self._followers.get(user_id, [])

    def following_of(self, user_id: str) -> list[str]:
        return self._following.get(user_id, [])

    def user_metrics(self, user_id: str) -> dict[str, int]:
        followers = len(self.followers_of(user_id))
        return {
            "followers_count": followers,
            "following_count": len(self.following_of(user_id)),
            "tweet_count": len(self.posts_by(user_id)),
            "listed_count": followers // 30,
            "like_count": self._likes_given[user_id],
        }

    def post_metrics(self, post_id: str) -> dict[str, int]:
        likes = len(self.likes.get(post_id, ()))
        reposts = len(self.reposts.get(post_id, ()))
        replies = self._reply_count[post_id]
        quotes = len(self.quotes_of(post_id))
        return {
            "retweet_count": reposts,
            "reply_count": replies,
            "like_count": likes,
            "quote_count": quotes,
            "bookmark_count": likes // 10,
            "impression_count": 40 + 25 * likes + 60 * reposts + 15 * replies + 40 * quotes,
        }

    # --- mutation ----------------------------------------------------------

    def add_post(
        self,
        author_username: str,
        text: str,
        created_at: datetime,
        lang: str = "fi",
        *,
        reply_to: str | None = None,
        quote_of: str | None = None,
    ) -> Post:
        """Publish a new post; its id is greater than every existing id.

        Lets tests simulate activity between two collection runs.  ``reply_to``
        and ``quote_of`` are optional post ids of existing posts.
        """
        author = self.user_by_username(author_username)
        if author is None:
            raise KeyError(f"unknown username: {author_username}")
        if created_at.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")
        with self.lock:
            last = int(self.posts[-1].id) if self.posts else 0
            post_id = str(max(snowflake(created_at.astimezone(UTC)), last + 1))
            mentions, hashtags, urls = parse_entities(text, self.by_username)
            post = Post(post_id, author.id, text, created_at.astimezone(UTC), lang, post_id,
                        mentions=mentions, hashtags=hashtags, urls=urls)
            if reply_to is not None:
                parent = self._by_id[reply_to]
                post.in_reply_to_user_id = parent.author_id
                post.conversation_id = parent.conversation_id
                post.referenced.append(("replied_to", parent.id))
            if quote_of is not None:
                post.referenced.append(("quoted", self._by_id[quote_of].id))
            self.posts.append(post)
            self._index_post(post)
            self.version += 1
        return post

    def digest(self) -> str:
        """SHA-256 over the world's facts; equal digests mean identical worlds."""
        h = hashlib.sha256()
        for part in (
            list(self.accounts.values()), self.posts, sorted(self.follows),
            sorted(self.likes.items()), sorted(self.reposts.items()),
            self.planted_emails, self.planted_phones, self.planted_names,
            self.planted_identity_codes, self.planted_ibans,
        ):
            h.update(repr(part).encode())
        return h.hexdigest()


# --- generation data -------------------------------------------------------

# (username, name, kind, party, description, location, created year)
PUBLIC_ACCOUNTS: tuple[tuple[str, str, Kind, str | None, str, str, int], ...] = (
    ("demo_uutiset", "Demo Uutiset", "organisation", None,
     "Riippumaton uutismedia (demo). Uutiset, politiikka ja vaalit.", "Helsinki", 2009),
    ("ilmastofoorumi", "Ilmastofoorumi", "organisation", None,
     "Kansalaisjärjestö ilmastokeskustelulle. #ilmasto #climate", "Suomi", 2012),
    ("helsinki_demo", "Helsingin kaupunki (demo)", "organisation", None,
     "Helsingin kaupungin demotili: tiedotteet, palvelut ja tapahtumat. Ei oikea kaupungin tili.",
     "Helsinki", 2010),
    ("ainovirtanen", "Aino Virtanen", "politician", "KOK",
     "Kansanedustaja (kok.), Uusimaa. Talous, koulutus ja yrittäjyys.", "Espoo", 2011),
    ("mikkolaine_sdp", "Mikko Laine", "candidate", "SDP",
     "SDP:n eduskuntavaaliehdokas Tampereelta. Työtä, turvaa ja reilu sote.", "Tampere", 2015),
    ("lauraniemi", "Laura Niemi", "politician", "VIHR",
     "Vihreät. Kaupunginvaltuutettu, Helsinki. Ilmasto, joukkoliikenne ja luonto.", "Helsinki", 2013),
    ("jussiheikkinen", "Jussi Heikkinen", "politician", "PS",
     "Perussuomalaisten kansanedustaja, Pirkanmaa. Suomen etu ensin.", "Nokia", 2014),
    ("sannakoskinen", "Sanna Koskinen", "candidate", "KESK",
     "Keskustan ehdokas eduskuntavaaleissa, Oulun vaalipiiri.", "Oulu", 2018),
    ("pekkasalo_vas", "Pekka Salo", "politician", "VAS",
     "Vasemmistoliitto. Kaupunginvaltuutettu ja ay-aktiivi, Turku.", "Turku", 2012),
    ("emmalindqvist", "Emma Lindqvist", "politician", "RKP",
     "MP for the Swedish People's Party (RKP / SFP). Riksdagsledamot för SFP i Nyland.",
     "Porvoo / Borgå", 2011),
    ("mattihyvonen_kd", "Matti Hyvönen", "candidate", "KD",
     "Kristillisdemokraattien ehdokas eduskuntavaaleissa. Perheet ja vanhustenhoito.",
     "Jyväskylä", 2016),
)
# How likely an ordinary person is to follow each public account.
_POPULARITY = {
    "demo_uutiset": 0.7, "helsinki_demo": 0.5, "ilmastofoorumi": 0.3, "ainovirtanen": 0.35,
    "mikkolaine_sdp": 0.15, "lauraniemi": 0.3, "jussiheikkinen": 0.3, "sannakoskinen": 0.12,
    "pekkasalo_vas": 0.15, "emmalindqvist": 0.2, "mattihyvonen_kd": 0.1,
}
_ORG_URLS = {
    "demo_uutiset": "https://demo-uutiset.example",
    "ilmastofoorumi": "https://ilmastofoorumi.example",
    "helsinki_demo": "https://helsinki-demo.example",
}

FI_FIRST = (
    "Aino", "Anna", "Emilia", "Helmi", "Iida", "Johanna", "Katja", "Leena", "Maria", "Minna",
    "Noora", "Oona", "Pauliina", "Riikka", "Sari", "Satu", "Tiina", "Venla", "Elina", "Hanna",
    "Kaisa", "Sofia", "Päivi", "Sirpa", "Aleksi", "Antti", "Eero", "Eetu", "Heikki", "Janne",
    "Jari", "Juha", "Jukka", "Kalle", "Lauri", "Markku", "Mika", "Olli", "Petri", "Sami",
    "Teemu", "Timo", "Tuomas", "Ville", "Väinö", "Onni", "Jyrki", "Tapio", "Ilkka", "Joonas",
)
FI_LAST = (
    "Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen",
    "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen", "Heinonen", "Niemi",
    "Heikkilä", "Kinnunen", "Salonen", "Turunen", "Salo", "Laitinen", "Tuominen", "Rantanen",
    "Karjalainen", "Jokinen", "Mattila", "Savolainen", "Lahtinen", "Ahonen", "Lindholm",
    "Hiltunen", "Kettunen", "Ojala", "Räsänen", "Peltonen", "Leppänen", "Aaltonen", "Manninen",
    "Hyvönen",
)
EN_FIRST = (
    "Alice", "Ben", "Chloe", "Daniel", "Emily", "George", "Grace", "Harry", "Isla", "Jack",
    "James", "Lucy", "Mia", "Noah", "Oliver", "Olivia", "Ruby", "Sam", "Sophie", "Thomas",
    "William", "Zoe", "Ethan", "Hannah", "Liam", "Ella", "Max", "Rose",
)
EN_LAST = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Miller", "Carter", "Hughes", "Baker", "Turner",
)
FI_BIOS = (
    "Opettaja ja kahvinjuoja.", "Insinööri Tampereelta. Mielipiteet omiani.",
    "Äiti, juoksija, kirjojen ystävä.", "Eläkeläinen, kiinnostunut politiikasta ja luonnosta.",
    "Sairaanhoitaja. #sote", "Yrittäjä ja isä.", "Kuntapolitiikka kiinnostaa.",
    "Metsä, kalastus ja sauna.", "Historian harrastaja.", "Datanörtti.",
    "Kirjastonhoitaja ja lukutoukka.", "Opiskelija, yhteiskuntatieteet.",
)
EN_BIOS = (
    "Software developer in Helsinki.", "Researcher. Views my own.", "Runner, reader, dad.",
    "Expat in Finland, learning Finnish slowly.", "Climate nerd.", "Teacher and gardener.",
    "Photographer.", "Policy wonk. Coffee first.",
)
# Loose, third-party-ish party sympathies in ordinary bios (not party memberships).
PARTY_HINTS = (
    "äänestän vihreitä", "demari henkeen ja vereen", "kokoomuslainen sydämeltään",
    "persujen kannattaja", "keskustalainen maalta", "vasemmalla ja ylpeä siitä",
    "voting Greens this time",
)
LOCATIONS = (
    "Helsinki", "Tampere", "Turku", "Oulu", "Espoo", "Vantaa", "Jyväskylä", "Kuopio", "Lahti",
    "Pori", "Suomi", "Finland", "Helsinki, Finland", "Rovaniemi", "",
)
PLACES = (
    "Kauppatori", "Tampereen keskustori", "Turun kauppatori", "Oulun Rotuaari",
    "Jyväskylän kirkkopuisto", "Espoon Iso Omena", "Porvoon tori", "Kuopion tori",
)
# hashtag -> (Finnish elative phrases, English phrases)
TOPICS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "vaalit": (("eduskuntavaaleista", "vaalikampanjoista", "vaalitenteistä"),
               ("the election", "the campaign debates")),
    "eduskunta": (("eduskunnan kyselytunnista", "eduskunnan budjettikeskustelusta"),
                  ("the parliament debate", "question time in parliament")),
    "kuntavaalit": (("kuntavaaleista", "kunnan palveluista"),
                    ("the municipal elections", "local services")),
    "ilmasto": (("ilmastotoimista", "hiilineutraaliudesta", "päästövähennyksistä"),
                ("climate policy", "carbon neutrality")),
    "climate": (("ilmastokriisistä",), ("climate action", "emissions targets")),
    "helsinki": (("Helsingin joukkoliikenteestä", "Helsingin asuntopolitiikasta"),
                 ("Helsinki public transport", "housing in Helsinki")),
    "energia": (("sähkön hinnasta", "tuulivoimasta", "ydinvoimasta"),
                ("electricity prices", "wind power")),
    "koulutus": (("oppivelvollisuudesta", "koulujen rahoituksesta"),
                 ("school funding", "education cuts")),
    "sote": (("sote-uudistuksesta", "hoitojonoista", "hyvinvointialueiden rahoituksesta"),
             ("healthcare queues", "the health care reform")),
    "talous": (("valtion velasta", "työllisyydestä", "inflaatiosta"),
               ("public debt", "employment", "inflation")),
    "politiikka": (("päivän politiikasta", "hallituksen linjasta"),
                   ("today's politics", "the government's direction")),
}
OPINIONS = (
    ("Tähän tarvitaan nopeasti ratkaisuja.", "En ole ihan vakuuttunut.",
     "Hyvä että tästä puhutaan.", "Tämä huolestuttaa minua.", "Ihan järkevä ehdotus minusta.",
     "Miksi kukaan ei puhu tästä enemmän?", "Odotan kiinnostuneena jatkoa."),
    ("We need solutions fast.", "Not convinced, honestly.", "Good that this is discussed.",
     "This worries me.", "Sounds reasonable to me.", "Why is nobody talking about this?",
     "Curious to see what happens next."),
)
PERSON_TEMPLATES = (
    ("Mitä mieltä olette {topic}? {op}", "Luin juuri jutun {topic}. {op}",
     "Keskustelu {topic} jatkuu. {op}", "{op} Puhutaan {topic} lisää huomenna.",
     "Taas uutisia {topic}. {op}"),
    ("What do you think about {topic}? {op}", "Just read an article on {topic}. {op}",
     "{op} More on {topic} tomorrow.", "Another day, more news on {topic}. {op}"),
)
MENTION_TEMPLATES = (
    ("Mitä {m} ajattelee tästä?", "cc {m}", "{m} oli tästä oikeassa.", "Samaa mieltä kuin {m}."),
    ("What does {m} think?", "cc {m}", "{m} was right about this.", "Agree with {m}."),
)
REPLY_BODIES = (
    ("Hyvä pointti!", "Ei pidä paikkaansa.", "Mistä tämä tieto on?", "Juuri näin.",
     "Kiitos vastauksesta.", "Olen eri mieltä, mutta kiinnostava näkökulma."),
    ("Good point!", "That's not true.", "Source?", "Exactly.", "Thanks for answering.",
     "I disagree, but interesting take."),
)
POLITICIAN_TEMPLATES = (
    ("Puhuin tänään {topic}. {party_gen} linja on selvä: {stance}.",
     "Kiitos kaikille, jotka tulivat kampanjateltalle ({place})!",
     "Vaalit lähestyvät. {party} – {stance}. #vaalit",
     "Eduskunnassa tänään keskustelua {topic}. {op} #eduskunta",
     "Huomenna tavattavissa: {place}. Tule kysymään {topic}!"),
    ("Spoke today about {topic}. The {party_en} stands for {stance}.",
     "Thank you to everyone who visited our campaign tent ({place})!",
     "Election day is coming. {party_en}: {stance}. #vaalit",
     "Parliament debated {topic} today. {op} #eduskunta"),
)
HEADLINES = (
    ("Hallitus esitteli budjettiriihen tulokset", "talous"),
    ("Kysely: puolueiden kannatuserot kapenevat", "vaalit"),
    ("Sähkön hinta nousi syyskuussa", "energia"),
    ("Hyvinvointialueet hakevat lisärahoitusta", "sote"),
    ("Vaalikone avautuu ensi viikolla", "vaalit"),
    ("Helsinki laajentaa kaupunkipyöräverkkoa", "helsinki"),
    ("Opettajat huolissaan ryhmäkoista", "koulutus"),
    ("Päästöt laskivat kolmatta vuotta", "ilmasto"),
    ("Eduskunta äänesti ilmastolaista", "eduskunta"),
)
EN_HEADLINES = (
    ("Government presents its budget", "talous"), ("Poll: party support gaps narrow", "vaalit"),
    ("Electricity prices rose in September", "energia"), ("Emissions fell for a third year", "climate"),
)
NOTICES = (
    "Kirjastojen aukioloajat muuttuvat lokakuussa", "Kuntalaisilta kysytään mielipidettä pyöräteistä",
    "Ennakkoäänestyspaikat on julkaistu", "Syysloman tapahtumat julkaistu",
    "Raitiotietyöt alkavat Hämeentiellä",
)


def _ascii(s: str) -> str:
    return s.translate(str.maketrans("äöåÄÖÅé", "aoaAOAe"))


def _handle(rng: random.Random, first: str, last: str, taken: set[str]) -> str:
    a, b = _ascii(first).lower(), _ascii(last).lower()
    candidates = (
        a + b, f"{a}_{b}", a[0] + b, f"{a}{b[0]}", f"{a}{b}{rng.randint(1, 99)}",
        f"{a}_{rng.randint(70, 99)}", f"{b}{a[:3]}", first + _ascii(last),
        f"{_ascii(first)[0]}{_ascii(last)}_{rng.randint(1, 9)}", f"{b}_{a}",
    )
    handle = rng.choice(candidates)[:15]
    while handle.lower() in taken:  # real X handles are unique case-insensitively
        handle = f"{handle[:12]}{rng.randint(10, 999)}"[:15]
    taken.add(handle.lower())
    return handle


def _random_time(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + timedelta(seconds=rng.randint(0, int((end - start).total_seconds())))


def _post_time(rng: random.Random) -> datetime:
    """A second in the period, weighted to Finnish waking hours (UTC+3)."""
    day = rng.randrange((PERIOD_END.date() - PERIOD_START.date()).days + 1)
    hour = rng.choices(range(24), weights=[1, 1, 1, 2, 4, 6, 7, 7, 6, 6, 6, 6, 7, 7, 8, 9,
                                           9, 8, 7, 5, 3, 2, 1, 1])[0]
    at = PERIOD_START + timedelta(days=day, hours=hour, seconds=rng.randrange(3600))
    return min(at, PERIOD_END)


def _phone(rng: random.Random) -> str:
    d = lambda n: "".join(str(rng.randrange(10)) for _ in range(n))  # noqa: E731
    fmt = rng.randrange(5)
    if fmt == 0:
        return f"+358 4{rng.choice('0145')} {d(3)} {d(4)}"
    if fmt == 1:
        return f"04{rng.choice('0145')} {d(7)}"
    if fmt == 2:
        return f"050-{d(3)} {d(4)}"
    if fmt == 3:
        return f"(09) {d(3)} {d(4)}"
    return f"+3589{d(7)}"


def _identity_code(rng: random.Random) -> str:
    """A henkilötunnus with a valid date, century sign and check character."""
    sign, base = rng.choice((("-", 1900), ("A", 2000), ("Y", 1900), ("B", 2000)))
    born = datetime(base + rng.randrange(1, 99), rng.randrange(1, 13), rng.randrange(1, 29))
    date, individual = born.strftime("%d%m%y"), f"{rng.randrange(2, 900):03d}"
    return f"{date}{sign}{individual}" + "0123456789ABCDEFHJKLMNPRSTUVWXY"[int(date + individual) % 31]


def _fi_iban(rng: random.Random) -> str:
    """A Finnish IBAN with valid check digits, written in groups of four."""
    bban = "".join(str(rng.randrange(10)) for _ in range(14))
    check = 98 - int(bban + "151800") % 97  # F=15, I=18, then "00"
    iban = f"FI{check:02d}{bban}"
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


class _Builder:
    """Generation state; kept in one place so the rng is consumed in a fixed order."""

    def __init__(self, seed: int, posts: int = N_POSTS) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.n_posts = posts
        self.accounts: dict[str, Account] = {}
        self.by_username: dict[str, Account] = {}
        self.public: list[Account] = []
        self.persons: list[Account] = []
        self.posts: list[Post] = []
        self.follows: dict[tuple[str, str], None] = {}  # ordered set
        self.followers: dict[str, list[str]] = {}
        self.emails: list[str] = []
        self.phones: list[str] = []
        self.names: list[str] = []
        self.codes: list[str] = []
        self.ibans: list[str] = []
        self.used_ids: set[str] = set()

    def _account_id(self, created: datetime) -> str:
        # Accounts from before snowflake ids (late 2013) have short numeric ids.
        while True:
            if created.year < 2014:
                aid = str(self.rng.randint(10_000_000, 2_000_000_000))
            else:
                aid = str(snowflake(created, self.rng.getrandbits(22)))
            if aid not in self.used_ids:
                self.used_ids.add(aid)
                return aid

    def _add_account(self, acc: Account) -> None:
        self.accounts[acc.id] = acc
        self.by_username[acc.username.lower()] = acc

    def make_accounts(self) -> None:
        rng = self.rng
        taken = {p[0] for p in PUBLIC_ACCOUNTS}
        for username, name, kind, party, bio, loc, year in PUBLIC_ACCOUNTS:
            created = _random_time(rng, datetime(year, 1, 1, tzinfo=UTC),
                                   datetime(year, 12, 31, tzinfo=UTC))
            acc = Account(self._account_id(created), username, name, bio, loc, created,
                          verified=kind != "candidate", kind=kind, party=party,
                          url=_ORG_URLS.get(username, ""))
            self._add_account(acc)
            self.public.append(acc)
        public_names = {p[1] for p in PUBLIC_ACCOUNTS}
        while len(self.persons) < N_PERSONS:
            finnish = rng.random() < 0.75
            first = rng.choice(FI_FIRST if finnish else EN_FIRST)
            last = rng.choice(FI_LAST if finnish else EN_LAST)
            if f"{first} {last}" in public_names:
                continue  # keep politicians' names unambiguous
            roll = rng.random()
            if roll < 0.15:
                bio = ""
            else:
                bio = rng.choice(FI_BIOS if finnish else EN_BIOS)
                if roll > 0.9:
                    bio = f"{bio} {rng.choice(PARTY_HINTS)}"
            created = _random_time(rng, datetime(2009, 1, 1, tzinfo=UTC),
                                   datetime(2025, 12, 31, tzinfo=UTC))
            acc = Account(self._account_id(created), _handle(rng, first, last, taken),
                          f"{first} {last}", bio, rng.choice(LOCATIONS), created, verified=False)
            self._add_account(acc)
            self.persons.append(acc)

    def _follow(self, follower: str, followee: str) -> None:
        if follower != followee and (follower, followee) not in self.follows:
            self.follows[(follower, followee)] = None
            self.followers.setdefault(followee, []).append(follower)

    def make_follows(self) -> None:
        rng = self.rng
        weights = [rng.paretovariate(1.3) for _ in self.persons]
        for person in self.persons:
            for pub in self.public:
                if rng.random() < _POPULARITY[pub.username]:
                    self._follow(person.id, pub.id)
            for other in rng.choices(self.persons, weights=weights, k=rng.randint(3, 20)):
                self._follow(person.id, other.id)
        for pub in self.public:
            for other in rng.sample(self.public, k=rng.randint(3, 8)):
                self._follow(pub.id, other.id)
            for person in rng.sample(self.persons, k=rng.randint(5, 30)):
                self._follow(pub.id, person.id)

    def _mention(self, author: Account) -> str:
        pool = self.persons if self.rng.random() < 0.6 else self.public
        target = self.rng.choice(pool)
        if target is author:
            target = self.rng.choice(self.public)
        return f"@{target.username}"

    def _tags(self, primary: str) -> str:
        tags = [primary]
        if self.rng.random() < 0.3:
            tags.append(self.rng.choice(HASHTAGS))
        return " ".join(f"#{t}" for t in dict.fromkeys(tags))

    def _tco(self, expansions: dict[str, str], target: str) -> str:
        code = "".join(self.rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
                       for _ in range(10))
        url = f"https://t.co/{code}"
        expansions[url] = target
        return url

    def _person_text(self, author: Account, en: bool) -> str:
        rng = self.rng
        li = int(en)
        tag = rng.choice(HASHTAGS)
        parts = [rng.choice(PERSON_TEMPLATES[li]).format(
            topic=rng.choice(TOPICS[tag][li]), op=rng.choice(OPINIONS[li]))]
        if rng.random() < 0.3:
            parts.append(rng.choice(MENTION_TEMPLATES[li]).format(m=self._mention(author)))
        parts.extend(self._pii(author, en))
        if rng.random() < 0.8:
            parts.append(self._tags(tag))
        return " ".join(parts)

    def _pii(self, author: Account, en: bool) -> list[str]:
        """Occasionally leak personal data, recording the exact strings planted."""
        rng = self.rng
        out = []
        roll = rng.random()
        if roll < 0.06:
            first, last = (_ascii(p).lower() for p in author.name.split(" ", 1))
            domain = rng.choice(("example.fi", "example.com", "example.org"))
            email = rng.choice((f"{first}.{last}@{domain}",
                                f"{first}{rng.randint(1, 99)}@{domain}"))
            out.append(f"Email me at {email} if you want to join." if en
                       else f"Lisätietoja saa minulta: {email}")
            self.emails.append(email)
        elif roll < 0.11:
            phone = _phone(rng)
            out.append(f"Call {phone} for details." if en
                       else f"Soita {phone} jos haluat mukaan talkoisiin.")
            self.phones.append(phone)
        elif roll < 0.14:
            out.append(f"– {author.name}" if en else f"Terveisin {author.name}")
            self.names.append(author.name)
        elif roll < 0.17:
            other = rng.choice(self.persons).name
            out.append(f"Met {other} at the market today." if en
                       else f"Tapasin tänään {other} torilla.")
            self.names.append(other)
        elif roll < 0.19:
            code = _identity_code(rng)
            out.append(f"Oops, my id code is {code}, please delete." if en
                       else f"Hetuni on {code}, tarvitsetteko sen?")
            self.codes.append(code)
        elif roll < 0.21:
            iban = _fi_iban(rng)
            out.append(f"Donations to {iban}, thanks!" if en else f"Keräystili {iban}, kiitos!")
            self.ibans.append(iban)
        return out

    def _politician_text(self, author: Account, en: bool) -> str:
        rng = self.rng
        li = int(en)
        assert author.party is not None
        name, gen, name_en, stance_fi, stance_en = PARTIES[author.party]
        tag = rng.choice(HASHTAGS)
        text = rng.choice(POLITICIAN_TEMPLATES[li]).format(
            topic=rng.choice(TOPICS[tag][li]), party_gen=gen[0].upper() + gen[1:], party=name,
            party_en=name_en, stance=stance_en if en else stance_fi, place=rng.choice(PLACES),
            op=rng.choice(OPINIONS[li]))
        if rng.random() < 0.25:
            other = rng.choice([a for a in self.public if a.kind != "organisation"])
            if other is not author:
                text += (f" Thanks @{other.username} for the debate!" if en
                         else f" Kiitos @{other.username} hyvästä väittelystä!")
        if "#" not in text:
            text += " " + self._tags(tag)
        return text

    def _org_text(self, author: Account, en: bool, expansions: dict[str, str]) -> str:
        rng = self.rng
        if author.username == "demo_uutiset":
            headline, tag = rng.choice(EN_HEADLINES if en else HEADLINES)
            link = self._tco(expansions, f"{author.url}/a/{rng.randint(10000, 99999)}")
            return f"{'NEWS' if en else 'UUTINEN'}: {headline} {link} #{tag}"
        if author.username == "ilmastofoorumi":
            if en:
                link = self._tco(expansions, f"{author.url}/reports/{rng.randint(100, 999)}")
                return f"New report on climate action in Finland {link} #climate"
            topic = rng.choice(TOPICS["ilmasto"][0])
            return f"Ilmastofoorumin webinaari {topic}. Ilmoittaudu mukaan! #ilmasto"
        link = self._tco(expansions, f"{author.url}/tiedotteet/{rng.randint(1000, 9999)}")
        return f"Tiedote: {rng.choice(NOTICES)} {link} #helsinki"

    def make_posts(self) -> None:
        rng = self.rng
        activity = {a.id: (12.0 if a.username == "demo_uutiset" else 6.0) for a in self.public}
        for p in self.persons:
            activity[p.id] = min(rng.paretovariate(1.3), 12.0) * 0.55
        authors = list(self.accounts.values())
        weights = [activity[a.id] for a in authors]
        slots = sorted(
            ((_post_time(rng), i, author) for i, author in
             enumerate(rng.choices(authors, weights=weights, k=self.n_posts))),
            key=lambda s: (s[0], s[1]),
        )
        last_id = 0
        public_posts: list[Post] = []
        for at, _, author in slots:
            post_id = max(snowflake(at, rng.getrandbits(22)), last_id + 1)
            last_id = post_id
            pid = str(post_id)
            en = self._is_english(author)
            expansions: dict[str, str] = {}
            referenced: list[tuple[RefType, str]] = []
            conversation, reply_user = pid, None
            roll = rng.random()
            if self.posts and roll < 0.18:  # reply
                target = self._pick_recent(public_posts)
                target_author = self.accounts[target.author_id]
                body = rng.choice(REPLY_BODIES[int(en)])
                if author.kind == "person":
                    body = " ".join([body, *self._pii(author, en)])
                text = f"@{target_author.username} {body}"
                referenced.append(("replied_to", target.id))
                conversation, reply_user = target.conversation_id, target.author_id
            else:
                if author.kind == "organisation":
                    text = self._org_text(author, en, expansions)
                elif author.kind == "person":
                    text = self._person_text(author, en)
                else:
                    text = self._politician_text(author, en)
                if self.posts and roll > 0.93:  # quote post
                    target = self._pick_recent(public_posts)
                    target_author = self.accounts[target.author_id]
                    link = self._tco(expansions,
                                     f"https://x.com/{target_author.username}/status/{target.id}")
                    text = f"{text} {link}"
                    referenced.append(("quoted", target.id))
            mentions, hashtags, urls = parse_entities(text, self.by_username, expansions)
            post = Post(pid, author.id, text, at, "en" if en else "fi", conversation, reply_user,
                        referenced, mentions, hashtags, urls)
            self.posts.append(post)
            if author.kind != "person":
                public_posts.append(post)

    def _is_english(self, author: Account) -> bool:
        if author.username == "emmalindqvist":
            return True
        if author.kind != "person":
            share = 0.2 if author.kind == "organisation" else 0.08
        else:
            share = 0.85 if author.name.split(" ", 1)[0] in EN_FIRST else 0.2
        return self.rng.random() < share

    def _pick_recent(self, public_posts: list[Post]) -> Post:
        if public_posts and self.rng.random() < 0.5:
            return self.rng.choice(public_posts[-40:])
        return self.rng.choice(self.posts[-200:])

    def make_engagement(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        rng = self.rng
        person_ids = [p.id for p in self.persons]
        likes: dict[str, list[str]] = {}
        reposts: dict[str, list[str]] = {}
        for post in self.posts:
            author = self.accounts[post.author_id]
            if author.kind == "person":
                n = int(min(rng.expovariate(0.45), 40))
            else:
                n = int(min(rng.paretovariate(1.1) * 6, 150))
            followers = self.followers.get(author.id, [])
            # Mostly followers engage; the rest of the crowd fills in.
            pool = followers if len(followers) >= n and rng.random() < 0.8 else person_ids
            likers = [u for u in rng.sample(pool, min(n, len(pool))) if u != author.id]
            if likers:
                likes[post.id] = likers
                k = rng.randint(0, len(likers) // 3)
                if k:
                    reposts[post.id] = rng.sample(likers, k)
        return likes, reposts


def build_world(seed: int = 2026, posts: int = N_POSTS) -> World:
    """Generate the synthetic world; the same seed gives an identical world (``posts``: its
    size, for benchmarks; the same people post more)."""
    b = _Builder(seed, posts)
    b.make_accounts()
    b.make_follows()
    b.make_posts()
    likes, reposts = b.make_engagement()
    return World(
        seed=seed,
        accounts=b.accounts,
        posts=b.posts,
        follows=set(b.follows),
        likes=likes,
        reposts=reposts,
        planted_emails=list(dict.fromkeys(b.emails)),
        planted_phones=list(dict.fromkeys(b.phones)),
        planted_names=list(dict.fromkeys(b.names)),
        planted_identity_codes=list(dict.fromkeys(b.codes)),
        planted_ibans=list(dict.fromkeys(b.ibans)),
    )
