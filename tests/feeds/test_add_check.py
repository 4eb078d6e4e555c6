"""``briefbot feeds add`` checks the URL before storing it, and finds the feed a web page names.

Through the real CLI against feed servers on loopback: a URL whose first fetch gives no readable
feed is refused (one line, exit 1, nothing stored) unless ``--force``; an HTML page's
``<link rel="alternate">`` feed is fetched, vetted like a typed URL, and stored instead.
"""

from __future__ import annotations

import json
from typing import Any

from feeds.discovery import alternate_feeds
from tests.feeds.conftest import FeedServer, Reply, feed_reply, item
from tests.feeds.test_cli import one_line_error, run

HTML = {"Content-Type": "text/html; charset=utf-8"}


def page(*links: str, base: str = "") -> Reply:
    """An HTML page whose head holds ``links`` (raw ``<link>`` tags) and an optional ``<base>``."""
    head = (f'<base href="{base}">' if base else "") + "".join(links)
    body = f"<!doctype html><html><head><title>Blog</title>{head}</head><body><p>Hello</p></body></html>"
    return Reply(body=body.encode(), headers=HTML)


def rss_link(href: str, kind: str = "application/rss+xml", title: str = "Posts") -> str:
    return f'<link rel="alternate" type="{kind}" title="{title}" href="{href}">'


def feeds_list(env: dict[str, str]) -> list[dict[str, Any]]:
    code, out, _ = run(env, "feeds", "list", "--json")
    assert code == 0
    result: list[dict[str, Any]] = json.loads(out)
    return result


def audited_actions(env: dict[str, str]) -> list[str]:
    code, out, _ = run(env, "audit", "list", "--json")
    assert code == 0
    return [entry["action"] for entry in json.loads(out)]


def test_a_url_that_gives_no_feed_is_refused_in_one_line_and_nothing_is_stored(
    env: dict[str, str], feed_server: FeedServer
) -> None:
    missing = feed_server.route("/missing", Reply(status=404))
    blog = feed_server.route("/blog", page('<link rel="stylesheet" href="/style.css">'))
    text = feed_server.route(
        "/notes.txt", Reply(body=b"just some text", headers={"Content-Type": "text/plain"})
    )
    cases = [
        ((missing,), "HTTP 404 Not Found"),
        ((blog,), "HTML page that names no feed"),
        ((text,), "not an RSS or Atom feed"),
        (("not-a-url",), "https://not-a-url/ is not a readable feed: cannot resolve host not-a-url"),
    ]
    for (url,), reason in cases:
        err = one_line_error(*run(env, "feeds", "add", url, "-d", "legal"))
        assert err.startswith("Error: not added: ") and reason in err, err
        assert err.rstrip().endswith("store it anyway with --force"), err
    assert feeds_list(env) == []
    assert "feed.add" not in audited_actions(env)


def test_force_stores_a_failing_url_and_says_so(env: dict[str, str], feed_server: FeedServer) -> None:
    missing = feed_server.route("/missing", Reply(status=404))
    code, out, err = run(env, "feeds", "add", missing, "-d", "legal", "--force")
    assert code == 0 and err == ""
    assert f"Added feed #1 {missing} (legal)" in out
    assert "Stored anyway (--force), although its first fetch failed: HTTP 404 Not Found" in out
    code, out, _ = run(env, "feeds", "add", "not-a-url", "-d", "hr", "--force")
    assert code == 0 and "Added feed #2 https://not-a-url/ (hr)" in out and "Stored anyway" in out
    stored = {f["url"]: f for f in feeds_list(env)}
    assert stored[missing]["health"] == "failing" and "HTTP 404" in stored[missing]["last_error"]
    assert stored["https://not-a-url/"]["health"] == "failing"
    assert audited_actions(env).count("feed.add") == 2
    assert len(feed_server.hits("/missing")) == 1  # fetched once: stored as the check found it


def test_json_refusal_is_an_error_object_and_a_non_zero_exit(
    env: dict[str, str], feed_server: FeedServer
) -> None:
    missing = feed_server.route("/missing", Reply(status=404))
    code, out, err = run(env, "feeds", "add", missing, "-d", "legal", "--json")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "store it anyway with --force" in err
    data = json.loads(out)
    assert data["added"] is False and data["url"] == missing and data["status"] == 404
    assert "HTTP 404 Not Found" in data["error"]
    assert feeds_list(env) == []

    code, out, _ = run(env, "feeds", "add", missing, "-d", "legal", "--json", "--force")
    data = json.loads(out)
    assert code == 0 and data["forced"] is True and data["feed"]["url"] == missing
    assert data["first_fetch"]["outcome"] == "failed"


def test_an_html_page_gives_the_feed_it_names(env: dict[str, str], feed_server: FeedServer) -> None:
    feed_url = feed_server.route("/feed.xml", feed_reply([item(1), item(2)], title="Site posts"))
    feed_server.route("/comments.xml", feed_reply([item(9)], title="Comments"))
    blog = feed_server.route(
        "/blog/",
        page(
            '<link rel="stylesheet" href="/style.css">',
            rss_link("/feed.xml"),
            rss_link("/comments.xml", title="Comments"),
        ),
    )
    code, out, err = run(env, "feeds", "add", blog, "-d", "finance")
    assert code == 0 and err == "", err
    lines = out.splitlines()
    assert lines[0] == f"Found the feed {feed_url} on that page ({blog}); added it."
    assert lines[1] == f"Added feed #1 Site posts (finance): {feed_url}"
    assert "2 current items stored as backlog" in lines[2]
    (stored,) = feeds_list(env)
    assert (stored["url"], stored["item_count"], stored["health"]) == (feed_url, 2, "ok")
    # The page and the feed are fetched once each: what was checked is what was stored.
    assert (len(feed_server.hits("/blog/")), len(feed_server.hits("/feed.xml"))) == (1, 1)
    assert feed_server.hits("/comments.xml") == []

    code, out, _ = run(env, "feeds", "test", blog)
    assert (
        code == 0
        and f"Found the feed {feed_url} on that page" in out
        and "(already curated as feed #1)" in out
    )
    # The page's feed is curated already: adding the page again is refused as a duplicate.
    assert "already curated as #1" in one_line_error(*run(env, "feeds", "add", blog, "-d", "hr"))


def test_discovery_resolves_base_href_and_skips_feeds_that_fail(
    env: dict[str, str], feed_server: FeedServer
) -> None:
    feed_server.route("/news/broken.xml", Reply(status=500))
    atom = feed_server.route("/news/atom.xml", feed_reply([item(1)], title="Atom posts"))
    home = feed_server.route(
        "/",
        page(
            rss_link("broken.xml"),
            rss_link("atom.xml", kind="application/atom+xml"),
            base="/news/",
        ),
    )
    code, out, _ = run(env, "feeds", "add", home, "-d", "legal", "--json")
    data = json.loads(out)
    assert code == 0 and data["discovered_from"] == home and data["feed"]["url"] == atom
    assert data["forced"] is False and data["first_fetch"]["backlog"] == 1

    dead = feed_server.route("/dead", page(rss_link("/gone.xml")))
    feed_server.route("/gone.xml", Reply(status=410))
    err = one_line_error(*run(env, "feeds", "add", dead, "-d", "legal"))
    assert "the feed it names could be read" in err and "gone.xml (HTTP 410 Gone" in err
    assert [f["url"] for f in feeds_list(env)] == [atom]


def test_discovered_urls_pass_the_same_safety_checks(env: dict[str, str], feed_server: FeedServer) -> None:
    good = feed_server.route("/good.xml", feed_reply([item(1)]))
    hostile = feed_server.route(
        "/hostile",
        page(
            rss_link("http://169.254.169.254/latest/meta-data/feed.xml"),
            rss_link("https://example.com/\u202egmp.xml"),
            rss_link("javascript:alert(1)"),
        ),
    )
    err = one_line_error(*run(env, "feeds", "add", hostile, "-d", "legal"))
    assert "none of the 3 feeds it names could be read" in err
    assert "cloud metadata endpoint" in err and "text-direction control" in err and "only http" in err
    assert feeds_list(env) == []

    mixed = feed_server.route(
        "/mixed", page(rss_link("http://169.254.169.254/feed.xml"), rss_link("/good.xml"))
    )
    code, out, _ = run(env, "feeds", "add", mixed, "-d", "legal")
    assert code == 0 and f"Found the feed {good} on that page" in out


def test_alternate_links_are_read_as_html() -> None:
    body = b"""<!DOCTYPE html><html><head>
      <LINK REL="Alternate" TYPE="application/RSS+XML; charset=utf-8" HREF="/rss?a=1&amp;b=2">
      <link rel="alternate" hreflang="de" type="text/html" href="/de/">
      <link rel="alternate" type="application/json+oembed" href="/oembed">
      <link rel="alternate feed" type="application/feed+json" href="feed.json"/>
      <link rel="alternate" type="application/atom+xml" href="/rss?a=1&b=2">
      <!-- <link rel="alternate" type="application/atom+xml" href="/commented-out.xml"> -->
      <script>var s = '<link rel="alternate" type="application/rss+xml" href="/in-script.xml">';</script>
    </head><body></body></html>"""
    links = alternate_feeds(body, page_url="https://blog.example/posts/1", content_type="text/html")
    assert [(link.url, link.type) for link in links] == [
        ("https://blog.example/rss?a=1&b=2", "application/rss+xml"),
        ("https://blog.example/posts/feed.json", "application/feed+json"),
    ]
    latin = '<link rel="alternate" type="application/atom+xml" href="/caf\xe9.xml">'.encode("latin-1")
    (link,) = alternate_feeds(latin, page_url="https://x.example/", content_type="text/html; charset=latin-1")
    assert link.url == "https://x.example/caf\xe9.xml"
