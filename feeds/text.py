"""Untrusted feed text -> bounded plain text (pure functions, no I/O).

Feed titles and summaries arrive as HTML or as text. We store plain text: tags stripped,
``<script>``/``<style>`` bodies dropped, entities decoded, whitespace collapsed, length bounded.
Slack escaping (``&``, ``<``, ``>``) happens when a message is rendered, so stored text may
legitimately contain ``<`` (e.g. a headline about ``<!channel>``) and stays harmless there.
HTML is read with the standard library's ``html.parser``; inputs are cut before processing and
reading stops once there is more text than can show, so a hostile feed cannot make this slow.
"""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

from foundation.text import truncate as shared_truncate

TITLE_MAX = 300
SUMMARY_MAX = 1200
AUTHOR_MAX = 200
CATEGORY_MAX = 80
CATEGORIES_MAX = 20
# Raw HTML beyond this is never looked at: a summary is a teaser, not the article.
RAW_MAX = 40_000

# Elements whose content is never readable text: dropped when closed. One left open (a stray
# "<head>" or "<svg>" in a summary) drops nothing: what follows it is the summary. Scripts and
# styles are raw text to the parser, so an unclosed one still swallows the rest, as in a browser.
_HIDDEN = frozenset(
    {"script", "style", "template", "noscript", "iframe", "object", "svg", "math", "head", "title"}
)
_RAW = frozenset({"script", "style"})
# Elements that separate words ("a<br>b", "</p><p>").
_BREAKS = frozenset(
    {
        "br", "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th",
        "blockquote", "hr", "section", "article", "header", "footer", "figure", "figcaption",
        "table", "dd", "dt", "pre", "img",
    }
)  # fmt: skip
_SPACES = re.compile(r"\s+")
# An HTML element in a "text/plain" title: feeds often put markup there anyway.
_LOOKS_HTML = re.compile(
    r"</?(?:a|b|i|u|em|strong|span|p|br|div|script|style|img|font|sup|sub|code|small|big|mark|q|s|"
    r"strike|abbr|cite|time|iframe|meta|link|hr|wbr|input|blink|marquee)\b[^>]*>"
    r"|</[a-zA-Z][a-zA-Z0-9]{0,20}\s*>|&(?:[a-zA-Z]{2,8}|#\d{1,7}|#x[0-9a-fA-F]{1,6});",
    re.IGNORECASE,
)
_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")
_CONTROL.update(dict.fromkeys(range(0x7F, 0xA0)))
_CONTROL.update({0x200B: None, 0x200E: None, 0x200F: None, 0x2028: " ", 0x2029: " ", 0xFEFF: None})


def html_to_text(value: str | None, limit: int = SUMMARY_MAX) -> str:
    """Plain text of an HTML fragment: no tags, scripts or comments; entities decoded; one line.

    Read with the standard library's HTML parser (attributes, quoting and entities as a browser
    reads them: a ``>`` inside a quoted attribute is part of the attribute).
    """
    if not value:
        return ""
    text = value[:RAW_MAX]
    if "<" not in text:
        return clean_text(html.unescape(text) if "&" in text else text, limit)
    reader = _TextReader(limit)
    try:
        reader.feed(_drop_open_tag(text))
        reader.close()
    except _Enough:
        pass
    return clean_text(reader.text(), limit)


_TAG_START = re.compile(r"<[A-Za-z/!?]")


def _drop_open_tag(text: str) -> str:
    """``text`` without a tag or comment that the fragment's end leaves open (``<a href="x``).

    A browser drops such a tag; Python's parser re-reads the rest of the input once for every
    ``<`` in it, which thousands of unclosed ``<a `` make quadratic.
    """
    comment = text.find("<!--")
    while comment >= 0:  # a comment never closed runs to the end, as in a browser
        close = text.find("-->", comment + 4)
        if close < 0:
            text = text[:comment]
            break
        comment = text.find("<!--", close + 3)
    end = text.rfind(">") + 1
    tag = _TAG_START.search(text, end)
    return text if tag is None else text[: tag.start()]


class _Enough(Exception):
    """Enough text was read for the limit."""


class _TextReader(HTMLParser):
    def __init__(self, limit: int, *, nested: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.limit = limit
        self.nested = nested
        self.parts: list[str] = []
        self.size = 0
        # Hidden elements still open: (name, how many parts there were when it opened).
        self.hidden: list[tuple[str, int]] = []
        self.raw = False
        # Text beyond this cannot show (whitespace-only pieces, which collapse, are not counted).
        self.enough = limit * 2 + 100

    def text(self) -> str:
        return "".join(self.parts)

    def _add(self, data: str) -> None:
        self.parts.append(data)
        if not data.isspace():
            self.size += len(data)
            if self.size > self.enough and not self.hidden:
                raise _Enough

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden.append((tag, len(self.parts)))
            self.raw = self.raw or tag in _RAW
        elif tag in _BREAKS:
            self._add(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKS:
            self._add(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            for depth in range(len(self.hidden) - 1, -1, -1):
                if self.hidden[depth][0] == tag:
                    start = self.hidden[depth][1]
                    del self.hidden[depth:]
                    del self.parts[start:]
                    self.parts.append(" ")
                    self.raw = any(name in _RAW for name, _ in self.hidden)
                    return
        elif tag in _BREAKS:
            self._add(" ")

    def handle_data(self, data: str) -> None:
        self._add(data)

    def unknown_decl(self, data: str) -> None:
        # A CDATA section inside HTML: the publisher wrapped its HTML twice; read what it holds
        # as HTML too (once: a section inside it is kept as it is).
        if data.startswith("CDATA["):
            inner = data[6:]
            if self.nested or "<" not in inner:
                self._add(inner)
                return
            reader = _TextReader(self.limit, nested=True)
            try:
                reader.feed(_drop_open_tag(inner))
                reader.close()
            except _Enough:
                pass
            self._add(reader.text())

    def close(self) -> None:
        super().close()
        if self.raw:  # an unclosed script or style: the rest of the fragment is code
            start = next(i for name, i in self.hidden if name in _RAW)
            del self.parts[start:]


def plain_to_text(value: str | None, limit: int = TITLE_MAX) -> str:
    """A value declared as plain text: strip markup only when it clearly is HTML."""
    if not value:
        return ""
    if ("<" in value or "&" in value) and _LOOKS_HTML.search(value[:RAW_MAX]):
        return html_to_text(value, limit)
    return clean_text(value[:RAW_MAX], limit)


def clean_text(value: str, limit: int) -> str:
    """Drop control characters, collapse whitespace, cut to ``limit`` at a word boundary."""
    text = value.translate(_CONTROL)
    text = _SPACES.sub(" ", text).strip()
    return truncate(text, limit)


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to at most ``limit`` characters, preferring a word boundary, with an ellipsis."""
    return shared_truncate(text, limit)


_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_SOURCE_SUFFIX = re.compile(r"\s+[-–—|:]\s+[^-–—|:]{1,40}$")
TITLE_KEY_MAX = 255
# Title matching merges stories across feeds; short generic titles ("Weekly roundup") must not.
MIN_TITLE_KEY_WORDS = 4
MIN_TITLE_KEY_CHARS = 20


def title_key(title: str) -> str:
    """A comparison key for near-identical titles: case, accents, punctuation and a trailing
    `` - Source`` / `` | Source`` suffix do not matter. Empty when too short to trust."""
    if not title:
        return ""
    stripped = _SOURCE_SUFFIX.sub("", title)
    if len(_words(stripped)) >= MIN_TITLE_KEY_WORDS:
        title = stripped
    words = _words(title)
    key = " ".join(words)[:TITLE_KEY_MAX]
    if len(words) < MIN_TITLE_KEY_WORDS or len(key) < MIN_TITLE_KEY_CHARS:
        return ""
    return key


def _words(text: str) -> list[str]:
    folded = text.casefold()
    if not folded.isascii():  # accents only exist outside ASCII: skip the per-character pass
        folded = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", folded).replace("_", " ").split()
