"""A URL's first fetch, and feed discovery when it answers with an HTML page.

Admins often paste a site's or an article's address instead of its feed's. When the answer is an
HTML page, the feeds it names in ``<link rel="alternate" type="application/rss+xml|atom+xml|
feed+json" href=...>`` are read with the standard library's ``html.parser`` (as ``feeds.text``
reads HTML), resolved against the page (and its ``<base href>``), passed through the same URL
checks as a typed URL (``vet``: normalisation, which refuses bidi and invisible characters, and
the private-address policy; the fetch's connection guard checks every address again) and fetched
in document order. The first that is a readable feed is the one chosen.

Used by ``FeedService.add`` (the CLI's and Slack's ``add``) and ``FeedService.test`` (the CLI's
``feeds test`` and the Slack add-feed modal's preview).
"""

from __future__ import annotations

import codecs
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import urljoin

from feeds.errors import InvalidFeedURL
from feeds.fetch import Fetcher
from feeds.records import FeedJob, FetchOutcome
from feeds.refresh import answer_outcome, fetch_job
from feeds.urls import MAX_URL_LENGTH, feed_identity

log = logging.getLogger(__name__)

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/feed+json"})
# Alternate links sit in <head>; a page's first half megabyte holds them on any real site, and
# reading no further keeps a huge page cheap.
MAX_PAGE_BYTES = 512 * 1024
# A page may name a dozen feeds (comments, categories); the first few are the site's own.
MAX_CANDIDATES = 4
NO_FEED_ON_PAGE = (
    "the URL returned an HTML page that names no feed (no RSS, Atom or JSON Feed alternate link); "
    "use the site's feed URL"
)

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))

# The normalised form of a discovered URL, or ``InvalidFeedURL`` saying why it is refused.
Vet = Callable[[str], str]


@dataclass(frozen=True)
class FeedLink:
    """One feed an HTML page names: its absolute URL, media type and title."""

    url: str
    type: str
    title: str


@dataclass(frozen=True)
class Probe:
    """The first fetch of a URL being added or previewed.

    ``url`` is the feed chosen: the URL given, or the feed found on the page it returned
    (``page_url`` is then that page). ``outcome`` is the fetch of ``url``; ``error`` says why it is
    not a readable feed (``None`` when it is).
    """

    url: str
    outcome: FetchOutcome
    page_url: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class _LinkReader(HTMLParser):
    """Collects ``<base href>`` and the alternate feed links of a page, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.links: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("link", "base"):
            return
        values = {name: (value or "").strip() for name, value in attrs}
        href = values.get("href", "")
        if not href:
            return
        if tag == "base":
            if self.base is None:  # only the first <base> counts (HTML)
                self.base = href
            return
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").split(";", 1)[0].strip().lower()
        if "alternate" in rels and kind in FEED_TYPES:
            self.links.append((href, kind, values.get("title", "")))


def alternate_feeds(body: bytes, *, page_url: str, content_type: str | None = None) -> list[FeedLink]:
    """The feeds an HTML page names in its alternate links, absolute, in document order, once each."""
    reader = _LinkReader()
    try:
        reader.feed(_decode(body[:MAX_PAGE_BYTES], content_type))
        reader.close()
    except (AssertionError, ValueError):  # html.parser on markup it cannot make sense of
        log.info("unreadable HTML while looking for feed links on %s", page_url)
    base = page_url
    if reader.base:
        try:
            base = urljoin(page_url, reader.base)
        except ValueError:
            base = page_url
    found: list[FeedLink] = []
    seen: set[str] = set()
    for href, kind, title in reader.links:
        try:
            url = urljoin(base, href)
        except ValueError:
            continue
        if len(url) > MAX_URL_LENGTH or url in seen:
            continue
        seen.add(url)
        found.append(FeedLink(url, kind, title))
    return found


def probe(url: str, *, fetcher: Fetcher, now: datetime, vet: Vet) -> Probe:
    """Fetch ``url`` (normalised); if it answers with an HTML page, look for the feed it names."""
    job = _job(url)
    fetched = fetch_job(job, fetcher)
    if isinstance(fetched, FetchOutcome):
        return Probe(url, fetched, error=why_not(fetched))
    outcome = answer_outcome(job, fetched, now=now)
    if outcome.kind == "parsed" or fetched.status != 200 or fetched.body is None:
        return Probe(url, outcome, error=why_not(outcome))
    links = alternate_feeds(fetched.body, page_url=fetched.url, content_type=fetched.content_type)
    if not links:
        html = _is_html(fetched.content_type) or (outcome.error or "").startswith("the URL returned an HTML")
        return Probe(url, outcome, error=NO_FEED_ON_PAGE if html else why_not(outcome))
    tried: list[str] = []
    seen = {feed_identity(url), feed_identity(fetched.url)}
    for link in links:
        if len(tried) >= MAX_CANDIDATES:
            break
        try:
            candidate = vet(link.url)
        except InvalidFeedURL as exc:
            tried.append(f"{_short(link.url)} ({exc})")
            continue
        if feed_identity(candidate) in seen:
            continue
        seen.add(feed_identity(candidate))
        found = _fetch(candidate, fetcher, now)
        if found.kind == "parsed":
            return Probe(candidate, found, page_url=url)
        tried.append(f"{_short(candidate)} ({why_not(found)})")
    if not tried:
        return Probe(url, outcome, error=NO_FEED_ON_PAGE)
    which = "the feed it names" if len(tried) == 1 else f"none of the {len(tried)} feeds it names"
    return Probe(
        url,
        outcome,
        error=f"the URL returned an HTML page, and {which} could be read: {'; '.join(tried)}",
    )


def why_not(outcome: FetchOutcome) -> str | None:
    """Why a fetch gave no readable feed, in words for an admin (``None`` when it did)."""
    if outcome.kind == "parsed":
        return None
    if outcome.kind == "gone":
        return "HTTP 410 Gone: the publisher has removed this feed"
    return outcome.error or (f"HTTP {outcome.status}" if outcome.status else "the fetch failed")


def _fetch(url: str, fetcher: Fetcher, now: datetime) -> FetchOutcome:
    job = _job(url)
    fetched = fetch_job(job, fetcher)
    return fetched if isinstance(fetched, FetchOutcome) else answer_outcome(job, fetched, now=now)


def _job(url: str) -> FeedJob:
    """A refresh job for a URL no feed row has yet (nothing known: no validators, no body hash)."""
    return FeedJob(0, url, None, None, None, None, False, None, 0)


def _decode(body: bytes, content_type: str | None) -> str:
    """The page's text: the Content-Type's charset if Python knows it, a BOM's, else UTF-8."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace")
    charset = ""
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'")
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    return body.decode(charset or "utf-8", errors="replace")


def _is_html(content_type: str | None) -> bool:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    return kind in ("text/html", "application/xhtml+xml")


def _short(url: str, limit: int = 200) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "…"
