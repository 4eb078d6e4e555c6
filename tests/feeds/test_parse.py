"""Parsing and normalisation of feed bytes (points 4 and 5), pure: no network, no database."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from bot.text import escape_mrkdwn
from feeds.errors import ParseError
from feeds.fastparse import parse_common
from feeds.parse import parse_feed, prepare, xml_media_type
from tests.feeds.conftest import NOW, item, rss

URL = "https://news.example.com/feed.xml"
LATER = NOW + timedelta(days=1)


def parse(body: bytes, content_type: str | None = None, now: datetime = LATER):
    return parse_feed(body, url=URL, content_type=content_type, now=now)


RSS_091 = b"""<?xml version="1.0"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91"><channel><title>Old school</title><link>https://old.example.com/</link>
<description>d</description><language>en</language>
<item><title>Ninety-one item</title><link>https://old.example.com/1</link><description>First</description></item>
</channel></rss>"""

RSS_10 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://rdf.example.com/"><title>RDF feed</title><link>https://rdf.example.com/</link>
<description>d</description></channel>
<item rdf:about="https://rdf.example.com/a"><title>RDF item</title><link>https://rdf.example.com/a</link>
<dc:date>2026-11-19T08:00:00Z</dc:date><dc:creator>Ana</dc:creator><dc:subject>Law</dc:subject></item>
</rdf:RDF>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example.com/blog/">
<title type="html">Atom &lt;b&gt;feed&lt;/b&gt;</title><id>tag:atom.example.com,2026:feed</id>
<updated>2026-11-19T10:00:00Z</updated><link rel="alternate" href="https://atom.example.com/"/>
<entry><title>Atom entry</title><id>tag:atom.example.com,2026:1</id>
<link rel="alternate" href="posts/1"/><updated>2026-11-19T10:00:00+02:00</updated>
<author><name>Bo</name></author><category term="Privacy"/>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Body <em>text</em></p></div></content>
</entry></feed>"""


def test_rss_091_with_netscape_doctype() -> None:
    feed = parse(RSS_091)
    assert feed.title == "Old school"
    assert [e.title for e in feed.entries] == ["Ninety-one item"]
    assert feed.entries[0].dated is False  # no date: first-seen time
    assert feed.entries[0].published_at == LATER


def test_rss_10_rdf() -> None:
    entry = parse(RSS_10).entries[0]
    assert (entry.title, entry.link, entry.author) == ("RDF item", "https://rdf.example.com/a", "Ana")
    assert entry.categories == ("Law",)
    assert entry.published_at == datetime(2026, 11, 19, 8, 0, tzinfo=UTC)


def test_rss_20() -> None:
    feed = parse(rss([item(1), item(2)], title="Twenty"))
    assert feed.title == "Twenty"
    assert [e.link for e in feed.entries] == [
        "https://news.example.com/story/1",
        "https://news.example.com/story/2",
    ]
    assert feed.entries[0].summary == "Summary of story 1."
    assert feed.warning is None


def test_atom_with_xml_base_time_zone_and_xhtml_content() -> None:
    feed = parse(ATOM, "application/atom+xml")
    entry = feed.entries[0]
    assert feed.title == "Atom feed"
    assert entry.link == "https://atom.example.com/blog/posts/1"
    assert entry.published_at == datetime(2026, 11, 19, 8, 0, tzinfo=UTC)  # +02:00 -> UTC
    assert entry.summary == "Body text"
    assert entry.author == "Bo" and entry.categories == ("Privacy",)


def test_windows_1252_feed_decodes() -> None:
    body = rss([item(1, title="Café “quotes” – naïve")], encoding="windows-1252")
    assert body.count(b"\x93") == 1  # really windows-1252 bytes
    assert parse(body).entries[0].title == "Café “quotes” – naïve"


def test_utf16_feed_decodes() -> None:
    body = rss([item(1, title="日本語のニュース and Ünïcode")], encoding="utf-16")
    assert body[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert parse(body).entries[0].title == "日本語のニュース and Ünïcode"


def test_misdeclared_encoding_is_accepted_with_a_warning() -> None:
    body = rss([item(1, title="Café")], encoding="latin-1").replace(
        b'encoding="latin-1"', b'encoding="utf-8"'
    )
    feed = parse(body)
    assert len(feed.entries) == 1
    assert feed.warning  # recorded, not fatal


def test_malformed_feed_with_entries_is_accepted_and_the_warning_kept() -> None:
    body = rss([item(1), item(2)]).replace(b"Story number 2", b"Story number 2 & <unclosed")
    feed = parse(body)
    assert len(feed.entries) == 2
    assert feed.warning and "not well-formed" in feed.warning


def test_html_page_is_not_a_feed() -> None:
    with pytest.raises(ParseError, match="HTML page, not a feed"):
        parse(b"<!DOCTYPE html><html><head><title>Blog</title></head><body>Hi</body></html>", "text/html")


def test_garbage_is_not_a_feed() -> None:
    with pytest.raises(ParseError, match="not an RSS or Atom feed"):
        parse(b"\x00\x01 definitely not xml")


def test_valid_feed_with_no_items_is_accepted_with_the_empty_warning() -> None:
    feed = parse(rss([]))
    assert feed.entries == () and feed.title == "Test Feed"
    assert feed.warning == "the feed lists no items"


def test_entity_bomb_is_refused_quickly() -> None:
    # The classic "billion laughs": ten levels, each entity ten copies of the one below.
    levels = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol0 "lol">{levels}]>'
        '<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>'
    )
    started = time.monotonic()
    with pytest.raises(ParseError, match=r"refers to other entities \(an entity-expansion bomb pattern"):
        parse(bomb.encode())
    assert time.monotonic() - started < 5  # bounded: refused before any expansion


def test_external_entity_is_refused() -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>&xxe;</title><item><title>x</title></item></channel></rss>'
    )
    with pytest.raises(ParseError, match="external XML entity"):
        parse(xxe)


def test_utf16_entity_bomb_is_refused_too() -> None:
    bomb = (
        '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
        '<rss version="2.0"/>'
    )
    with pytest.raises(ParseError, match="entity-expansion bomb"):
        parse(bomb.encode("utf-16"))


def test_harmless_internal_entities_are_expanded() -> None:
    body = (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE rss [\n<!ENTITY eacute "é">\n'
        '<!ENTITY co "Acme Legal">\n<!ENTITY copy "&#169;">\n<!-- house names -->\n]>\n'
        '<rss version="2.0"><channel><title>Caf&eacute; news</title><link>https://news.example.com/</link>'
        "<item><title>&co; r&eacute;sum&eacute; &copy; 2026</title><guid>urn:1</guid></item></channel></rss>"
    ).encode()
    feed = parse(body)
    assert feed.title == "Café news"
    assert feed.entries[0].title == "Acme Legal résumé © 2026"


def test_entity_declaration_quoted_inside_an_item_is_just_text() -> None:
    # An article about XXE quotes a declaration in CDATA: no DOCTYPE, nothing declared.
    body = rss([item(1, description='<![CDATA[Beware <!ENTITY xxe SYSTEM "file:///etc/passwd">]]>')])
    assert parse(body).entries[0].summary == "Beware"  # the quoted markup is stripped like any tag


@pytest.mark.parametrize(
    ("subset", "reason"),
    [
        ('<!ENTITY % pe "x"> %pe;', "parameter entities"),
        ('<!ENTITY big "' + "x" * 101 + '">', "longer than 100 characters"),
        ('<!ENTITY ext PUBLIC "-//X//EN" "https://evil.example/x.dtd">', "external XML entity"),
        ('<!ENTITY m "<b>x</b>">', "contains markup"),
        ("".join(f'<!ENTITY e{i} "x">' for i in range(301)), "more than 300 XML entities"),
        ('<!ENTITY a "x"', "unreadable"),
    ],
)
def test_unsafe_entity_declarations_are_refused(subset: str, reason: str) -> None:
    body = f'<?xml version="1.0"?><!DOCTYPE rss [{subset}]><rss version="2.0"><channel/></rss>'.encode()
    with pytest.raises(ParseError, match=reason):
        parse(body)


def test_quadratic_blowup_is_refused_quickly() -> None:
    # No nesting, one 100-character entity referenced 20,000 times: 2 MB of text from 80 kB.
    refs = "&big;" * 20_000
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY big "{"x" * 100}">]>'
        f'<rss version="2.0"><channel><title>t</title><item><title>{refs}</title></item></channel></rss>'
    ).encode()
    started = time.monotonic()
    with pytest.raises(ParseError, match="expand to more than 1,000,000 characters"):
        parse(body)
    assert time.monotonic() - started < 2


def test_script_and_mentions_are_stored_as_harmless_text() -> None:
    body = rss(
        [
            item(
                1,
                title="Alert <!channel> and <@U123>",
                description=(
                    "<script>steal()</script><p>Hi &lt;!here&gt; <b>team</b></p><img src=x onerror=alert(1)>"
                ),
            )
        ]
    )
    entry = parse(body).entries[0]
    assert "steal" not in entry.summary and "script" not in entry.summary and "onerror" not in entry.summary
    assert entry.summary == "Hi <!here> team"
    assert entry.title == "Alert <!channel> and <@U123>"
    for text in (entry.title, entry.summary):
        shown = escape_mrkdwn(text)
        assert "<!" not in shown and "<@" not in shown


def test_future_dates_are_clamped_and_missing_dates_become_first_seen() -> None:
    body = rss([item(1, date=LATER + timedelta(days=400)), item(2, date=None)])
    future, undated = parse(body).entries
    assert future.published_at == LATER and future.dated
    assert undated.published_at == LATER and not undated.dated


def test_links_are_absolute_and_only_http() -> None:
    body = rss([item(1, link="/relative/1"), item(2, link="javascript:alert(1)", guid="g2")])
    first, second = parse(body).entries
    assert first.link == "https://news.example.com/relative/1"
    assert second.link is None


def test_author_and_categories_are_kept() -> None:
    extra = (
        "<author>desk@example.com (Priya Raman)</author><category>Finance</category><category>AI</category>"
    )
    entry = parse(rss([item(1, extra=extra)])).entries[0]
    assert entry.author == "Priya Raman"
    assert entry.categories == ("Finance", "AI")


def test_long_text_is_bounded() -> None:
    entry = parse(rss([item(1, title="T" * 5000, description="word " * 20000)])).entries[0]
    assert len(entry.title) <= 300 and len(entry.summary) <= 1200


def test_identity_is_guid_then_link_then_title_hash() -> None:
    by_guid = parse(rss([item(1, guid="urn:x")])).entries[0]
    same_guid_new_link = parse(rss([item(1, guid="urn:x", link="https://news.example.com/moved")])).entries[0]
    assert by_guid.key == same_guid_new_link.key

    by_link = parse(rss([item(1, guid=None)])).entries[0]
    by_link_tracked = parse(
        rss([item(1, guid=None, link="https://news.example.com/story/1?utm_source=x")])
    ).entries[0]
    assert by_link.key == by_link_tracked.key

    bare = parse(rss([item(1, guid=None, link=None)])).entries[0]
    assert bare.key and bare.key != by_link.key


def test_permalink_guid_changing_scheme_keeps_identity() -> None:
    http = parse(rss([item(1, guid="http://www.news.example.com/story/1")])).entries[0]
    https = parse(rss([item(1, guid="https://news.example.com/story/1")])).entries[0]
    assert http.key == https.key


def test_duplicate_guids_in_one_document() -> None:
    twice = parse(rss([item(1, guid="same"), item(1, guid="same")])).entries
    assert len(twice) == 1  # the very same entry listed twice
    shared = parse(rss([item(1, guid="same"), item(2, guid="same")])).entries
    assert len(shared) == 2  # different entries sharing a GUID: neither hides the other
    assert shared[0].key != shared[1].key


def test_html_named_entities_do_not_send_the_feed_to_the_slow_loose_parser() -> None:
    body = rss([item(1, title="x")]).replace(
        b"<title>x</title>", b"<title>Caf&eacute;&nbsp;d&eacute;bat &amp;nbsp;</title>"
    )
    feed = parse(body)
    assert feed.warning is None  # parsed strictly: the entities were made numeric first
    # NBSP collapses like any space; a double-escaped "&amp;nbsp;" is decoded too (common in feeds).
    assert feed.entries[0].title == "Café débat"


def test_giant_feeds_keep_only_the_first_thousand_entries_quickly() -> None:
    many = [item(i, description="<p>" + "word " * 20 + "</p>") for i in range(3000)]
    body = rss(many)
    assert len(body) > 1_000_000
    started = time.monotonic()
    feed = parse(body)
    assert time.monotonic() - started < 10  # bounded work (typically a fraction of a second)
    assert len(feed.entries) == 1000 and feed.warning is None
    assert feed.entries[0].guid == "urn:story:0" and feed.entries[-1].guid == "urn:story:999"


def test_giant_atom_feed_is_cut_and_still_well_formed() -> None:
    entries = "".join(
        f"<entry><title>Entry {i} with a reasonably long title for size</title><id>urn:e:{i}</id>"
        f"<link href='https://atom.example.com/{i}'/><updated>2026-11-19T10:00:00Z</updated>"
        f"<summary>{'text ' * 60}</summary></entry>"
        for i in range(1500)
    )
    body = (
        f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Big</title>{entries}</feed>'
    )
    feed = parse(body.encode())
    assert len(feed.entries) == 1000 and feed.warning is None and feed.title == "Big"


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "feedparser"])
def test_feed_titles_declared_as_html_are_read_as_html(fast_path: bool) -> None:
    atom = (
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        b'<title type="html">&lt;blink&gt;Acme&lt;/blink&gt; &lt;meta name="x"&gt;AI &amp;amp; law</title>'
        b'<link href="https://acme.example.com/"/><entry><title>One</title><id>urn:1</id>'
        b"<updated>2026-11-19T10:00:00Z</updated></entry></feed>"
    )
    rss_doc = rss([item(1)], title="<blink>Acme</blink> <meta name='x'>AI & law")
    for body in (atom, rss_doc):
        feed = parse_feed(body, url=URL, now=LATER, fast_path=fast_path)
        assert feed.title == "Acme AI & law"


def test_utf8_feed_served_as_text_xml_without_charset_is_read_as_utf8_without_a_warning() -> None:
    body = rss([item(1, title="Zürich prüft KI — déjà vu")])
    feed = parse(body, content_type="text/xml")
    assert feed.warning is None  # RFC 7303: no "declared as us-ascii"
    assert feed.entries[0].title == "Zürich prüft KI — déjà vu"
    assert parse_common(prepare(body), xml_media_type("text/xml")) is not None  # and the fast path


RSS_10_HTMLLAT1 = b"""<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE rdf:RDF [
<!ENTITY % HTMLlat1 PUBLIC "-//W3C//ENTITIES Latin 1 for XHTML//EN"
 "http://www.w3.org/TR/xhtml1/DTD/xhtml-lat1.ent">
%HTMLlat1;
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="https://rdf.example.com/"><title>Caf&eacute; RDF</title>
<link>https://rdf.example.com/</link><description>d</description></channel>
<item rdf:about="https://rdf.example.com/a"><title>R&eacute;sum&eacute; of the week</title>
<link>https://rdf.example.com/a</link></item>
</rdf:RDF>"""


def test_rss_10_declaring_the_w3c_latin1_entity_set_is_read_as_feedparser_reads_it() -> None:
    feed = parse(RSS_10_HTMLLAT1)
    assert feed.title == "Café RDF"
    assert [e.title for e in feed.entries] == ["Résumé of the week"]


@pytest.mark.parametrize(
    "declaration",
    [
        '<!ENTITY % HTMLlat1 PUBLIC "-//W3C//ENTITIES Latin 1 for XHTML//EN" "x.ent"> %other;',
        '<!ENTITY % HTMLlat1 SYSTEM "http://evil.example/x.ent"> %HTMLlat1;',
        '<!ENTITY % HTMLlat1 PUBLIC "-//EVIL//ENTITIES x//EN" "x.ent"> %HTMLlat1;',
        "<!ENTITY % HTMLlat1 \"<!ENTITY a 'x'>\"> %HTMLlat1;",
    ],
    ids=["undeclared-reference", "system", "not-w3c", "internal-value"],
)
def test_other_parameter_entities_are_still_refused(declaration: str) -> None:
    body = RSS_10_HTMLLAT1.replace(
        RSS_10_HTMLLAT1[RSS_10_HTMLLAT1.index(b"<!ENTITY") : RSS_10_HTMLLAT1.index(b"]>")],
        declaration.encode() + b"\n",
    )
    with pytest.raises(ParseError, match="refused"):
        parse(body)
