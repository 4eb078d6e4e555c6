"""A fast path for the common feed document, giving exactly what feedparser would.

feedparser is pure Python: its SAX handlers cost about 220 µs per entry here, most of a refresh's
CPU. The common document (well-formed UTF-8 RSS 2.0 or Atom 1.0 using only the core elements and
the Dublin Core, content, wfw and slash modules, as WordPress and most blog engines write) is
read instead with ElementTree, whose expat tree builder is in C, into the same entry dictionaries
feedparser makes, applying feedparser's own rules: whitespace stripping, guessing HTML in RSS
titles, the double-encoded UTF-8 repair, the cp1252 mapping, ``guid`` permalinks, date parsing.

Anything else — another encoding, a DOCTYPE, ``xml:base``, an element or namespace not listed
below, a repeated single-valued element, markup inside a text element, XHTML content, an order of
elements that feedparser treats specially, a document expat refuses — returns ``None`` and goes
through feedparser as before. ``tests/feeds/test_fastparse.py`` holds both paths to the same
``EntryData``.
"""

from __future__ import annotations

import contextlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

try:  # feedparser's own rules, so both paths agree; without them there is no fast path.
    from feedparser.datetimes import _parse_date
    from feedparser.html import _cp1252
    from feedparser.mixin import _FeedParserMixin
    from feedparser.urls import _urljoin

    _looks_like_html: Callable[[str], bool] | None = _FeedParserMixin.looks_like_html
except (ImportError, AttributeError):  # pragma: no cover - a feedparser that moved them
    _looks_like_html = None

ATOM = "{http://www.w3.org/2005/Atom}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
_KNOWN_NAMESPACES = {
    "http://www.w3.org/2005/Atom",
    "http://purl.org/dc/elements/1.1/",
    "http://purl.org/rss/1.0/modules/content/",
    "http://wellformedweb.org/CommentAPI/",
    "http://purl.org/rss/1.0/modules/slash/",
    "http://purl.org/rss/1.0/modules/syndication/",
}
_XML_TYPES = {"", "application/xml", "application/rss+xml", "application/atom+xml", "text/xml"}
_HEAD = 4096
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_NAMESPACE_DECL = re.compile(rb"""xmlns(?::[\w.-]+)?\s*=\s*["']([^"']*)["']""")
_LINK_REFERENCE = re.compile("&([A-Za-z0-9_]+);")

# RSS item children we read, and ones that change nothing we keep (comments, enclosures...).
_RSS_SINGLE = {
    "title",
    "link",
    "description",
    "guid",
    "pubDate",
    _DC + "date",
    _DC + "creator",
    _CONTENT + "encoded",
}
_RSS_IGNORED = {
    "comments",
    "enclosure",
    "{http://wellformedweb.org/CommentAPI/}commentRss",
    "{http://purl.org/rss/1.0/modules/slash/}comments",
}
_RSS_MULTI = {"category", _DC + "subject"}
_ATOM_SINGLE = {ATOM + n for n in ("title", "id", "updated", "published", "summary", "content", "author")}
_ATOM_MULTI = {ATOM + "link", ATOM + "category"}
_ATOM_IGNORED = {ATOM + "rights", ATOM + "contributor"}
_ATOM_TEXT_TYPES = {None: "text/plain", "text": "text/plain", "html": "text/html"}
_HTML_LINK_TYPES = {"text/html", "application/xhtml+xml"}


class _Unusual(Exception):
    """The document needs feedparser."""


@dataclass(frozen=True, slots=True)
class FastDocument:
    """Channel data and feedparser-shaped entry dictionaries."""

    title: str | None
    site_url: str | None
    version: str
    entries: list[dict[str, Any]]
    title_type: str = "text/plain"


def parse_common(body: bytes, content_type: str | None) -> FastDocument | None:
    """``body`` read as feedparser would read it, or ``None`` when it needs feedparser."""
    if _looks_like_html is None or not _plain_utf8(body, content_type):
        return None
    head = body[:_HEAD]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head or b"xml:base" in body:
        return None
    if any(uri.decode("utf-8", "replace") not in _KNOWN_NAMESPACES for uri in _NAMESPACE_DECL.findall(body)):
        return None
    try:
        root = ET.fromstring(body)
    except (ET.ParseError, ValueError):
        return None
    try:
        if root.tag == "rss" and root.get("version") == "2.0":
            return _rss(root)
        if root.tag == ATOM + "feed" and not root.attrib:
            return _atom(root)
    except _Unusual:
        return None
    return None


def _plain_utf8(body: bytes, content_type: str | None) -> bool:
    """Only documents feedparser would decode as UTF-8 without a warning."""
    if body.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or b"\x00" in body[:4]:
        return False
    declared = _DECLARED_ENCODING.match(body)
    if declared and declared.group(1).lower() != b"utf-8":
        return False
    if content_type:
        mime, _, params = content_type.partition(";")
        mime = mime.strip().lower()
        if mime not in _XML_TYPES:
            return False
        charset = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", params, re.I)
        if charset and charset.group(1).lower() != "utf-8":
            return False
        # text/xml without a charset arrives here as application/xml (feeds.parse.xml_media_type,
        # RFC 7303): the XML declaration or UTF-8.
    return True


def _finish(text: str | None) -> str:
    """feedparser's treatment of every text it keeps (after its stripping)."""
    out = (text or "").strip()
    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):  # UTF-8 read as Latin-1
        out = out.encode("iso-8859-1").decode("utf-8")
    return out.translate(_cp1252)


def _link_text(text: str | None) -> str:
    out = _finish(_urljoin("", (text or "").strip()))
    return _LINK_REFERENCE.sub(r"&\g<1>", out.replace("&amp;", "&"))


def _leaf(element: ET.Element, *, attributes: bool = False) -> str | None:
    if len(element) or (element.attrib and not attributes):
        # Markup inside a text element (feedparser serialises it), or attributes such as a
        # ``type`` that change how feedparser reads it.
        raise _Unusual
    return element.text


def _children(
    element: ET.Element, single: set[str], multi: set[str], ignored: set[str], *, summary: str, content: str
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for child in element:
        tag = child.tag
        if tag in single:
            if tag in found:
                raise _Unusual
            if tag == summary and content in found:
                raise _Unusual  # feedparser then files the summary under content
            found[tag] = child
        elif tag in multi:
            found.setdefault(tag, []).append(child)
        elif tag not in ignored:
            raise _Unusual
    return found


def _date(text: str | None) -> Any:
    return _parse_date(_finish(text)) if text and text.strip() else None


def _tag(term: str | None, scheme: str | None, label: str | None, tags: list[dict[str, Any]]) -> None:
    if not term and not scheme and not label:
        return
    value = {"term": term, "scheme": scheme, "label": label}
    if value not in tags:
        tags.append(value)


# ----------------------------------------------------------------------------------------- RSS


def _rss(root: ET.Element) -> FastDocument:
    if len(root) != 1 or root[0].tag != "channel":
        raise _Unusual
    channel = root[0]
    title = link = None
    entries: list[dict[str, Any]] = []
    for child in channel:
        if child.tag == "item":
            entries.append(_rss_item(child))
        elif child.tag == "title":
            if title is not None:
                raise _Unusual
            title = _finish(_leaf(child))
        elif child.tag == "link":
            if link is not None:
                raise _Unusual
            link = _link_text(_leaf(child))
        elif child.tag == ATOM + "link" and child.get("rel", "alternate").lower() == "alternate":
            raise _Unusual  # an Atom alternate link would be the channel's link to feedparser
    if sum(1 for _ in root.iter("item")) != len(entries):
        raise _Unusual  # items nested elsewhere
    kind = "text/html" if title and _looks_like_html(title) else "text/plain"  # type: ignore[misc]
    return FastDocument(title=title, site_url=link or None, version="rss20", entries=entries, title_type=kind)


def _rss_item(item: ET.Element) -> dict[str, Any]:
    if item.attrib:
        raise _Unusual
    parts = _children(
        item, _RSS_SINGLE, _RSS_MULTI, _RSS_IGNORED, summary="description", content=_CONTENT + "encoded"
    )
    entry: dict[str, Any] = {}
    if "title" in parts:
        title = _finish(_leaf(parts["title"]))
        entry["title"] = title
        kind = "text/html" if title and _looks_like_html(title) else "text/plain"  # type: ignore[misc]
        entry["title_detail"] = {"type": kind}
    description = parts.get("description")
    encoded = parts.get(_CONTENT + "encoded")
    if encoded is not None:
        value = _finish(_leaf(encoded))
        entry["content"] = [{"value": value, "type": "text/html"}]
        entry["summary"] = value  # feedparser copies content to a missing summary, without its type
    if description is not None:
        entry["summary"] = _finish(_leaf(description))
        entry["summary_detail"] = {"type": "text/html"}
    guid = parts.get("guid")
    link = parts.get("link")
    if guid is not None:
        if any(key.lower() != "ispermalink" for key in guid.attrib):
            raise _Unusual
        permalink = {k.lower(): v for k, v in guid.attrib.items()}.get("ispermalink", "true") == "true"
        raw = (_leaf(guid, attributes=True) or "").strip()
        ident = _finish(_urljoin("", raw) if permalink and raw else raw)
        entry["id"] = ident
        if permalink and link is None:
            entry["link"] = ident
    if link is not None:
        if link.attrib:
            raise _Unusual
        entry["link"] = _link_text(_leaf(link))
    if "pubDate" in parts:
        entry["published_parsed"] = _date(_leaf(parts["pubDate"]))
    if _DC + "date" in parts:
        entry["updated_parsed"] = _date(_leaf(parts[_DC + "date"]))
    if _DC + "creator" in parts:
        author = _finish(_leaf(parts[_DC + "creator"]))
        if "@" in author:
            raise _Unusual  # feedparser splits e-mail addresses out of names
        if author:
            entry["author"] = author
            entry["author_detail"] = {"name": author}
    tags: list[dict[str, Any]] = []
    for child in item:  # category and dc:subject interleaved, in document order as feedparser reads them
        if child.tag in _RSS_MULTI:
            if any(key != "domain" for key in child.attrib):
                raise _Unusual
            scheme = child.get("domain")
            _tag(None, scheme, None, tags)
            value = _finish(_leaf(child, attributes=True))
            if value:
                if tags and not tags[-1]["term"]:
                    tags[-1]["term"] = value
                else:
                    _tag(value, None, None, tags)
    if tags:
        entry["tags"] = tags
    return entry


# ---------------------------------------------------------------------------------------- Atom


def _atom_text(element: ET.Element) -> tuple[str, str]:
    kind = element.get("type")
    if kind not in _ATOM_TEXT_TYPES or set(element.attrib) - {"type"}:
        raise _Unusual
    return _finish(_leaf(element, attributes=True)), _ATOM_TEXT_TYPES[kind]


def _atom_links(elements: list[ET.Element]) -> tuple[str | None, list[dict[str, Any]]]:
    link: str | None = None
    links: list[dict[str, Any]] = []
    for element in elements:
        if (
            len(element)
            or "href" not in element.attrib
            or set(element.attrib) - {"href", "rel", "type", "title"}
        ):
            raise _Unusual
        # feedparser lower-cases rel and type values before applying their defaults.
        rel = element.get("rel", "alternate").lower()
        kind = element.get("type", "application/atom+xml" if rel == "self" else "text/html").lower()
        href = _finish(_urljoin("", element.get("href", "")))
        links.append({"rel": rel, "type": kind, "href": href})
        if rel == "alternate" and kind.lower() in _HTML_LINK_TYPES:
            link = href
    return link, links


def _atom(root: ET.Element) -> FastDocument:
    title: str | None = None
    title_type = "text/plain"
    ident: str | None = None
    feed_links: list[ET.Element] = []
    entries: list[dict[str, Any]] = []
    for child in root:
        if child.tag == ATOM + "entry":
            entries.append(_atom_entry(child))
        elif child.tag == ATOM + "title":
            if title is not None:
                raise _Unusual
            title, title_type = _atom_text(child)
        elif child.tag == ATOM + "link":
            feed_links.append(child)
        elif child.tag == ATOM + "id":
            if ident is not None:
                raise _Unusual
            ident = _finish(_urljoin("", (_leaf(child) or "").strip()))
        elif child.tag == ATOM + "source" or not child.tag.startswith(ATOM):
            raise _Unusual
    # As for entries, the feed's id is its link to feedparser unless it has an HTML alternate.
    site_url = _atom_links(feed_links)[0] or ident
    return FastDocument(
        title=title, site_url=site_url, version="atom10", entries=entries, title_type=title_type
    )


def _atom_entry(element: ET.Element) -> dict[str, Any]:
    if element.attrib:
        raise _Unusual
    parts = _children(
        element, _ATOM_SINGLE, _ATOM_MULTI, _ATOM_IGNORED, summary=ATOM + "summary", content=ATOM + "content"
    )
    entry: dict[str, Any] = {}
    if ATOM + "title" in parts:
        entry["title"], kind = _atom_text(parts[ATOM + "title"])
        entry["title_detail"] = {"type": kind}
    summary, content = parts.get(ATOM + "summary"), parts.get(ATOM + "content")
    if content is not None:
        if "src" in content.attrib:
            raise _Unusual
        value, kind = _atom_text(content)
        entry["content"] = [{"value": value, "type": kind}]
        entry["summary"] = value  # feedparser copies content to a missing summary, without its type
    if summary is not None:
        value, kind = _atom_text(summary)
        entry["summary"], entry["summary_detail"] = value, {"type": kind}
    link, links = _atom_links(parts.get(ATOM + "link", []))
    entry["links"] = links
    if ATOM + "id" in parts:
        # An Atom id is a permalink to feedparser: resolved like one, and the link if none is.
        entry["id"] = _finish(_urljoin("", (_leaf(parts[ATOM + "id"]) or "").strip()))
        if link is None:
            link = entry["id"]
    if link is not None:
        entry["link"] = link
    if ATOM + "published" in parts:
        entry["published_parsed"] = _date(_leaf(parts[ATOM + "published"]))
    if ATOM + "updated" in parts:
        entry["updated_parsed"] = _date(_leaf(parts[ATOM + "updated"]))
    if ATOM + "author" in parts:
        entry.update(_atom_author(parts[ATOM + "author"]))
    tags: list[dict[str, Any]] = []
    for category in parts.get(ATOM + "category", []):
        if (
            len(category)
            or (category.text or "").strip()
            or set(category.attrib) - {"term", "scheme", "label"}
        ):
            raise _Unusual
        _tag(category.get("term"), category.get("scheme"), category.get("label"), tags)
    if tags:
        entry["tags"] = tags
    return entry


def _atom_author(element: ET.Element) -> dict[str, Any]:
    names = [child for child in element if child.tag == ATOM + "name"]
    others = [child for child in element if child.tag not in (ATOM + "name", ATOM + "email", ATOM + "uri")]
    if len(names) != 1 or others or element.attrib or (element.text or "").strip():
        raise _Unusual
    name = _finish(_leaf(names[0]))
    if not name:
        raise _Unusual  # feedparser then falls back on the e-mail address
    return {"author": name, "author_detail": {"name": name}}
