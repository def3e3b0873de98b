"""The client report: HTML rendered with Jinja2 from the derived tables."""

from __future__ import annotations

from datetime import datetime

import pyarrow as pa
from jinja2 import Environment, PackageLoader, select_autoescape

from analysis import charts, coverage

_env = Environment(loader=PackageLoader("analysis", "templates"), autoescape=select_autoescape(["html", "j2"]))


WORDS = {
    "en": {"title": "social-media report", "posts": "posts", "accounts": "accounts", "follows": "follow edges",
           "interactions": "interactions", "per_day": "Posts per day", "hashtags": "Top hashtags", "hashtag": "Hashtag",
           "active": "Most active public accounts", "account": "Account", "likes": "Likes", "reposts": "Reposts",
           "others": "Other accounts: {a} private individuals wrote {p} posts. They are not named in this report.",
           "graph": "Follow graph", "engagement": "Engagement per day", "weekly": "Posts per week and platform",
           "week": "Week", "platform": "Platform", "tag_days": "Top hashtags per day",
           "picture": "The {n} busiest accounts of the interaction network; colour = community, only public accounts are labelled.",
           "graph_text": "{nodes} accounts and {edges} follow relationships (density {density}), in {c} communities (Louvain); "
                         "the largest has {largest} accounts.",
           "subtitle": "Engagement {id} · purpose: {purpose} · period {start} – {end} · generated {at}",
           "none": "No data.", "purposes": {"research": "research", "statistics": "statistics", "marketing": "marketing"}, "kinds": {"likes": "likes", "reposts": "reposts", "replies": "replies", "quotes": "quotes"}, "followed": "Most-followed public accounts", "in_graph": "Followers in the graph",
           "languages": "Posts by language", "language": "Language", "terms": "Top terms", "term": "Term",
           "pairs": "Hashtags used together", "voice": "Share of voice by party",
           "voice_note": "Accounts whose party affiliation is manifestly public (own profile, own statement or candidate "
                         "register). Cells with fewer than {n} accounts are suppressed (–), with the next smallest where "
                         "one alone could be recomputed.",
           "party": "Party", "network": "Interaction network",
           "network_text": "{nodes} accounts, {edges} mention/reply/quote/repost links, {c} communities (Louvain), "
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
           "protection": "Only public accounts on the engagement's publication list or in its candidate register ({p} "
                         "accounts) are named. The other {q} accounts are replaced by keyed pseudonyms; e-mail addresses, "
                         "phone numbers, identity codes, bank accounts and card numbers in texts are removed before "
                         "storage; data-subject requests are applied before every analysis. Data are kept for {days} days "
                         "after the engagement ends."},
    "fi": {"title": "sosiaalisen median raportti", "posts": "julkaisua", "accounts": "tiliä", "follows": "seuraamissuhdetta",
           "interactions": "vuorovaikutusta", "per_day": "Julkaisuja päivittäin", "hashtags": "Yleisimmät aihetunnisteet",
           "hashtag": "Aihetunniste", "active": "Aktiivisimmat julkiset tilit", "account": "Tili", "likes": "Tykkäykset",
           "reposts": "Jaot", "others": "Muut tilit: {a} yksityishenkilöä kirjoitti {p} julkaisua. Heitä ei nimetä raportissa.",
           "graph": "Seuraamisverkosto", "engagement": "Reaktiot päivittäin", "weekly": "Julkaisut viikoittain ja palveluittain",
           "week": "Viikko", "platform": "Palvelu", "tag_days": "Yleisimmät aihetunnisteet päivittäin",
           "picture": "Vuorovaikutusverkoston {n} aktiivisinta tiliä; väri = yhteisö, nimettyinä vain julkiset tilit.",
           "graph_text": "{nodes} tiliä ja {edges} seuraamissuhdetta (tiheys {density}), {c} yhteisöä (Louvain); "
                         "suurimmassa on {largest} tiliä.",
           "subtitle": "Toimeksianto {id} · tarkoitus: {purpose} · ajanjakso {start} – {end} · laadittu {at}",
           "none": "Ei aineistoa.", "purposes": {"research": "tutkimus", "statistics": "tilastointi", "marketing": "markkinointi"}, "kinds": {"likes": "tykkäykset", "reposts": "jaot", "replies": "vastaukset", "quotes": "lainaukset"}, "followed": "Seuratuimmat julkiset tilit", "in_graph": "Seuraajia verkostossa",
           "languages": "Julkaisut kielittäin", "language": "Kieli", "terms": "Yleisimmät sanat", "term": "Sana",
           "pairs": "Yhdessä käytetyt aihetunnisteet", "voice": "Puolueiden näkyvyys",
           "voice_note": "Tilit, joiden puoluekanta on ilmeisen julkinen (oma profiili, oma ilmoitus tai ehdokasrekisteri). "
                         "Alle {n} tilin solut on peitetty (–), samoin seuraavaksi pienin, jos yksittäinen solu olisi "
                         "laskettavissa.",
           "party": "Puolue", "network": "Vuorovaikutusverkosto",
           "network_text": "{nodes} tiliä, {edges} mainintaa/vastausta/lainausta/jakoa, {c} yhteisöä (Louvain), "
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
           "protection": "Nimeltä mainitaan vain toimeksiannon julkaisulistalla tai ehdokasrekisterissä olevat julkiset "
                         "tilit ({p} tiliä). Muut {q} tiliä on korvattu avainnetuilla pseudonyymeillä; sähköpostiosoitteet, "
                         "puhelinnumerot, henkilötunnukset, tilinumerot ja korttinumerot poistetaan teksteistä ennen "
                         "tallennusta; rekisteröityjen pyynnöt toteutetaan ennen jokaista analyysiä. Tietoja säilytetään "
                         "{days} päivää toimeksiannon päättymisen jälkeen."},
}


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
        languages=tables["m_volume_lang"].to_pylist(),
        terms=tables["m_top_terms"].to_pylist(),
        pairs=tables["m_hashtag_pairs"].to_pylist(),
        voice=tables["m_share_of_voice"].to_pylist(),
        central=tables["m_central_accounts"].to_pylist(),
        sources=tables["m_sources"].to_pylist(),
        gaps=coverage.incomplete(tables["m_gaps"].to_pylist()),
        t=words,
        lang=lang,
        generated_at=generated_at,
    )


def render_pdf(html: str) -> bytes:
    """The same report as a printable A4 PDF (WeasyPrint lays out the HTML with the print styles)."""
    from weasyprint import HTML  # imported here: it loads the system's Pango only when a PDF is asked for

    return HTML(string=html).write_pdf()
