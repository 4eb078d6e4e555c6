"""A fast path for the common feed document, giving exactly what feedparser would.

feedparser is pure Python: its SAX handlers cost about 220 µs per entry here, most of a refresh's
CPU. The common document — well-formed UTF-8 RSS 2.0 or Atom 1.0 as blog engines, news sites,
podcast hosts and YouTube write it — is read instead with ElementTree, whose expat tree builder
is in C, into the same entry dictionaries feedparser makes, applying feedparser's own rules:
whitespace stripping, guessing HTML in RSS text, the double-encoded UTF-8 repair, the cp1252
mapping, ``guid`` permalinks, date parsing, ``xml:base`` resolution, how e-mail addresses are
split from authors, and which of description / content / itunes:summary / media:description
ends up as the summary.

Extension elements are read where feedparser reads them into what we keep (Media RSS titles,
descriptions, categories and keywords; iTunes authors, summaries, keywords and categories) and
skipped where it only files them under keys we never read: any namespace whose element has no
feedparser handler (FeedBurner, WordPress's post-id, OpenSearch, YouTube, Google Play,
Podcasting 2.0...), and GeoRSS, licences and chapters, whose handlers fill other keys.

Anything else — another encoding, a DOCTYPE, an element feedparser has a handler for that we do
not model, a repeated single-valued element, markup inside a text element, XHTML content, an
order of elements whose outcome we do not model, a document expat refuses — returns ``None``
and goes through feedparser as before. ``tests/feeds/test_fastparse.py`` holds both paths to the
same ``EntryData``, and ``bench/feed_corpus_ingest.py`` does so over the real-publisher corpus.
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

try:  # feedparser's own rules, so both paths agree; without them there is no fast path.
    from feedparser.api import StrictFeedParser
    from feedparser.datetimes import _parse_date
    from feedparser.html import _cp1252
    from feedparser.mixin import _FeedParserMixin
    from feedparser.urls import _urljoin, make_safe_absolute_uri

    _looks_like_html: Callable[[str], bool] | None = _FeedParserMixin.looks_like_html
    # feedparser's prefix for the namespaces it knows, and the element handlers it has: an
    # extension element without a handler only lands under its own "prefix_name" key.
    _FP_PREFIXES: dict[str, str] = {uri.lower(): name for uri, name in _FeedParserMixin.namespaces.items()}
    _FP_HANDLERS = frozenset(
        name.lower() for name in dir(StrictFeedParser) if name.startswith(("_start_", "_end_"))
    )
except (ImportError, AttributeError):  # pragma: no cover - a feedparser that moved them
    _looks_like_html = None
    _FP_PREFIXES, _FP_HANDLERS = {}, frozenset()

ATOM = "{http://www.w3.org/2005/Atom}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
_MEDIA = "{http://search.yahoo.com/mrss/}"
_MEDIA_OLD = "{http://search.yahoo.com/mrss}"
_MEDIA_SCHEME = "http://search.yahoo.com/mrss/category_schema"
_ITUNES_SCHEME = "http://www.itunes.com/"
# Media RSS and iTunes elements that change what we read (title, summary, author, tags); their
# other elements (media:content, media:thumbnail, itunes:duration...) only add keys we never read.
_MEDIA_READ = {"title", "description", "category", "keywords", "group", "content"}
# Media RSS containers: feedparser's handlers for them file nothing we read, and what they hold
# counts as the entry's own (media:title inside media:content names the entry to feedparser).
_MEDIA_CONTAINERS = {"media:group", "media:content"}
_ITUNES_READ = {"author", "summary", "keywords", "category", "name", "email", "owner"}
# The entry keys normalise_entry reads: an element filed under one of them is never harmless.
_READ_KEYS = {
    "title", "title_detail", "link", "links", "id", "summary", "summary_detail", "content",
    "published_parsed", "updated_parsed", "created_parsed", "author", "author_detail", "tags",
}  # fmt: skip
# Namespaces whose feedparser handlers only fill keys we never read (geo positions, licences as
# extra links, chapters, the generator).
_HARMLESS_PREFIXES = {"georss", "gml", "geo", "cc", "creativecommons", "admin", "psc", "feedburner"}
_XML_TYPES = {"", "application/xml", "application/rss+xml", "application/atom+xml", "text/xml"}
_HEAD = 4096
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_NAMESPACE_DECL = re.compile(rb"""xmlns(?::([\w.-]+))?\s*=\s*["']([^"']*)["']""")
# The document's namespace URI -> the prefix feedparser gives its elements (None: ambiguous).
_PREFIXES: contextvars.ContextVar[dict[str, str | None]] = contextvars.ContextVar("fastparse_prefixes")
_LINK_REFERENCE = re.compile("&([A-Za-z0-9_]+);")

# RSS item children we read, and ones that change nothing we keep (comments, enclosures...).
_RSS_SINGLE = {
    "title",
    "author",
    "link",
    "description",
    "guid",
    "pubDate",
    _DC + "date",
    _DC + "creator",
    _CONTENT + "encoded",
}
_RSS_IGNORED = {
    "copyright",
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
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        return None
    prefixes = _document_prefixes(body)
    try:
        root = ET.fromstring(body)
    except (ET.ParseError, ValueError):
        return None
    bases = _xml_bases(root) if b"xml:" in body or b"base=" in body else {}
    token, bases_token = _PREFIXES.set(prefixes), _BASES.set(bases)
    try:
        if root.tag == "rss" and root.get("version") == "2.0":
            return _rss(root)
        if root.tag == ATOM + "feed" and not root.attrib:
            return _atom(root)
    except _Unusual:
        return None
    finally:
        _PREFIXES.reset(token)
        _BASES.reset(bases_token)
    return None


_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
# Element -> the base URI feedparser resolves its URIs against (only where xml:base is used).
_BASES: contextvars.ContextVar[dict[int, str]] = contextvars.ContextVar("fastparse_bases")


def _xml_bases(root: ET.Element) -> dict[int, str]:
    """Each element's base URI as feedparser tracks it (``xml:base``, or a ``base`` attribute,
    made absolute against the parent's; an unsafe scheme keeps the parent's), and the
    attributes that only set bases or languages removed, so the rest of this module sees the
    attributes that change what it reads."""
    bases: dict[int, str] = {}

    def walk(element: ET.Element, parent: str) -> None:
        given = element.attrib.pop(_XML_BASE, None) or element.get("base")
        base = (make_safe_absolute_uri(parent, given) or parent) if given else parent
        element.attrib.pop(_XML_LANG, None)
        if base:
            bases[id(element)] = base
        for child in element:
            walk(child, base)

    walk(root, "")
    return bases


def _resolve(element: ET.Element, uri: str) -> str:
    """``uri`` resolved as feedparser resolves it in ``element`` (against its xml:base)."""
    return str(_urljoin(_BASES.get({}).get(id(element), ""), uri))


def _document_prefixes(body: bytes) -> dict[str, str | None]:
    """Each declared namespace's prefix as feedparser names it: its own for the namespaces it
    knows, else the one the document declares; None when declared with several, and absent
    when only declared as a default namespace (feedparser then reads its elements as core
    ones)."""
    declared: dict[str, set[str]] = {}
    for prefix, uri in _NAMESPACE_DECL.findall(body):
        declared.setdefault(uri.decode("utf-8", "replace"), set()).add(prefix.decode("utf-8", "replace"))
    out: dict[str, str | None] = {}
    for uri, names in declared.items():
        known = _FP_PREFIXES.get(uri.lower())
        if known:
            out[uri] = known
        elif names - {""}:
            out[uri] = next(iter(names - {""})) if len(names - {""}) == 1 else None
    return out


def _extension(element: ET.Element) -> str | None:
    """How an element outside the core vocabularies reads: ``"media:<name>"`` or
    ``"itunes:<name>"`` for those that change what we keep, ``None`` for one feedparser files
    under a key we never read (checked with everything inside it); ``_Unusual`` otherwise."""
    tag = element.tag
    prefixes = _PREFIXES.get({})
    if tag.startswith("{"):
        uri, _, local = tag[1:].partition("}")
        prefix = _FP_PREFIXES.get(uri.lower()) or prefixes.get(uri, "")
    else:
        uri, local, prefix = "", tag, ""
    local = local.lower()
    if prefix == "" and uri not in prefixes:
        # No namespace, or one only declared as the default (<post-id xmlns="com-wordpress:...">):
        # feedparser reads it as a core element, harmless only without a handler and when the
        # key it is filed under is not one we read.
        if local in _READ_KEYS or f"_start_{local}" in _FP_HANDLERS or f"_end_{local}" in _FP_HANDLERS:
            raise _Unusual
    elif prefix == "media":
        if local in _MEDIA_READ:
            return "media:" + local
    elif prefix == "itunes":
        if local in _ITUNES_READ:
            return "itunes:" + local
    elif (
        not prefix
        or f"{prefix}_{local}" in _READ_KEYS
        or (
            prefix.lower() not in _HARMLESS_PREFIXES
            and (
                f"_start_{prefix}_{local}".lower() in _FP_HANDLERS
                or f"_end_{prefix}_{local}".lower() in _FP_HANDLERS
            )
        )
    ):
        raise _Unusual
    for child in element:
        if _extension(child) is not None:
            raise _Unusual  # inside an element we skip, something feedparser would read
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


def _link_text(element: ET.Element) -> str:
    out = _finish(_resolve(element, (_leaf(element) or "").strip()))
    return _LINK_REFERENCE.sub(r"&\g<1>", out.replace("&amp;", "&"))


def _leaf(element: ET.Element, *, attributes: bool = False) -> str | None:
    if len(element) or (element.attrib and not attributes):
        # Markup inside a text element (feedparser serialises it), or attributes such as a
        # ``type`` that change how feedparser reads it.
        raise _Unusual
    return element.text


def _children(
    element: ET.Element, single: set[str], multi: set[str], ignored: set[str]
) -> tuple[dict[str, Any], list[tuple[str, ET.Element]], dict[int, int]]:
    """The core children by tag, and every child we read (core, Media RSS, iTunes, including
    those inside media:group) in document order, which feedparser's results depend on."""
    found: dict[str, Any] = {}
    order: list[tuple[str, ET.Element]] = []
    depths: dict[int, int] = {}  # elements read from inside media containers: how deep
    for child in element:
        tag = child.tag
        if tag in single:
            if tag in found:
                raise _Unusual
            found[tag] = child
            order.append((tag, child))
        elif tag in multi:
            found.setdefault(tag, []).append(child)
            order.append((tag, child))
        elif tag not in ignored:
            kind = _extension(child)
            if kind in _MEDIA_CONTAINERS:
                order.extend(_media_group(child, kind, depths, 1))
            elif kind is not None:
                order.append((kind, child))
    return found, order, depths


def _names_title(element: ET.Element) -> bool:
    """Whether a channel-level extension element is (or holds) a media:title."""
    return any(e.tag in (_MEDIA + "title", _MEDIA_OLD + "title") for e in element.iter())


def _media_group(
    container: ET.Element, kind: str, depths: dict[int, int], depth: int
) -> list[tuple[str, ET.Element]]:
    """The elements we read inside a media:group or media:content (a group may hold contents),
    with how deep below the entry they are (feedparser keeps a deeper summary only when none is
    set yet)."""
    if kind == "media:group" and container.attrib:
        raise _Unusual
    out: list[tuple[str, ET.Element]] = []
    for child in container:
        inner = _extension(child)
        if inner == "media:group" or (inner and not inner.startswith("media:")):
            raise _Unusual
        if inner == "media:content":
            if kind == "media:content":
                raise _Unusual
            out.extend(_media_group(child, inner, depths, depth + 1))
        elif inner is not None:
            depths[id(child)] = depth
            out.append((inner, child))
    return out


def _media_or_itunes_tag(kind: str, element: ET.Element, tags: list[dict[str, Any]]) -> None:
    """media:category / media:keywords / itunes:keywords / itunes:category into ``tags`` as
    feedparser adds them."""
    if kind == "media:category":
        if len(element) or set(element.attrib) - {"scheme", "label", "term"}:
            raise _Unusual
        _tag(element.get("term"), element.get("scheme", _MEDIA_SCHEME), element.get("label"), tags)
        _category_text(_finish(element.text), tags)
    elif kind in ("media:keywords", "itunes:keywords"):
        scheme = _ITUNES_SCHEME if kind == "itunes:keywords" else None
        for term in _finish(_leaf(element)).split(","):
            if term.strip():
                _tag(term.strip(), scheme, None, tags)
    elif kind == "itunes:category":
        if len(element) or set(element.attrib) - {"text"} or (element.text or "").strip():
            raise _Unusual
        _tag(element.get("text"), _ITUNES_SCHEME, None, tags)


def _category_text(value: str, tags: list[dict[str, Any]]) -> None:
    if value:
        if tags and not tags[-1]["term"]:
            tags[-1]["term"] = value
        else:
            _tag(value, None, None, tags)


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
    media_title = False
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
            link = _link_text(child)
        elif child.tag == ATOM + "link" and child.get("rel", "alternate").lower() == "alternate":
            raise _Unusual  # an Atom alternate link would be the channel's link to feedparser
        elif child.tag.startswith((_MEDIA, _MEDIA_OLD)):
            media_title = media_title or _names_title(child)
    if sum(1 for _ in root.iter("item")) != len(entries):
        raise _Unusual  # items nested elsewhere
    if media_title and not title:
        raise _Unusual  # feedparser then takes it as the channel's title
    kind = "text/html" if title and _looks_like_html(title) else "text/plain"  # type: ignore[misc]
    return FastDocument(title=title, site_url=link or None, version="rss20", entries=entries, title_type=kind)


def _rss_item(item: ET.Element) -> dict[str, Any]:
    if item.attrib:
        raise _Unusual
    parts, order, depths = _children(item, _RSS_SINGLE, _RSS_MULTI, _RSS_IGNORED)
    entry: dict[str, Any] = {}
    title = None
    if "title" in parts:
        title = _finish(_leaf(parts["title"]))
        entry["title"] = title
        entry["title_detail"] = {"type": _guess(title)}
    guid = parts.get("guid")
    link = parts.get("link")
    if guid is not None:
        if any(key.lower() != "ispermalink" for key in guid.attrib):
            raise _Unusual
        permalink = {k.lower(): v for k, v in guid.attrib.items()}.get("ispermalink", "true") == "true"
        raw = (_leaf(guid, attributes=True) or "").strip()
        ident = _finish(_resolve(guid, raw) if permalink and raw else raw)
        entry["id"] = ident
        if permalink and link is None:
            entry["link"] = ident
    if link is not None:
        if link.attrib:
            raise _Unusual
        entry["link"] = _link_text(link)
    if "pubDate" in parts:
        entry["published_parsed"] = _date(_leaf(parts["pubDate"]))
    if _DC + "date" in parts:
        entry["updated_parsed"] = _date(_leaf(parts[_DC + "date"]))
    authors = [element for kind, element in order if kind in ("author", _DC + "creator", "itunes:author")]
    if len(authors) > 1:
        raise _Unusual  # which one feedparser keeps depends on more than we model
    if authors:
        entry.update(_rss_author(_finish(_leaf(authors[0]))))
    tags: list[dict[str, Any]] = []
    for kind, child in order:  # in document order, as feedparser reads them
        if kind in _RSS_MULTI:  # category, dc:subject
            if any(key != "domain" for key in child.attrib):
                raise _Unusual
            _tag(None, child.get("domain"), None, tags)
            _category_text(_finish(_leaf(child, attributes=True)), tags)
        elif kind in ("media:category", "media:keywords", "itunes:keywords", "itunes:category"):
            _media_or_itunes_tag(kind, child, tags)
        elif kind in ("itunes:name", "itunes:email", "itunes:owner"):
            raise _Unusual  # inside an item they change its author
        elif kind == "media:title" and not title:
            raise _Unusual  # feedparser then takes it as the title
    _summary_and_content(order, entry, depths, atom=False)
    if tags:
        entry["tags"] = tags
    return entry


_SUMMARIES = {"description", "itunes:summary", "media:description", ATOM + "summary"}
_CONTENTS = {_CONTENT + "encoded", ATOM + "content"}


def _summary_and_content(
    order: list[tuple[str, ET.Element]], entry: dict[str, Any], depths: dict[int, int], *, atom: bool
) -> None:
    """The entry's summary and content as feedparser files them, in document order.

    The first summary-like element (description, itunes:summary, media:description, an Atom
    summary) is the summary. A later one goes under content, unless content came before it:
    then it replaces the summary's value when it is no deeper than the one that set it (inside
    media:group or media:content it is deeper), and its type in any case. Content
    (content:encoded, Atom content) is copied to a missing summary, without a type and without a
    depth.
    """
    summary: str | None = None
    summary_type: str | None = None
    summary_depth: int | None = None
    has_content = False
    contents: list[dict[str, Any] | None] = []
    for kind, child in order:
        if kind in _CONTENTS:
            if kind == ATOM + "content":
                if "src" in child.attrib:
                    raise _Unusual
                value, content_type = _atom_text(child)
            else:
                value, content_type = _finish(_leaf(child)), "text/html"
            has_content = True
            contents.append({"value": value, "type": content_type})
            if summary is None:
                summary = value
        elif kind in _SUMMARIES:
            if kind == ATOM + "summary":
                value, this_type = _atom_text(child)
            else:
                value = _finish(_leaf(child, attributes=kind == "media:description"))
                this_type = _summary_type(kind, child, guess=not atom)
            depth = depths.get(id(child), 0)
            if summary is not None and not has_content:
                has_content = True
                contents.append(None)  # filed under content, typed as we do not model
                continue
            if summary_depth is None or depth <= summary_depth:
                summary, summary_depth = value, depth
            summary_type = this_type
    if summary is not None:
        entry["summary"] = summary
        if summary_type is not None:
            entry["summary_detail"] = {"type": summary_type}
    if contents:
        if contents[0] is None and not entry.get("summary"):
            raise _Unusual
        entry["content"] = [c if c is not None else {"value": "", "type": None} for c in contents]


def _guess(text: str) -> str:
    """feedparser's type for RSS text declared as nothing: HTML when it looks like HTML."""
    return "text/html" if text and _looks_like_html(text) else "text/plain"  # type: ignore[misc]


_CONTENT_TYPES = {None: None, "text": "text/plain", "plain": "text/plain", "html": "text/html"}


def _summary_type(kind: str, element: ET.Element, *, guess: bool = True) -> str:
    """The summary type feedparser gives a description (HTML), an itunes:summary or a
    media:description (typed by its ``type`` attribute; plain text may be guessed as HTML)."""
    if kind == "description":
        return "text/html"
    if set(element.attrib) - {"type"}:
        raise _Unusual
    declared = element.get("type")
    if declared is not None and declared.lower() not in _CONTENT_TYPES:
        raise _Unusual
    default = "text/html" if kind == "media:description" else "text/plain"
    kind_type = _CONTENT_TYPES[declared.lower() if declared else None] or default
    text = _finish(element.text)
    return _guess(text) if guess and kind_type == "text/plain" else kind_type


# feedparser's e-mail pattern for author texts ("jane@example.com (Jane Doe)").
_AUTHOR_EMAIL = re.compile(
    r"(([a-zA-Z0-9\_\-\.\+]+)@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.)|(([a-zA-Z0-9\-]+\.)+))"
    r"([a-zA-Z]{2,4}|[0-9]{1,3})(\]?))(\?subject=\S+)?"
)


def _rss_author(author: str) -> dict[str, Any]:
    """An RSS author text as feedparser splits it into a name and an e-mail address."""
    if not author:
        return {}
    name, email = author, None
    found = _AUTHOR_EMAIL.search(author)
    if found:
        email = found.group(0)
        name = author.replace(email, "").replace("()", "").replace("<>", "").replace("&lt;&gt;", "").strip()
        if name and name[0] == "(":
            name = name[1:]
        if name and name[-1] == ")":
            name = name[:-1]
        name = name.strip()
    detail: dict[str, str] = {}
    if name:
        detail["name"] = name
    if email:
        detail["email"] = email
    return {"author": author, "author_detail": detail}


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
        href = _finish(_resolve(element, element.get("href", "")))
        links.append({"rel": rel, "type": kind, "href": href})
        if rel == "alternate" and kind.lower() in _HTML_LINK_TYPES:
            link = href
    return link, links


def _atom(root: ET.Element) -> FastDocument:
    title: str | None = None
    title_type = "text/plain"
    ident: str | None = None
    media_title = False
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
            ident = _finish(_resolve(child, (_leaf(child) or "").strip()))
        elif child.tag == ATOM + "source":
            raise _Unusual
        elif not child.tag.startswith(ATOM):
            media_title = media_title or _names_title(child)
    if media_title and not title:
        raise _Unusual  # feedparser then takes it as the feed's title
    # As for entries, the feed's id is its link to feedparser unless it has an HTML alternate.
    site_url = _atom_links(feed_links)[0] or ident
    return FastDocument(
        title=title, site_url=site_url, version="atom10", entries=entries, title_type=title_type
    )


def _atom_entry(element: ET.Element) -> dict[str, Any]:
    if element.attrib:
        raise _Unusual
    parts, order, depths = _children(element, _ATOM_SINGLE, _ATOM_MULTI, _ATOM_IGNORED)
    entry: dict[str, Any] = {}
    if ATOM + "title" in parts:
        entry["title"], kind = _atom_text(parts[ATOM + "title"])
        entry["title_detail"] = {"type": kind}
    for kind, _child in order:
        if kind.startswith("itunes:"):
            raise _Unusual  # not in Atom feeds we model
        if kind == "media:title" and not entry.get("title"):
            raise _Unusual  # feedparser then takes it as the title
    _summary_and_content(order, entry, depths, atom=True)
    link, links = _atom_links(parts.get(ATOM + "link", []))
    entry["links"] = links
    if ATOM + "id" in parts:
        # An Atom id is a permalink to feedparser: resolved like one, and the link if none is.
        entry["id"] = _finish(_resolve(parts[ATOM + "id"], (_leaf(parts[ATOM + "id"]) or "").strip()))
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
    for kind, child in order:  # atom:category and Media RSS tags in document order
        if kind == ATOM + "category":
            if len(child) or (child.text or "").strip() or set(child.attrib) - {"term", "scheme", "label"}:
                raise _Unusual
            _tag(child.get("term"), child.get("scheme"), child.get("label"), tags)
        elif kind in ("media:category", "media:keywords"):
            _media_or_itunes_tag(kind, child, tags)
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
