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

# Shapes of real publishers' documents (issue 23): Media RSS, iTunes and Podcasting 2.0,
# FeedBurner, WordPress's post-id, GeoRSS, OpenSearch, YouTube, xml:base.
NEWS_MEDIA = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/" version="2.0">
<channel><title><![CDATA[BBC News]]></title><link>https://www.bbc.co.uk/news</link>
<image><url>https://news.bbcimg.co.uk/nol/shared/img/bbc_news_120x60.gif</url><title>BBC News</title>
<link>https://www.bbc.co.uk/news</link></image><copyright>(C) BBC</copyright>
<atom:link href="https://feeds.bbci.co.uk/news/rss.xml" rel="self" type="application/rss+xml"/>
<item><title><![CDATA[Regulator fines firm over AI hiring tool]]></title>
<description><![CDATA[The watchdog says the tool screened out older applicants.]]></description>
<link>https://www.bbc.co.uk/news/articles/c1?at_medium=RSS</link>
<guid isPermaLink="false">https://www.bbc.co.uk/news/articles/c1#0</guid>
<pubDate>Mon, 30 Nov 2026 10:00:00 GMT</pubDate>
<media:thumbnail width="240" height="135" url="https://ichef.bbci.co.uk/a.jpg"/>
<media:content url="https://ichef.bbci.co.uk/b.jpg" medium="image">
<media:credit>Getty</media:credit></media:content>
<media:title>Ignored: the item has a title</media:title>
<media:category scheme="urn:bbc">World</media:category><media:keywords>ai, hiring ,law</media:keywords>
</item>
<item><title>Chinese boxing robots win fans</title><link>https://restofworld.org/2026/robots/</link>
<dc:creator>Rina Chandran</dc:creator><guid>https://restofworld.org/2026/robots/</guid>
<description><![CDATA[Matches with VR-controlled humanoids.]]></description>
<content:encoded><![CDATA[The Super Bowl was not the only event...]]></content:encoded>
<media:description>Robots wear boxing gloves at CES</media:description></item>
</channel></rss>"""
PODCAST = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
 xmlns:googleplay="http://www.google.com/schemas/play-podcasts/1.0"
 xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Riordan's Desk</title><link>https://riordansdesk.buzzsprout.com</link>
<itunes:author>Mark Coggins</itunes:author><itunes:owner><itunes:name>Mark</itunes:name></itunes:owner>
<itunes:category text="Arts"><itunes:category text="Books"/></itunes:category>
<googleplay:block>no</googleplay:block>
<item><itunes:title>Chapter 11</itunes:title><title>No Hard Feelings, Chapter 11</title>
<description><![CDATA[<p>Winnie searches the <b>motel</b>.</p>]]></description>
<content:encoded><![CDATA[<p>Winnie searches the motel.</p>]]></content:encoded>
<itunes:author>Mark Coggins</itunes:author>
<itunes:summary>Winnie searches the motel, plainly.</itunes:summary>
<enclosure url="https://www.buzzsprout.com/1.mp3" length="1" type="audio/mpeg"/>
<guid isPermaLink="false">Buzzsprout-5865685</guid><pubDate>Mon, 12 Oct 2020 20:00:00 -0400</pubDate>
<itunes:duration>1038</itunes:duration><itunes:keywords>crime, noir</itunes:keywords>
<itunes:episode>11</itunes:episode><itunes:explicit>false</itunes:explicit>
<podcast:transcript url="https://x.buzzsprout.com/t.srt" type="application/srt"/>
</item>
<item><title>Bonus</title><itunes:summary>Only an iTunes summary &lt;b&gt;here&lt;/b&gt;</itunes:summary>
<author>host@podnews.net (James Cridland)</author><guid>https://podnews.net/2</guid></item>
</channel></rss>"""
FEEDBURNER_WORDPRESS = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:georss="http://www.georss.org/georss" xmlns:geo="http://www.w3.org/2003/01/geo/wgs84_pos#"
 xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"
 xmlns:openSearch="http://a9.com/-/spec/opensearchrss/1.0/">
<channel><title>Kroy's blog</title><link>https://blog.kroy.io</link>
<atom10:link xmlns:atom10="http://www.w3.org/2005/Atom" rel="self" type="application/rss+xml"
 href="https://feeds.feedburner.com/kroy"/>
<feedburner:info uri="kroy"/><openSearch:totalResults>12</openSearch:totalResults>
<item><title>10 gigabit at home</title><link>https://feeds.feedburner.com/~r/kroy/~3/abc/</link>
<dc:creator><![CDATA[kroy]]></dc:creator><pubDate>Sat, 28 Nov 2026 10:00:00 +0000</pubDate>
<category><![CDATA[Networking]]></category><guid isPermaLink="false">https://blog.kroy.io/?p=497</guid>
<description><![CDATA[So I can toss a 10 gigabit NIC in one&#8230;]]></description>
<georss:point>52.1 4.3</georss:point><geo:lat>52.1</geo:lat>
<post-id xmlns="com-wordpress:feed-additions:1">497</post-id>
<feedburner:origLink>https://blog.kroy.io/2026/11/10g/</feedburner:origLink></item>
</channel></rss>"""
YOUTUBE = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns:media="http://search.yahoo.com/mrss/"
 xmlns="http://www.w3.org/2005/Atom">
<link rel="self" href="http://www.youtube.com/feeds/videos.xml?channel_id=UC9P"/>
<id>yt:channel:9PBzalIcEQCsiIkq36PyUA</id><yt:channelId>UC9P</yt:channelId><title>Digital Foundry</title>
<link rel="alternate" href="https://www.youtube.com/channel/UC9P"/>
<author><name>Digital Foundry</name><uri>https://www.youtube.com/channel/UC9P</uri></author>
<published>2014-01-01T00:00:00+00:00</published>
<entry><id>yt:video:W_S7iKZZdHw</id><yt:videoId>W_S7iKZZdHw</yt:videoId><yt:channelId>UC9P</yt:channelId>
<title>Games of 2024</title><link rel="alternate" href="https://www.youtube.com/watch?v=W_S7iKZZdHw"/>
<author><name>Digital Foundry</name><uri>https://www.youtube.com/channel/UC9P</uri></author>
<published>2025-01-01T16:07:24+00:00</published><updated>2025-01-02T10:00:00+00:00</updated>
<media:group><media:title>Games of 2024</media:title>
<media:content url="https://www.youtube.com/v/W_S7iKZZdHw?version=3" type="application/x-shockwave-flash"/>
<media:thumbnail url="https://i4.ytimg.com/vi/W_S7iKZZdHw/hqdefault.jpg" width="480" height="360"/>
<media:description>As the holiday period begins to unwind &amp; more: https://store.example.net</media:description>
<media:community><media:starRating count="1456" average="5.00" min="1" max="5"/>
<media:statistics views="9"/></media:community>
</media:group></entry></feed>"""
XML_BASE = b"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en" xml:base="https://numi.st/">
<title type="text">numist</title><link href="/" rel="alternate"/><id>https://numi.st/</id>
<entry xml:base="posts/"><title>Relative</title><link href="a-post" rel="Alternate"/><id>a-post#id</id>
<updated>2026-11-20T10:00:00Z</updated><content type="html">&lt;p&gt;Body&lt;/p&gt;</content></entry>
<entry><title>Second</title><link href="/b"/><id>tag:numi.st,2026:b</id></entry>
</feed>"""
# Mastodon and El País: media:description inside media:content (deeper than the item's own
# description, so feedparser keeps the value it has and takes only the later element's type).
MEDIA_CONTENT = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>nuclearpasta</title><link>https://mastodon.art/@nuclearpasta</link>
<item><guid isPermaLink="true">https://mastodon.art/@nuclearpasta/114495761108890085</guid>
<link>https://mastodon.art/@nuclearpasta/114495761108890085</link>
<pubDate>Mon, 12 May 2025 16:17:47 +0000</pubDate>
<description>&lt;p&gt;Oh it&amp;#39;s &lt;a href="https://mastodon.art/tags/WebcomicDay"&gt;#WebcomicDay&lt;/a&gt;
 again!&lt;/p&gt;</description>
<media:content url="https://cdn.masto.host/a.jpg" type="image/jpeg" medium="image">
<media:rating scheme="urn:simple">nonadult</media:rating>
<media:description type="plain">Raiders ride giant lizards across the desert.</media:description>
</media:content>
<media:content url="https://cdn.masto.host/b.jpg" type="image/jpeg" medium="image">
<media:description type="plain">Joy and Sir Pangreto exchange menacing looks.</media:description>
</media:content>
</item>
<item><title>Jesse Jackson dies</title><link>https://english.elpais.com/usa/jackson.html</link>
<description>A civil rights leader.</description>
<media:group>
<media:content url="https://images.english.elpais.com/a.jpg" type="image/jpeg" medium="image">
<media:credit>AP</media:credit><media:text>Jackson in Belgrade.</media:text>
<media:description>Jackson in Belgrade, 1999.</media:description></media:content></media:group>
<content:encoded>&lt;p&gt;Jesse Jackson, who...&lt;/p&gt;</content:encoded>
<media:description>After the content, at the item's own depth: replaces the summary.</media:description>
</item></channel></rss>"""
MEDIA_TITLE_BESIDE_A_TITLE = WORDPRESS.replace(
    b"<comments>", b"<media:title xmlns:media='http://search.yahoo.com/mrss/'>x</media:title><comments>", 1
)
ENTRY_BASE = ATOM.replace(b"<entry>", b'<entry xml:base="https://other.example/">', 1)
FAST = {
    "wordpress-rss": WORDPRESS,
    "atom": ATOM,
    "atom-rel-case-feed-id": ATOM_CASES,
    "media-rss-news": NEWS_MEDIA,
    "media-content-descriptions": MEDIA_CONTENT,
    "itunes-podcast": PODCAST,
    "feedburner-wordpress-georss-opensearch": FEEDBURNER_WORDPRESS,
    "youtube": YOUTUBE,
    "xml-base": XML_BASE,
    "media-title-beside-a-title": MEDIA_TITLE_BESIDE_A_TITLE,
    "entry-xml-base": ENTRY_BASE,
}


@pytest.mark.parametrize("body", list(FAST.values()), ids=list(FAST))
def test_common_documents_take_the_fast_path_and_match_feedparser(body: bytes) -> None:
    assert parse_common(prepare(body), "application/xml") is not None
    fast = parse_feed(body, url="https://example.com/feed", now=NOW)
    slow = parse_feed(body, url="https://example.com/feed", now=NOW, fast_path=False)
    assert fast == slow
    assert fast.site_url
    assert fast.entries


UNUSUAL = {
    "latin-1": WORDPRESS.replace(b'encoding="UTF-8"', b'encoding="iso-8859-1"'),
    "doctype": WORDPRESS.replace(b"<channel>", b'<!DOCTYPE rss [<!ENTITY x "y">]><channel>', 1),
    "two-authors": WORDPRESS.replace(b"<pubDate>", b"<author>jane@example.com (Jane)</author><pubDate>", 1),
    "xhtml": ATOM.replace(
        b"<summary>text &lt;b&gt;</summary>",
        b'<summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">x</div></summary>',
        1,
    ),
    "malformed": b"<rss version='2.0'><channel><item><title>broken</item></channel></rss>",
    # feedparser would take it as the title
    "media-title-without-a-title": NEWS_MEDIA.replace(
        b"<title><![CDATA[Regulator fines firm over AI hiring tool]]></title>", b""
    ),
    # inside an item it names the author
    "itunes-owner-in-an-item": PODCAST.replace(
        b"<itunes:duration>", b"<itunes:owner><itunes:name>X</itunes:name></itunes:owner><itunes:duration>", 1
    ),
    # no handler, but filed under the very key the entry's tags are read from
    "default-namespace-element-filed-as-tags": FEEDBURNER_WORDPRESS.replace(
        b"<post-id", b'<tags xmlns="urn:x">t</tags><post-id', 1
    ),
    "core-element-with-a-handler": FEEDBURNER_WORDPRESS.replace(
        b"<post-id", b"<updated>2026-01-01T00:00:00Z</updated><post-id", 1
    ),
    "core-element-inside-a-skipped-one": FEEDBURNER_WORDPRESS.replace(
        b"<geo:lat>52.1</geo:lat>", b"<geo:lat><title>x</title></geo:lat>", 1
    ),
}


@pytest.mark.parametrize("body", list(UNUSUAL.values()), ids=list(UNUSUAL))
def test_unusual_documents_go_to_feedparser(body: bytes) -> None:
    assert parse_common(prepare(body), None) is None
