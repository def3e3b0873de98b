"""The client report: HTML rendered with Jinja2 from the derived tables."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pyarrow as pa
from babel import Locale, UnknownLocaleError
from jinja2 import Environment, PackageLoader, select_autoescape

from seula.analysis import charts, coverage

_env = Environment(loader=PackageLoader("seula.analysis", "templates"), autoescape=select_autoescape(["html", "j2"]))


# The report's newer sentences, by language (the older ones are in WORDS below).
_EN = {
    "summary_title": "Summary",
    "s_volume": "Between {first} and {last}, {posts} posts by {authors} accounts were collected ({by_platform}).",
    "s_volume_one": "On {first}, {posts} posts by {authors} accounts were collected ({by_platform}).",
    "s_topics": "The most used hashtags were {tags}",
    "s_terms": "the most frequent terms were {terms}",
    "s_terms_only": "The most frequent terms were {terms}",
    "s_active": "The most active public account was {account} with {posts} posts",
    "s_central": "the most central account in the interaction network was {account}",
    "s_central_only": "The most central public account in the interaction network was {account}",
    "s_busiest": "The busiest day was {day} with {posts} posts, {ratio} times the daily average of {mean}.",
    "s_more": "The second half of the period had {pct} % more posts per day than the first.",
    "s_fewer": "The second half of the period had {pct} % fewer posts per day than the first.",
    "s_same": "The second half of the period was about as busy as the first.",
    "and": "and", "decimal": ".",
    "lang_names": {"und": "unknown", "zxx": "no text", "qme": "media only",
                   "qht": "hashtags only", "qam": "mentions only", "qct": "cashtags only", "qst": "very short text"},
    "unknown_note": "“Unknown”: the platform gave no language for the post (Facebook's Graph API never does) or "
                    "marked it undetermined (“und”).",
    "terms_note": "Terms are counted in their base form in each post's language (Finnish, Swedish and English), so "
                  "“eduskunnan” counts as “eduskunta”; a post counts a term once. Common words and social-media filler "
                  "are left out, as are hashtags, mentions and anything pseudonymised or removed.",
    "platform_note": "An organisation with an account on more than one platform appears once per platform.",
    "what": "What was collected: only publicly visible content — {what} — from {platforms}, through the platforms' "
            "official interfaces (X API v2, Facebook Graph API) or files exported from them.",
    "what_parts": {"posts": "public posts and comments matching the searches and from the accounts and Pages below",
                   "profiles": "the public profiles of their authors",
                   "follows": "follow relationships between accounts",
                   "interactions": "replies, quotes, reposts, likes and reactions"},
    "people": "How people are protected: only public accounts on the engagement's publication list or in its candidate "
              "register ({p} accounts) are named in this report. Everyone else ({q} accounts) was replaced by a keyed "
              "pseudonym (HMAC-SHA256, with a key held for this engagement only) before anything was stored, also "
              "where they are mentioned or named in a text, and appears here only in counts. E-mail addresses, phone "
              "numbers, personal identity codes, bank account and card numbers were removed from texts before "
              "storage. Party affiliation is shown only for accounts that have made it manifestly public, and in "
              "groups of at least {n} accounts. Requests from the people concerned (rectification, erasure, restriction, "
              "objection) are carried out before every analysis. The data are deleted {days} days after the "
              "engagement ends.",
    "basis_text": "Legal basis: {basis}. The processing complies with the EU General Data Protection Regulation (GDPR) "
                  "and the Finnish Data Protection Act (1050/2018).",
    "articles": {
        "6(1)(a)": "the data subjects' consent (GDPR Art. 6(1)(a))",
        "6(1)(b)": "a contract with the data subject (GDPR Art. 6(1)(b))",
        "6(1)(c)": "a legal obligation of the controller (GDPR Art. 6(1)(c))",
        "6(1)(e)": "a task carried out in the public interest (GDPR Art. 6(1)(e))",
        "6(1)(f)": "the controller's legitimate interest (GDPR Art. 6(1)(f))",
        "9(2)(a)": "for special categories of data, the data subjects' explicit consent (Art. 9(2)(a))",
        "9(2)(e)": "for political opinions, only what the person has manifestly made public (Art. 9(2)(e))",
        "9(2)(j)": "for special categories of data, scientific research and statistics (Art. 9(2)(j), with section 6 "
                   "of the Data Protection Act)",
        "89": "research and statistics with the safeguards of Art. 89 (pseudonymisation, data minimisation)",
    },
}
_FI = {
    "summary_title": "Yhteenveto",
    "s_volume": "Ajanjaksolla {first} – {last} kerättiin {posts} julkaisua {authors} tililtä ({by_platform}).",
    "s_volume_one": "Päivältä {first} kerättiin {posts} julkaisua {authors} tililtä ({by_platform}).",
    "s_topics": "Käytetyimmät aihetunnisteet olivat {tags}",
    "s_terms": "yleisimmät sanat {terms}",
    "s_terms_only": "Yleisimmät sanat olivat {terms}",
    "s_active": "Aktiivisin julkinen tili oli {account}, {posts} julkaisua",
    "s_central": "vuorovaikutusverkoston keskeisin tili {account}",
    "s_central_only": "Vuorovaikutusverkoston keskeisin julkinen tili oli {account}",
    "s_busiest": "Vilkkain päivä oli {day}: {posts} julkaisua, {ratio} kertaa päivien keskiarvo {mean}.",
    "s_more": "Jakson jälkimmäisellä puoliskolla julkaisuja oli päivässä {pct} % enemmän kuin ensimmäisellä.",
    "s_fewer": "Jakson jälkimmäisellä puoliskolla julkaisuja oli päivässä {pct} % vähemmän kuin ensimmäisellä.",
    "s_same": "Jakson jälkimmäinen puolisko oli suunnilleen yhtä vilkas kuin ensimmäinen.",
    "and": "ja", "decimal": ",",
    "lang_names": {"und": "tuntematon", "zxx": "ei tekstiä", "qme": "vain mediaa",
                   "qht": "vain aihetunnisteita", "qam": "vain mainintoja", "qct": "vain osaketunnuksia",
                   "qst": "hyvin lyhyt teksti"},
    "unknown_note": "”Tuntematon”: palvelu ei ilmoittanut julkaisun kieltä (Facebookin Graph API ei ilmoita sitä "
                    "koskaan) tai merkitsi sen määrittämättömäksi (”und”).",
    "terms_note": "Sanat on laskettu perusmuodossaan kunkin julkaisun kielellä (suomi, ruotsi ja englanti), joten "
                  "”eduskunnan” lasketaan sanaksi ”eduskunta”; julkaisu lasketaan kullekin sanalle kerran. Yleiset "
                  "sanat ja sosiaalisen median täytesanat on jätetty pois, samoin aihetunnisteet, maininnat sekä kaikki "
                  "pseudonymisoitu tai poistettu.",
    "platform_note": "Organisaatio, jolla on tili useammassa palvelussa, näkyy kerran kutakin palvelua kohden.",
    "what": "Mitä kerättiin: vain julkisesti näkyvää sisältöä ({what}) palveluista {platforms}, niiden virallisten "
            "rajapintojen kautta (X API v2, Facebook Graph API) tai niistä viedyistä tiedostoista.",
    "what_parts": {"posts": "hakuihin osuneet sekä alla lueteltujen tilien ja sivujen julkiset julkaisut ja kommentit",
                   "profiles": "niiden kirjoittajien julkiset profiilit",
                   "follows": "tilien väliset seuraamissuhteet",
                   "interactions": "vastaukset, lainaukset, jaot, tykkäykset ja reaktiot"},
    "people": "Miten ihmisiä suojataan: raportissa mainitaan nimeltä vain toimeksiannon julkaisulistalla tai "
              "ehdokasrekisterissä olevat julkiset tilit ({p} tiliä). Kaikki muut ({q} tiliä) korvattiin avainnetulla "
              "pseudonyymillä (HMAC-SHA256, avain vain tätä toimeksiantoa varten) ennen tallennusta, myös kun heidät "
              "mainitaan tai nimetään tekstissä, ja he näkyvät raportissa vain lukumäärinä. Sähköpostiosoitteet, "
              "puhelinnumerot, henkilötunnukset, tilinumerot ja korttinumerot poistettiin teksteistä ennen "
              "tallennusta. Puoluekanta näytetään vain tileille, jotka ovat itse saattaneet sen ilmeisen julkiseksi, "
              "ja vähintään {n} tilin ryhminä. Rekisteröityjen pyynnöt (oikaisu, poisto, käsittelyn rajoittaminen, "
              "vastustaminen) toteutetaan ennen jokaista analyysiä. Tiedot poistetaan {days} päivän "
              "kuluttua toimeksiannon päättymisestä.",
    "basis_text": "Käsittelyperuste: {basis}. Käsittely noudattaa EU:n yleistä tietosuoja-asetusta ja tietosuojalakia "
                  "(1050/2018).",
    "articles": {
        "6(1)(a)": "rekisteröityjen suostumus (tietosuoja-asetuksen 6 artiklan 1 kohdan a alakohta)",
        "6(1)(b)": "sopimus rekisteröidyn kanssa (6 artiklan 1 kohdan b alakohta)",
        "6(1)(c)": "rekisterinpitäjän lakisääteinen velvoite (6 artiklan 1 kohdan c alakohta)",
        "6(1)(e)": "yleisen edun mukainen tehtävä (6 artiklan 1 kohdan e alakohta)",
        "6(1)(f)": "rekisterinpitäjän oikeutettu etu (tietosuoja-asetuksen 6 artiklan 1 kohdan f alakohta)",
        "9(2)(a)": "erityisten henkilötietoryhmien osalta rekisteröityjen nimenomainen suostumus (9 artiklan 2 kohdan "
                   "a alakohta)",
        "9(2)(e)": "poliittisten mielipiteiden osalta vain henkilön itse ilmeisen julkiseksi saattamat tiedot (9 "
                   "artiklan 2 kohdan e alakohta)",
        "9(2)(j)": "erityisten henkilötietoryhmien osalta tieteellinen tutkimus ja tilastointi (9 artiklan 2 kohdan "
                   "j alakohta ja tietosuojalain 6 §)",
        "89": "tutkimus- ja tilastotarkoitus 89 artiklan suojatoimin (pseudonymisointi, tietojen minimointi)",
    },
}

WORDS = {
    "en": {"title": "social-media report", "posts": "posts", "accounts": "accounts", "follows": "follow edges",
           "interactions": "interactions", "per_day": "Posts per day", "hashtags": "Top hashtags", "hashtag": "Hashtag",
           "active": "Most active public accounts", "account": "Account", "likes": "Likes", "reposts": "Reposts",
           "others": "Other accounts: {a} private individuals wrote {p} posts. They are not named in this report.",
           "graph": "Follow graph", "engagement": "Engagement per day", "weekly": "Posts per week and platform",
           "week": "Week", "platform": "Platform", "tag_days": "Top hashtags per day",
           "picture": "The {n} busiest accounts of the interaction network; colour = community, only public accounts are labelled.",
           "graph_text": "{nodes} accounts and {edges} follow relationships (density {density}), in {c} communities (Leiden); "
                         "the largest has {largest} accounts.",
           "subtitle": "Engagement {id} · purpose: {purpose} · period {start} – {end} · generated {at}",
           "none": "No data.", "purposes": {"research": "research", "statistics": "statistics", "marketing": "marketing"}, "kinds": {"likes": "likes", "reposts": "reposts", "replies": "replies", "quotes": "quotes"}, "followed": "Most-followed public accounts", "in_graph": "Followers in the graph",
           "languages": "Posts by language", "language": "Language", "terms": "Top terms", "term": "Term",
           "pairs": "Hashtags used together", "voice": "Share of voice by party",
           "voice_note": "Accounts whose party affiliation is manifestly public (own profile, own statement or candidate "
                         "register). Cells with fewer than {n} accounts are suppressed (–), with the next smallest where "
                         "one alone could be recomputed.",
           "party": "Party", "network": "Interaction network",
           "network_text": "{nodes} accounts, {edges} mention/reply/quote/repost links, {c} communities (Leiden), "
                           "{b} links between communities.",
           "central": "Most central public accounts (PageRank)", "community": "Community", "bridging": "Links across",
           "methods": "Methods and data protection",
           "collected": "The engagement's period is {start} – {end}; the table below says what was actually collected or imported, from where, and for which days.",
           "covered": "The stored posts were written between {first} and {last}.",
           "sources": "Where the data come from", "source": "Source", "query": "Search", "first": "First post", "last": "Last post",
           "platforms": {"x": "X", "facebook": "Facebook"},
           "source_names": {"search_recent": "recent search", "search_all": "full-archive search", "user_tweets": "timelines",
                            "posts": "Page posts", "comments": "comments",
                            "archive/twarc2": "imported X file", "archive/graph": "imported Facebook Graph file",
                            "archive/seula": "imported Seula archive"},
           "incomplete": "These data are incomplete.", "missing": "What is missing",
           "stopped": "stopped early: {why}", "waits": "{n} rate-limit waits ({s:.0f} s)", "quarantined": "{n} unreadable pages kept aside",
           "basis": "Legal basis",
           **_EN},
    "fi": {"title": "sosiaalisen median raportti", "posts": "julkaisua", "accounts": "tiliä", "follows": "seuraamissuhdetta",
           "interactions": "vuorovaikutusta", "per_day": "Julkaisuja päivittäin", "hashtags": "Yleisimmät aihetunnisteet",
           "hashtag": "Aihetunniste", "active": "Aktiivisimmat julkiset tilit", "account": "Tili", "likes": "Tykkäykset",
           "reposts": "Jaot", "others": "Muut tilit: {a} yksityishenkilöä kirjoitti {p} julkaisua. Heitä ei nimetä raportissa.",
           "graph": "Seuraamisverkosto", "engagement": "Reaktiot päivittäin", "weekly": "Julkaisut viikoittain ja palveluittain",
           "week": "Viikko", "platform": "Palvelu", "tag_days": "Yleisimmät aihetunnisteet päivittäin",
           "picture": "Vuorovaikutusverkoston {n} aktiivisinta tiliä; väri = yhteisö, nimettyinä vain julkiset tilit.",
           "graph_text": "{nodes} tiliä ja {edges} seuraamissuhdetta (tiheys {density}), {c} yhteisöä (Leiden); "
                         "suurimmassa on {largest} tiliä.",
           "subtitle": "Toimeksianto {id} · tarkoitus: {purpose} · ajanjakso {start} – {end} · laadittu {at}",
           "none": "Ei aineistoa.", "purposes": {"research": "tutkimus", "statistics": "tilastointi", "marketing": "markkinointi"}, "kinds": {"likes": "tykkäykset", "reposts": "jaot", "replies": "vastaukset", "quotes": "lainaukset"}, "followed": "Seuratuimmat julkiset tilit", "in_graph": "Seuraajia verkostossa",
           "languages": "Julkaisut kielittäin", "language": "Kieli", "terms": "Yleisimmät sanat", "term": "Sana",
           "pairs": "Yhdessä käytetyt aihetunnisteet", "voice": "Puolueiden näkyvyys",
           "voice_note": "Tilit, joiden puoluekanta on ilmeisen julkinen (oma profiili, oma ilmoitus tai ehdokasrekisteri). "
                         "Alle {n} tilin solut on peitetty (–), samoin seuraavaksi pienin, jos yksittäinen solu olisi "
                         "laskettavissa.",
           "party": "Puolue", "network": "Vuorovaikutusverkosto",
           "network_text": "{nodes} tiliä, {edges} mainintaa/vastausta/lainausta/jakoa, {c} yhteisöä (Leiden), "
                           "{b} yhteyttä yhteisöjen välillä.",
           "central": "Keskeisimmät julkiset tilit (PageRank)", "community": "Yhteisö", "bridging": "Yhteyksiä yli",
           "methods": "Menetelmät ja tietosuoja",
           "collected": "Toimeksiannon ajanjakso on {start} – {end}; alla oleva taulukko kertoo, mitä todella kerättiin tai tuotiin, mistä ja miltä päiviltä.",
           "covered": "Tallennetut julkaisut on kirjoitettu {first} – {last}.",
           "sources": "Aineiston lähteet", "source": "Lähde", "query": "Haku", "first": "Ensimmäinen", "last": "Viimeisin",
           "platforms": {"x": "X", "facebook": "Facebook"},
           "source_names": {"search_recent": "tuore haku", "search_all": "koko arkiston haku", "user_tweets": "aikajanat",
                            "posts": "sivujen julkaisut", "comments": "kommentit",
                            "archive/twarc2": "tuotu X-tiedosto", "archive/graph": "tuotu Facebook Graph -tiedosto",
                            "archive/seula": "tuotu Seula-arkisto"},
           "incomplete": "Aineisto on puutteellinen.", "missing": "Mitä puuttuu",
           "stopped": "keskeytyi: {why}", "waits": "{n} odotusta käyttörajan vuoksi ({s:.0f} s)", "quarantined": "{n} lukukelvotonta sivua erillään",
           "basis": "Käsittelyperuste",
           **_FI},
}


def _number(value: float, words: dict) -> str:
    return f"{value:.1f}".replace(".", words["decimal"])


def _listed(items: list[str], words: dict) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {words['and']} {items[-1]}"


def _account(row: dict, words: dict) -> str:
    """A publishable account as the report names it: display name, handle and platform."""
    platform = words["platforms"].get(row.get("platform"), row.get("platform"))
    where = f", {platform}" if platform else ""
    return f"{row['display_name']} (@{row['handle']}{where})" if row.get("display_name") else f"@{row['handle']}{where}"


def summary_text(tables: dict[str, pa.Table], lang: str = "en") -> str:
    """The report's opening paragraph, from its own tables: period and volume, main topics, the
    most active and the most central public account, and what changed over the period.

    Accounts are named only from ``m_top_accounts`` and ``m_central_accounts``, which hold
    publishable accounts alone (and are checked to before any report is rendered)."""
    words = WORDS[lang]
    summary = dict(zip(tables["m_summary"]["metric"].to_pylist(), tables["m_summary"]["value"].to_pylist()))
    days = dict(zip(tables["m_daily_volume"]["day"].to_pylist(), tables["m_daily_volume"]["posts"].to_pylist()))
    if not days:
        return words["none"]
    first, last = min(days), max(days)
    platforms = ", ".join(f"{words['platforms'].get(r['platform'], r['platform'])} {r['posts']}"
                          for r in tables["m_volume_platform"].to_pylist())
    authors = int(summary.get("authors", summary.get("accounts", 0)))
    sentences = [words["s_volume" if first != last else "s_volume_one"].format(
        first=first, last=last, posts=int(summary["posts"]), authors=authors, by_platform=platforms)]
    tags = [f"#{r['hashtag']}" for r in tables["m_top_hashtags"].to_pylist()[:3]]
    terms = [f"“{r['term']}”" if lang == "en" else f"”{r['term']}”" for r in tables["m_top_terms"].to_pylist()[:3]]
    if tags and terms:
        sentences.append(f"{words['s_topics'].format(tags=_listed(tags, words))}; "
                         f"{words['s_terms'].format(terms=_listed(terms, words))}.")
    elif tags or terms:
        sentences.append(words["s_topics"].format(tags=_listed(tags, words)) + "." if tags
                         else words["s_terms_only"].format(terms=_listed(terms, words)) + ".")
    active = tables["m_top_accounts"].to_pylist()[:1]
    central = tables["m_central_accounts"].to_pylist()[:1]
    if active and central:
        sentences.append(f"{words['s_active'].format(account=_account(active[0], words), posts=active[0]['posts'])}; "
                         f"{words['s_central'].format(account='@' + central[0]['handle'])}.")
    elif active:
        sentences.append(words["s_active"].format(account=_account(active[0], words), posts=active[0]["posts"]) + ".")
    elif central:
        sentences.append(words["s_central_only"].format(account="@" + central[0]["handle"]) + ".")
    span = [first + timedelta(days=i) for i in range((last - first).days + 1)]  # quiet days count as zero
    counts = [days.get(d, 0) for d in span]
    mean = sum(counts) / len(counts)
    if len(span) > 1 and mean > 0:
        busiest = max(span, key=lambda d: (days.get(d, 0), -d.toordinal()))
        sentences.append(words["s_busiest"].format(day=busiest, posts=days[busiest], ratio=_number(days[busiest] / mean, words),
                                                   mean=_number(mean, words)))
        half = len(counts) // 2
        before, after = sum(counts[:half]) / half, sum(counts[half:]) / (len(counts) - half)
        if before > 0:
            change = round((after - before) / before * 100)
            sentences.append(words["s_same"] if abs(change) < 5 else
                             words["s_more" if change > 0 else "s_fewer"].format(pct=abs(change)))
    return " ".join(sentences)


_ARTICLE = re.compile(r"\bArt(?:icle|\.)?\s*(\d+)((?:\(\d+\))?(?:\([a-z]\))?)", re.IGNORECASE)
_INTERNAL_NOTE = re.compile(r"\s*\((?:seed|internal|note|todo)\b[^)]*\)", re.IGNORECASE)


def legal_basis_text(basis: str, lang: str = "en") -> str:
    """The engagement's legal basis as a client reads it, in the report's language: each GDPR
    article the configuration cites, in words; where it cites one this does not know, its own
    text, less any internal note such as "(seed: …)"."""
    words = WORDS[lang]
    cited = []
    for number, detail in _ARTICLE.findall(basis):
        key = next((k for k in (f"{number}{detail.lower()}", number) if k in words["articles"]), None)
        if key is None:
            cited = None
            break
        if key not in cited:
            cited.append(key)
    text = "; ".join(words["articles"][k] for k in cited) if cited else _INTERNAL_NOTE.sub("", basis).strip().rstrip(".;, ")
    return words["basis_text"].format(basis=text)


def collected_text(tables: dict[str, pa.Table], lang: str = "en") -> str:
    """What kinds of data were collected, from which platforms, in the report's language."""
    words = WORDS[lang]
    summary = dict(zip(tables["m_summary"]["metric"].to_pylist(), tables["m_summary"]["value"].to_pylist()))
    platforms = sorted({r["platform"] for r in tables["m_volume_platform"].to_pylist()})
    parts = [words["what_parts"][k] for k in ("posts", "profiles", "follows", "interactions")
             if k in ("posts", "profiles") or summary.get(k)]
    return words["what"].format(what="; ".join(parts), platforms=_listed(
        [words["platforms"].get(p, p) for p in platforms] or ["–"], words))


def language_name(code: str, lang: str) -> str:
    """A post's language in the report's: X's own codes (und, qme, …) in our words, languages from
    the Unicode CLDR (through Babel), the code itself when neither knows it."""
    words = WORDS[lang]["lang_names"]
    if code in words:
        return words[code]
    try:
        return Locale.parse(lang).languages.get(Locale.parse(code).language, code)
    except (ValueError, UnknownLocaleError):
        return code


def render_html(meta: dict, tables: dict[str, pa.Table], generated_at: datetime, lang: str = "en") -> str:
    summary = dict(zip(tables["m_summary"]["metric"].to_pylist(), tables["m_summary"]["value"].to_pylist()))
    daily = tables["m_daily_volume"].to_pydict()
    engagement = tables["m_engagement_daily"].to_pydict()
    tag_days, tag_series = charts.by_day(tables["m_hashtag_daily"], "hashtag", "posts")
    hashtags = tables["m_top_hashtags"].to_pylist()
    nodes, links = charts.network(tables["m_network_nodes"], tables["m_network_links"])
    words = WORDS[lang]
    return _env.get_template("report.html.j2").render(
        meta=meta,
        summary={k: int(v) if float(v).is_integer() else v for k, v in summary.items()},
        chart=charts.columns(daily["day"], daily["posts"]),
        first_day=daily["day"][0] if daily["day"] else None,
        last_day=daily["day"][-1] if daily["day"] else None,
        engagement=charts.lines(engagement["day"], {words["kinds"][k]: engagement[k] for k in words["kinds"]}),
        tag_lines=charts.lines(tag_days, {f"#{k}": v for k, v in tag_series.items()}),
        hashtags=hashtags,
        hashtag_bars=charts.rows([f"#{h['hashtag']}" for h in hashtags], [h["posts"] for h in hashtags]),
        weekly=tables["m_weekly_volume"].to_pylist(),
        nodes=nodes,
        links=links,
        accounts=tables["m_top_accounts"].to_pylist(),
        followed=tables["m_most_followed"].to_pylist(),
        languages=[{**row, "name": language_name(row["lang"], lang)} for row in tables["m_volume_lang"].to_pylist()],
        terms=tables["m_top_terms"].to_pylist(),
        pairs=tables["m_hashtag_pairs"].to_pylist(),
        voice=tables["m_share_of_voice"].to_pylist(),
        central=tables["m_central_accounts"].to_pylist(),
        sources=tables["m_sources"].to_pylist(),
        gaps=coverage.incomplete(tables["m_gaps"].to_pylist()),
        summary_text=summary_text(tables, lang),
        collected_text=collected_text(tables, lang),
        legal_basis=legal_basis_text(meta["legal_basis"], lang),
        t=words,
        lang=lang,
        generated_at=generated_at,
    )


def render_pdf(html: str) -> bytes:
    """The same report as a printable A4 PDF (WeasyPrint lays out the HTML with the print styles)."""
    from weasyprint import HTML  # imported here: it loads the system's Pango only when a PDF is asked for

    return HTML(string=html).write_pdf()
