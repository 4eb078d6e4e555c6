"""Feed bytes -> normalised entries (pure: no I/O, no database).

RSS, Atom and RDF go through feedparser; JSON Feed through ``feeds.jsonfeed``, which hands over
feedparser-shaped entries so both share one normaliser.

feedparser does the XML work on the bytes we fetched ourselves; it is told not to sanitise HTML
or resolve relative URIs inside content (most of its cost), because we turn HTML into plain text
ourselves and only need entry links absolute. We do not pass ``content-location`` either: its
per-element URL joining costs another third, and ``absolute_link`` resolves the one link we keep
against the feed URL (``xml:base`` is still honoured by feedparser).
"""

from __future__ import annotations

import calendar
import codecs
import collections
import functools
import hashlib
import itertools
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from html.entities import name2codepoint
from typing import Any

import feedparser

from feeds.entities import head_text, refuse_hostile
from feeds.errors import ParseError
from feeds.fastparse import parse_common
from feeds.jsonfeed import is_json, parse_json_feed
from feeds.records import EMPTY_WARNING, EntryData, ParsedFeed
from feeds.text import (
    AUTHOR_MAX,
    CATEGORIES_MAX,
    CATEGORY_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    clean_text,
    html_to_text,
    plain_to_text,
    title_key,
)
from feeds.urls import absolute_link, canonical_url

# Entries beyond this many in one document are ignored: feeds list newest first, and a feed
# with thousands of entries is a dump, not a feed.
MAX_ENTRIES = 1000
GUID_MAX = 2048
_HEAD_BYTES = 64 * 1024
# feedparser's last resort when neither the declared nor the detected encoding decodes the bytes.
_LAST_RESORT = "iso-8859-2"
# Decoded text with C1 controls or replacement characters was decoded in the wrong encoding.
_GARBLED = re.compile("[\x80-\x9f\ufffd]")
_HTML_START = re.compile(
    r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S
)
_EMAIL_NAME = re.compile(r"^\s*\S+@\S+\s+\((?P<name>[^)]+)\)\s*$")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
# Named references other than XML's own five (those stay as they are).
_HTML_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)([A-Za-z][A-Za-z0-9]{1,31});")
_ENTRY_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s/>]")
_ROOT = re.compile(rb"<([A-Za-z_][\w.:-]*)")
# Below this size a document cannot hold enough entries to be worth cutting.
_SMALL_DOC = 256 * 1024


def parse_feed(
    body: bytes,
    *,
    url: str,
    content_type: str | None = None,
    now: datetime,
    max_entries: int = MAX_ENTRIES,
    fast_path: bool = True,
) -> ParsedFeed:
    """Parse and normalise ``body`` fetched from ``url``. Raises ``ParseError`` for non-feeds.

    A document with entries but a parser warning (bozo) is accepted and the warning returned; so
    is one without entries, with ``EMPTY_WARNING``. Text that could not be decoded in its own
    encoding is kept, with a warning saying so. A damaged answer — cut short, or whose text is
    garbled — is marked in ``damage`` (the store then replaces nothing with it): a UTF-8 body cut
    inside a character loses that character instead of being decoded whole as a legacy
    encoding, and the entry it was cut in is dropped unless its key does not depend on its text.
    """
    if is_json(body):
        json_doc = parse_json_feed(body, max_entries=max_entries)
        return _build(
            json_doc.entries, json_doc.title, json_doc.site_url, json_doc.version, json_doc.warning, url, now
        )
    refuse_hostile(body)
    body = prepare(body, max_entries=max_entries)
    content_type = xml_media_type(content_type)
    common = parse_common(body, content_type) if fast_path else None
    if common is not None and common.entries:
        return _build(
            common.entries[:max_entries],
            common.title,
            common.site_url,
            common.version,
            None,
            url,
            now,
            title_type=common.title_type,
        )
    body, damage = repair(body, content_type)
    headers = {"content-type": content_type} if content_type else {}
    try:
        doc = feedparser.parse(
            body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
        )
    except Exception as exc:  # feedparser's loose parser raises assorted errors on garbage
        raise ParseError(f"could not parse the feed: {type(exc).__name__}") from None
    garbled = _encoding_warning(doc, body, content_type)
    warning = garbled or (_bozo_text(doc) if doc.get("bozo") else None)
    raw_entries = doc.get("entries") or []
    if not raw_entries and not doc.get("version"):
        if _HTML_START.match(head_text(body)[:4096]):
            raise ParseError("the URL returned an HTML page, not a feed (use the site's RSS or Atom link)")
        reason = f" ({warning})" if warning else ""
        raise ParseError(f"not an RSS or Atom feed{reason}")
    if damage is None and _truncated(body):
        damage = _TRUNCATED
    if damage == _TRUNCATED and raw_entries and not _whole_enough(raw_entries[-1]):
        raw_entries = raw_entries[:-1]  # where it was cut, and nothing names it but its text
    if damage:
        warning = damage + (f" ({warning})" if warning else "")
    elif garbled:
        damage, warning = garbled, f"{garbled}; stored items were left as they were"
    channel = doc.get("feed") or {}
    parsed = _build(
        raw_entries[:max_entries],
        channel.get("title"),
        channel.get("link"),
        str(doc.get("version") or ""),
        warning,
        url,
        now,
        title_type=(channel.get("title_detail") or {}).get("type"),
    )
    if damage is None:
        return parsed
    return replace(parsed, damage="cut" if damage == _TRUNCATED else "garbled")


def _whole_enough(raw: Any) -> bool:
    """Whether the entry a document was cut in can be kept: its key (a GUID, or a link and a
    date) does not depend on text that may be cut, so the whole entry later updates it."""
    get = _getter(raw)
    return bool(get("id")) or bool(
        (get("link") or get("links")) and (get("published_parsed") or get("updated_parsed"))
    )


_TRUNCATED = "the feed was cut short (an incomplete download): stored items were left as they were"
_NOT_UTF8 = (
    "the feed's text is UTF-8 with some invalid bytes (shown as \ufffd): stored items were left as they were"
)
_XML_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)


_TEXT_XML = re.compile(r"^\s*text/(?:xml|xml-external-parsed-entity|[\w.+-]+\+xml)\s*(?:;|$)", re.I)


def xml_media_type(content_type: str | None) -> str | None:
    """``text/xml`` without a charset read as RFC 7303 says (which replaced RFC 3023): like
    ``application/xml``, the document's own declaration (or UTF-8) names its encoding, not
    US-ASCII as feedparser still assumes (a warning and the slow path for every UTF-8 feed served
    that way)."""
    if content_type and _TEXT_XML.match(content_type) and not _CHARSET.search(content_type):
        return "application/xml"
    return content_type


def declared_encoding(body: bytes, content_type: str | None) -> str | None:
    """The encoding a document claims (HTTP charset first, then its XML declaration)."""
    if content_type:
        charset = _CHARSET.search(content_type)
        if charset:
            return _codec_name(charset.group(1))
    declared = _XML_DECLARED.match(body[:1024])
    return _codec_name(declared.group(1).decode("ascii", "replace")) if declared else None


def _codec_name(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()


def repair(body: bytes, content_type: str | None) -> tuple[bytes, str | None]:
    """A UTF-8 document with a few bad bytes, made readable as UTF-8, and what was wrong.

    Left alone, feedparser finds the bytes are not UTF-8 and has chardet guess a legacy
    encoding for the whole document (windows-1252, ISO-8859-2): every non-ASCII character of
    every title turns into two or three wrong ones. A body cut inside a multi-byte character
    (a download that stopped) loses the partial character; a few invalid bytes elsewhere become
    U+FFFD. Documents that declare another encoding, or are not mostly UTF-8, are left alone.
    """
    if _wide_encoding(body) or body.isascii():
        return body, None
    declared = declared_encoding(body, content_type)
    if declared not in (None, "utf-8", "ascii"):
        return body, None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.end == len(body):
            return body[: exc.start], _TRUNCATED
    else:
        return body, None
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    wide = sum(1 for char in text if char > "\x7f") - bad
    if wide < 3 or bad * 10 > wide:
        return body, None  # not UTF-8 with a few bad bytes: a legacy encoding for feedparser to detect
    return text.encode("utf-8"), _NOT_UTF8


_FEED_ROOT = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?(?:rss|feed|RDF))[\s>/]")


def _truncated(body: bytes) -> bool:
    """Whether a feed document stops before its root element (rss, feed, RDF) is closed.

    Only the root's closing tag counts: a document with junk after it (a CDN's script tag,
    a PHP warning before it) was served whole.
    """
    if _wide_encoding(body):
        return False
    root = _FEED_ROOT.search(body, 0, _HEAD_BYTES)
    if root is None:
        return False
    closing = re.compile(rb"</\s*" + re.escape(root.group(1)) + rb"\s*>")
    return (
        closing.search(body, max(root.end(), len(body) - 64 * 1024)) is None and closing.search(body) is None
    )


def _build(
    raw_entries: list[Any],
    title: str | None,
    site_url: str | None,
    version: str,
    warning: str | None,
    url: str,
    now: datetime,
    *,
    title_type: str | None = None,
) -> ParsedFeed:
    entries: list[EntryData] = []
    seen: set[str] = set()
    hashes: dict[str, str] = {}
    for raw in raw_entries:
        entry = normalise_entry(raw, base=url, now=now)
        if entry.key in seen:
            if hashes[entry.key] == entry.content_hash:
                continue  # the same entry twice in one document
            # Different entries sharing a key (a GUID reused, or one page's link on one date):
            # keep both, the later one keyed also by its link (as before, so stored keys stay),
            # else its title, else all it says.
            for extra in (entry.link or entry.title, "t:" + entry.title, "c:" + entry.content_hash):
                candidate = _rekey(entry, extra)
                if candidate.key not in seen:
                    entry = candidate
                    break
            else:
                continue
        seen.add(entry.key)
        hashes[entry.key] = entry.content_hash
        entries.append(entry)
    shared = _shared_links(entries)
    if shared:
        entries = [replace(e, shared_link=True) if e.canonical_url in shared else e for e in entries]
    if not entries:
        warning = EMPTY_WARNING + (f" ({warning})" if warning else "")
    return ParsedFeed(
        title=_text_value(title, {"type": title_type}, TITLE_MAX),
        site_url=absolute_link(site_url, url),
        entries=tuple(entries),
        warning=warning,
        version=version,
    )


def _shared_links(entries: list[EntryData]) -> set[str]:
    counts = collections.Counter(e.canonical_url for e in entries if e.canonical_url)
    return {link for link, count in counts.items() if count > 1}


def prepare(body: bytes, *, max_entries: int = MAX_ENTRIES) -> bytes:
    """Make a document cheap to parse, without changing what it says.

    * HTML named entities (``&nbsp;``, ``&eacute;``) are undefined in XML: one of them sends
      feedparser to its loose parser, many times slower. They become numeric references.
    * A document with more than ``max_entries`` entries is cut before the next one and its
      root closed, so a giant feed costs bounded time and memory (we keep the first entries
      only, and feeds list newest first).

    Documents in encodings that are not ASCII-compatible (UTF-16/32) are left alone.
    """
    if not body or _wide_encoding(body):
        return body
    if b"&" in body:
        body = _HTML_ENTITY.sub(_numeric_entity, body)
    if len(body) > _SMALL_DOC:
        body = _cut_entries(body, max_entries)
    return body


def _wide_encoding(body: bytes) -> bool:
    head = body[:4]
    return head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head


def _numeric_entity(match: re.Match[bytes]) -> bytes:
    codepoint = name2codepoint.get(match.group(1).decode("ascii"))
    return b"&#%d;" % codepoint if codepoint else match.group(0)


def _cut_entries(body: bytes, max_entries: int) -> bytes:
    starts = _ENTRY_START.finditer(body)
    cut = next(itertools.islice(starts, max_entries, None), None)
    if cut is None:
        return body
    root = _ROOT.search(body, 0, _HEAD_BYTES)
    if root is None:
        return body
    name = root.group(1)
    if name == b"rss":
        closing = b"</channel></rss>"
    elif name.endswith((b"feed", b"RDF")):
        closing = b"</" + name + b">"
    else:
        return body
    return body[: cut.start()] + closing


def normalise_entry(raw: Any, *, base: str, now: datetime) -> EntryData:
    """Turn one feedparser entry into plain, bounded, absolute, UTC data."""
    # dict.get skips FeedParserDict's alias lookups (a measurable share of ingest time); the
    # keys read here are feedparser's canonical ones.
    get = _getter(raw)
    title = _text_value(get("title"), get("title_detail"), TITLE_MAX)
    summary_raw, summary_detail = get("summary"), get("summary_detail")
    if not summary_raw and get("content"):
        first = get("content")[0]
        summary_raw, summary_detail = first.get("value"), first
    summary = _text_value(summary_raw, summary_detail, SUMMARY_MAX, default_html=True)
    link = absolute_link(get("link"), base)
    if link is None:
        for candidate in get("links") or ():
            if candidate.get("rel", "alternate") == "alternate":
                link = absolute_link(candidate.get("href"), base)
                if link:
                    break
    canonical = canonical_url(link)
    guid = str(get("id") or "").strip()[:GUID_MAX] or None
    published, dated, stamp = _entry_date(get, now)
    if not title:
        title = summary[:120] if summary else (link or "(untitled)")
    if guid:
        ident = "g:" + _fold_urlish(guid)
    elif link:
        # Without a GUID the link alone does not name an entry: release notes and changelogs
        # link every entry to one page. The entry's own date (as the feed gives it, so a later
        # title fix keeps the key), else its title, tells them apart. A re-dated entry that
        # says the same is recognised when it is stored (feeds.store.results).
        ident = "l:" + (canonical or link) + "\x1f" + (f"d:{stamp}" if stamp is not None else "t:" + title)
    else:
        ident = "h:" + title + "\x1f" + summary[:200]
    categories = _categories(get)
    author = _author(get)
    return EntryData(
        key=_digest(ident),
        guid=guid,
        link=link,
        canonical_url=canonical,
        title=title,
        summary=summary,
        author=author,
        categories=categories,
        published_at=published,
        dated=dated,
        content_hash=_digest(
            "\x1f".join((title, summary, link or "", author or "", "\x1e".join(categories)))
        ),
        title_key=title_key(title),
    )


def _rekey(entry: EntryData, extra: str) -> EntryData:
    return replace(entry, key=_digest(entry.key + "\x1f" + extra))


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=32).hexdigest()


def _fold_urlish(value: str) -> str:
    # GUIDs that are permalinks change scheme (http -> https) or gain "www." over a feed's life;
    # without folding, every such change re-posts the whole feed.
    lower = value.lower()
    for prefix in ("https://", "http://"):
        if lower.startswith(prefix):
            rest = value[len(prefix) :]
            return rest[4:] if rest.lower().startswith("www.") else rest
    return value


def _text_value(value: Any, detail: Any, limit: int, *, default_html: bool = False) -> str:
    if not value:
        return ""
    value = str(value)
    kind = (detail or {}).get("type") or ("text/html" if default_html else "text/plain")
    if kind in _HTML_TYPES:
        return html_to_text(value, limit)
    return plain_to_text(value, limit)


def _getter(raw: Any) -> Callable[[str], Any]:
    if isinstance(raw, dict):
        return functools.partial(dict.get, raw)
    return raw.get  # type: ignore[no-any-return]


def _entry_date(get: Callable[[str], Any], now: datetime) -> tuple[datetime, bool, int | None]:
    """The entry's date (clamped to ``now``), whether the feed gave one, and the date as given
    (seconds since the epoch, unclamped: part of identity, which must not move with ``now``)."""
    for field in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = get(field)
        if not parsed:
            continue
        try:
            stamp = calendar.timegm(parsed)
            value = datetime.fromtimestamp(stamp, UTC)
        except (OverflowError, ValueError, OSError, TypeError):
            continue
        # A date in the future (time zone bugs, scheduled posts) must not pin an item on top.
        return (min(value, now), True, stamp)
    return (now, False, None)


def _author(get: Callable[[str], Any]) -> str | None:
    detail = get("author_detail") or {}
    name = detail.get("name") or get("author") or ""
    if not name:
        return None
    match = _EMAIL_NAME.match(name)
    if match:
        name = match.group("name")
    return plain_to_text(name, AUTHOR_MAX) or None


def _categories(get: Callable[[str], Any]) -> tuple[str, ...]:
    out: list[str] = []
    for tag in get("tags") or ():
        term = plain_to_text(tag.get("term") or tag.get("label") or "", CATEGORY_MAX)
        if term and term not in out:
            out.append(term)
        if len(out) >= CATEGORIES_MAX:
            break
    return tuple(out)


def _encoding_warning(doc: Any, body: bytes, content_type: str | None) -> str | None:
    """Say so when the text could not be decoded as itself, so health shows garbled feeds.

    Only when feedparser had to override the declared encoding (it then tried the detector and
    its last resorts): C1 control characters, U+FFFD or UTF-8 read as a single-byte encoding
    in the result mean none fitted. The override is seen by comparing the encoding feedparser
    used with the declared one, not by its ``CharacterEncodingOverride`` signal, which a later
    XML error (a truncated body) replaces.
    """
    exc = doc.get("bozo_exception")
    if isinstance(exc, feedparser.CharacterEncodingUnknown):
        return "the feed's text could not be decoded in any known encoding (it may show as garbled)"
    encoding = _codec_name(doc.get("encoding") or "")
    declared = declared_encoding(body, content_type) or "utf-8"
    overridden = isinstance(exc, feedparser.CharacterEncodingOverride) or (
        encoding != declared and not (declared == "ascii" and encoding == "utf-8")
    )
    if not overridden or _wide_encoding(body):
        return None
    channel = doc.get("feed") or {}
    texts = [channel.get("title") or ""]
    for entry in (doc.get("entries") or [])[:50]:
        texts += (entry.get("title") or "", entry.get("summary") or "")
    if (
        encoding == _LAST_RESORT
        or any(_GARBLED.search(text) for text in texts)
        or any(_utf8_misread(text, encoding) for text in texts)
    ):
        return (
            "the feed's text encoding is wrong or undeclared and could not be detected; decoded as "
            f"{encoding or 'unknown'}, so some text is garbled"
        )
    return None


def _utf8_misread(text: str, encoding: str) -> bool:
    """Whether ``text`` is UTF-8 that was decoded as the single-byte ``encoding`` ("Ã©" for "é",
    "√©" in Mac Roman): encoded back, its non-ASCII characters form valid UTF-8."""
    if text.isascii():
        return False
    try:
        return text.encode(encoding).decode("utf-8") != text
    except (UnicodeError, LookupError):
        return False


def _bozo_text(doc: Any) -> str:
    exc = doc.get("bozo_exception")
    text = f"{type(exc).__name__}: {exc}" if exc is not None else "malformed feed"
    return clean_text(text, 300)


__all__ = ["EntryData", "ParsedFeed", "clean_text", "parse_feed", "refuse_hostile"]
