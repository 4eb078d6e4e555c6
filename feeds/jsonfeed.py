"""JSON Feed 1.0 / 1.1 (https://jsonfeed.org/version/1.1) -> feedparser-shaped entry dicts.

Items become dicts with feedparser's canonical keys (``id``, ``link``, ``title``, ``summary`` with
its ``summary_detail`` type, ``published_parsed``, ``author_detail``, ``tags``), so one
normaliser (``feeds.parse.normalise_entry``) treats RSS, Atom and JSON Feed alike. Attachments,
images and extensions are ignored. Every field is type-checked: a wrong type is skipped, never
trusted, and a document that is not a JSON Feed raises ``ParseError`` with the reason.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from feeds.errors import ParseError

_VERSION = re.compile(r"^https?://jsonfeed\.org/version/(\d+(?:\.\d+)?)/?$")
_SUMMARY_FIELDS = (("summary", "text/plain"), ("content_html", "text/html"), ("content_text", "text/plain"))
_OPENING = re.compile(rb"^(?:\xef\xbb\xbf)?\s*\{")


@dataclass(frozen=True, slots=True)
class JsonFeedDoc:
    """A decoded JSON Feed: channel fields and feedparser-shaped entries."""

    title: str
    site_url: str | None
    entries: list[dict[str, Any]]
    version: str
    warning: str | None


def is_json(body: bytes) -> bool:
    """True when ``body`` is a JSON object, whatever the Content-Type says (servers often call a
    JSON Feed ``text/plain`` or ``application/octet-stream``). No XML document starts with ``{``,
    so routing every object here gives a JSON error instead of a misleading XML one."""
    return _OPENING.match(body[:4096]) is not None


def parse_json_feed(body: bytes, *, max_entries: int) -> JsonFeedDoc:
    """Decode ``body`` as a JSON Feed (see the module docstring)."""
    warning = None
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        # JSON Feed is UTF-8 by definition; keep what decodes and say the rest was lost.
        text = body.decode("utf-8-sig", errors="replace")
        warning = "the JSON Feed is not valid UTF-8: undecodable bytes were replaced (text may be garbled)"
    try:
        doc = json.loads(text)
    except RecursionError:
        raise ParseError("not a usable JSON Feed: the JSON is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, or an integer too long to convert
        raise ParseError(f"not a usable JSON Feed: invalid JSON ({_short(exc)})") from None
    if not isinstance(doc, dict):
        raise ParseError("not a usable JSON Feed: the JSON document is not an object")
    version = _VERSION.match(_text(doc.get("version")) or "")
    if version is None:
        raise ParseError(
            "not an RSS, Atom or JSON feed: JSON without a jsonfeed.org version "
            '(expected "version": "https://jsonfeed.org/version/1.1")'
        )
    items = doc.get("items")
    if not isinstance(items, list):
        raise ParseError('not a usable JSON Feed: "items" is missing or not a list')
    feed_authors = _authors(doc)
    entries = [_entry(raw, feed_authors) for raw in items[:max_entries] if isinstance(raw, dict)]
    return JsonFeedDoc(
        title=_text(doc.get("title")) or "",
        site_url=_text(doc.get("home_page_url")),
        entries=entries,
        version="json" + version.group(1).replace(".", ""),
        warning=warning,
    )


def _entry(raw: dict[str, Any], feed_authors: list[dict[str, str]]) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    ident = raw.get("id")
    # The spec says string; numbers are common in the wild and just as unique.
    if isinstance(ident, str | int) and not isinstance(ident, bool):
        entry["id"] = str(ident)
    link = _text(raw.get("url")) or _text(raw.get("external_url"))
    if link:
        entry["link"] = link
    title = _text(raw.get("title"))
    if title:
        entry["title"] = title
        entry["title_detail"] = {"type": "text/plain"}
    # Like RSS's description before its content: the short summary, else the body.
    for key, kind in _SUMMARY_FIELDS:
        value = _text(raw.get(key))
        if value:
            entry["summary"] = value
            entry["summary_detail"] = {"type": kind}
            break
    for key, target in (("date_published", "published_parsed"), ("date_modified", "updated_parsed")):
        parsed = _date(raw.get(key))
        if parsed is not None:
            entry[target] = parsed
    authors = _authors(raw) or feed_authors
    if authors:
        entry["author_detail"] = authors[0]
    tags = raw.get("tags")
    if isinstance(tags, list):
        entry["tags"] = [{"term": tag} for tag in tags if isinstance(tag, str)]
    return entry


def _authors(obj: dict[str, Any]) -> list[dict[str, str]]:
    """1.1's ``authors`` list, else 1.0's single ``author``; only those with a name."""
    candidates = obj.get("authors")
    if not isinstance(candidates, list):
        candidates = [obj.get("author")]
    names = (_text(author.get("name")) for author in candidates if isinstance(author, dict))
    return [{"name": name} for name in names if name]


def _date(value: Any) -> time.struct_time | None:
    text = _text(value)
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text[:64])
    except ValueError:
        # The spec says RFC 3339; feeds converted from RSS often keep its RFC 822 dates.
        try:
            when = parsedate_to_datetime(text[:64])
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    try:
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when.astimezone(UTC).timetuple()
    except (ValueError, OverflowError):
        return None


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 120 else text[:119] + "…"
