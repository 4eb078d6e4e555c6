"""OPML 2.0 import and export (pure functions). A feed's departments travel as OPML categories
(comma-separated tags, the form OPML 2.0 gives for tags); folder outlines also count as categories.

What OPML has no attribute for travels in briefbot's own namespace (``BRIEFBOT_NS``), which
OPML 2.0 allows and other readers ignore: ``briefbot:paused="true"`` on a paused feed's outline."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from feeds.errors import OPMLError

MAX_OPML_BYTES = 5 * 1024 * 1024
MAX_OUTLINES = 5000
BRIEFBOT_NS = "urn:briefbot:opml:1"
_PAUSED = f"{{{BRIEFBOT_NS}}}paused"
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True)
class Outline:
    """One feed outline read from OPML (``url`` empty when the outline had no ``xmlUrl``)."""

    url: str
    title: str
    categories: tuple[str, ...]
    html_url: str | None = None
    paused: bool = False


@dataclass(frozen=True)
class ExportFeed:
    """What export needs to know about a feed."""

    url: str
    name: str
    title: str | None
    site_url: str | None
    departments: tuple[str, ...]
    paused: bool = False


def parse_opml(data: bytes | str) -> list[Outline]:
    """The feed outlines of an OPML document, in order. Outlines with ``type="rss"`` or an
    ``xmlUrl`` are feeds; others are folders whose text becomes a category of what they hold."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_OPML_BYTES:
        raise OPMLError(f"the OPML file is larger than {MAX_OPML_BYTES // (1024 * 1024)} MB")
    # OPML has no use for a DTD; refusing one keeps entity-expansion tricks out of the XML parser.
    # The whole file is searched (it is capped above): 64 kB of comments once hid one.
    if _DTD.search(raw):
        raise OPMLError("refused: the OPML file declares a DOCTYPE or entities")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise OPMLError(f"not a valid OPML file: {exc}") from None
    if _local(root.tag) != "opml":
        raise OPMLError(f"not an OPML file (root element is <{_local(root.tag)}>)")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise OPMLError("not a valid OPML file: it has no <body>")
    found: list[Outline] = []
    _walk(body, (), found)
    return found


def _walk(node: ET.Element, folders: tuple[str, ...], found: list[Outline]) -> None:
    for child in node:
        if _local(child.tag) != "outline":
            continue
        if len(found) >= MAX_OUTLINES:
            raise OPMLError(f"the OPML file has more than {MAX_OUTLINES} outlines")
        paused = child.attrib.get(_PAUSED, "").strip().lower() in ("true", "1", "yes")
        attrs = {k.lower(): v for k, v in child.attrib.items()}
        url = (attrs.get("xmlurl") or "").strip()
        text = (attrs.get("title") or attrs.get("text") or "").strip()
        is_feed = bool(url) or attrs.get("type", "").lower() in ("rss", "atom")
        if is_feed:
            cats = tuple(_split_categories(attrs.get("category", ""))) + folders
            found.append(
                Outline(
                    url=url, title=text, categories=cats, html_url=attrs.get("htmlurl") or None, paused=paused
                )
            )
        if len(child):
            _walk(child, folders + ((text,) if text and not is_feed else ()), found)


def _split_categories(value: str) -> Iterable[str]:
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        # "/Work/finance" is a path: its last segment names the category.
        last = [seg for seg in part.split("/") if seg.strip()]
        if last:
            yield last[-1].strip()


def export_opml(feeds: Iterable[ExportFeed], *, now: datetime, title: str = "briefbot curated feeds") -> str:
    """An OPML 2.0 document listing ``feeds`` with their departments as category tags (and
    ``briefbot:paused="true"`` on paused ones)."""
    # Prefixed names written as they are, with the namespace declared once on the root:
    # ElementTree would otherwise invent an ``ns0`` prefix (or need a process-wide registration).
    root = ET.Element("opml", {"version": "2.0", "xmlns:briefbot": BRIEFBOT_NS})
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(now, usegmt=True)
    ET.SubElement(head, "docs").text = "https://opml.org/spec2.opml"
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attrs = {"type": "rss", "text": feed.name, "title": feed.name, "xmlUrl": feed.url}
        if feed.site_url:
            attrs["htmlUrl"] = feed.site_url
        if feed.departments:
            attrs["category"] = ",".join(feed.departments)
        if feed.paused:
            attrs["briefbot:paused"] = "true"
        ET.SubElement(body, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""
