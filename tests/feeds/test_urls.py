"""Feed URL normalisation, duplicate keys and canonical story URLs (point 1 and 6)."""

from __future__ import annotations

import pytest

from feeds.errors import InvalidFeedURL
from feeds.urls import absolute_link, canonical_url, feed_identity, normalise_feed_url


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTPS://News.Example.COM/feed", "https://news.example.com/feed"),
        ("https://news.example.com:443/feed#top", "https://news.example.com/feed"),
        ("http://news.example.com:8080", "http://news.example.com:8080/"),
        ("  news.example.com/rss  ", "https://news.example.com/rss"),
        ("feed://news.example.com/rss", "http://news.example.com/rss"),
        ("https://bücher.example/feed", "https://xn--bcher-kva.example/feed"),
        ("https://news.example.com/feed?format=rss", "https://news.example.com/feed?format=rss"),
    ],
)
def test_feed_urls_are_normalised(raw: str, expected: str) -> None:
    assert normalise_feed_url(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("file:///etc/passwd", "only http:// and https://"),
        ("ftp://example.com/feed", "only http:// and https://"),
        ("javascript:alert(1)", "only http:// and https://"),
        ("gopher://example.com/", "only http:// and https://"),
        ("", "required"),
        ("https://user:pw@example.com/feed", "user name or password"),
        ("https://", "no host"),
        ("https://example.com:99999/feed", "not a valid URL"),
        ("https://exa mple.com/feed", "spaces"),
        ("https://example.com/fe\u202eed.xml", "text-direction control"),
        ("https://exa\u200bmple.com/feed", "invisible"),
    ],
)
def test_bad_feed_urls_are_refused_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidFeedURL, match=reason):
        normalise_feed_url(raw)


def test_scheme_www_and_trailing_slash_do_not_make_a_new_feed() -> None:
    a = feed_identity(normalise_feed_url("http://www.example.com/feed/"))
    b = feed_identity(normalise_feed_url("https://example.com/feed"))
    c = feed_identity(normalise_feed_url("https://example.com/other"))
    assert a == b
    assert a != c


def test_canonical_url_drops_tracking_parameters_but_keeps_content_ones() -> None:
    plain = canonical_url("https://www.example.com/a/story/?id=7#comments")
    tagged = canonical_url("http://example.com/a/story?utm_source=rss&id=7&fbclid=xyz&utm_campaign=c")
    other = canonical_url("https://example.com/a/story?id=8")
    assert plain == tagged == "https://example.com/a/story?id=7"
    assert other != plain


def test_links_become_absolute_and_only_http() -> None:
    base = "https://news.example.com/feeds/main.xml"
    assert absolute_link("/story/1", base) == "https://news.example.com/story/1"
    assert absolute_link("story/2", base) == "https://news.example.com/feeds/story/2"
    assert absolute_link("javascript:alert(1)", base) is None
    assert absolute_link("mailto:x@example.com", base) is None
    assert absolute_link("data:text/html,hi", base) is None
    assert absolute_link("", base) is None


@pytest.mark.parametrize(
    "raw",
    [
        "ht!tp://::",
        "http://a\x00b.com/feed",
        "http://{{7*7}}/feed",
        "http://a_b!$'()*+,;=.test/",
        "http://-leading.example.com/",
        "http://999.1.1.1/feed",
        "http://" + "a" * 64 + ".com/",
    ],
)
def test_impossible_hosts_are_refused_with_a_reason(raw: str) -> None:
    with pytest.raises(InvalidFeedURL, match=r"invalid (host name|IP address)"):
        normalise_feed_url(raw)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("https://bücher.de/feed", "https://xn--bcher-kva.de/feed"),
        ("http://127.0.0.1:9000/feed", "http://127.0.0.1:9000/feed"),
        ("http://[::1]:8080/feed", "http://[::1]:8080/feed"),
        ("https://Feeds.Example.COM./rss", "https://feeds.example.com/rss"),
    ],
)
def test_dns_names_idna_and_ip_literals_are_accepted(raw: str, stored: str) -> None:
    assert normalise_feed_url(raw) == stored
