"""The fast path for common RSS/Atom documents must give exactly what feedparser gives."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feeds.fastparse import parse_common
from feeds.parse import parse_feed, prepare

NOW = datetime(2026, 12, 1, tzinfo=UTC)
WORDPRESS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wfw="http://wellformedweb.org/CommentAPI/"
 xmlns:slash="http://purl.org/rss/1.0/modules/slash/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>Blog &amp; more</title><link>https://blog.example.com/</link>
<atom:link href="https://blog.example.com/feed/" rel="self" type="application/rss+xml"/>
<item><title>AT&amp;T &lt;b&gt;bold&lt;/b&gt; move</title><link>https://blog.example.com/?p=1&amp;amp;x=2</link>
<comments>https://blog.example.com/1#comments</comments><dc:creator><![CDATA[Jane Doe]]></dc:creator>
<pubDate>Mon, 30 Nov 2026 10:00:00 +0000</pubDate><category><![CDATA[AI]]></category>
<category domain="tag">Finance</category><guid isPermaLink="false">https://blog.example.com/?p=1</guid>
<description><![CDATA[<p>Short &hellip; summary</p>]]></description>
<content:encoded><![CDATA[<p>Long body</p>]]></content:encoded>
<wfw:commentRss>https://blog.example.com/1/feed/</wfw:commentRss><slash:comments>3</slash:comments></item>
<item><title>  Caf\xc3\x83\xc2\xa9 \xc2\x93quoted\xc2\x94  </title><guid>https://blog.example.com/2</guid>
<dc:date>2026-11-29T08:00:00Z</dc:date></item>
<item><title>No link</title><guid isPermaLink="false">tag-3</guid>
<content:encoded>&lt;p&gt;only content&lt;/p&gt;</content:encoded></item>
<item><description>untitled, undated</description></item>
</channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title type="html">A &amp;amp; B</title>
<link href="https://atom.example.com/"/><link rel="self" href="https://atom.example.com/feed.xml"/>
<entry><title>Plain &lt;tag&gt; title</title><id>https://atom.example.com/1</id>
<link rel="alternate" type="text/html" href="/posts/1"/>
<updated>2026-11-30T10:00:00+02:00</updated>
<published>2026-11-29T10:00:00Z</published>
<author><name>Ann</name><email>ann@example.com</email></author>
<category term="ai" label="AI"/>
<summary>text &lt;b&gt;</summary><content type="html">&lt;p&gt;hi&lt;/p&gt;</content></entry>
<entry><title type="html">&lt;em&gt;Only&lt;/em&gt; id</title><id>tag:atom.example.com,2026:2</id>
<content>plain content</content></entry>
</feed>"""


# feedparser lower-cases rel and type; an Atom feed's id is its link when it has no HTML alternate.
ATOM_CASES = ATOM.replace(
    b'<link rel="alternate" type="text/html"', b'<link rel="Alternate" type="TEXT/HTML"'
).replace(b'<link href="https://atom.example.com/"/>', b"<id>https://atom.example.com/</id>")


@pytest.mark.parametrize(
    "body", [WORDPRESS, ATOM, ATOM_CASES], ids=["wordpress-rss", "atom", "atom-rel-case-feed-id"]
)
def test_common_documents_take_the_fast_path_and_match_feedparser(body: bytes) -> None:
    assert parse_common(prepare(body), "application/xml") is not None
    fast = parse_feed(body, url="https://example.com/feed", now=NOW)
    slow = parse_feed(body, url="https://example.com/feed", now=NOW, fast_path=False)
    assert fast == slow
    assert fast.site_url
    assert len(fast.entries) >= 2


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (WORDPRESS.replace(b'encoding="UTF-8"', b'encoding="iso-8859-1"'), None),
        (WORDPRESS.replace(b"<channel>", b'<!DOCTYPE rss [<!ENTITY x "y">]><channel>', 1), None),
        (ATOM.replace(b"<entry>", b'<entry xml:base="https://other.example/">', 1), None),
        (
            WORDPRESS.replace(
                b"<comments>",
                b"<media:title xmlns:media='http://search.yahoo.com/mrss/'>x</media:title><comments>",
                1,
            ),
            None,
        ),
        (WORDPRESS.replace(b"<pubDate>", b"<author>jane@example.com (Jane)</author><pubDate>", 1), None),
        (
            ATOM.replace(
                b"<summary>text &lt;b&gt;</summary>",
                b'<summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">x</div></summary>',
                1,
            ),
            None,
        ),
        (b"<rss version='2.0'><channel><item><title>broken</item></channel></rss>", None),
    ],
    ids=[
        "latin-1",
        "doctype",
        "xml-base",
        "unknown-namespace",
        "rss-author",
        "xhtml",
        "malformed",
    ],
)
def test_unusual_documents_go_to_feedparser(body: bytes, content_type: str | None) -> None:
    assert parse_common(prepare(body), content_type) is None
