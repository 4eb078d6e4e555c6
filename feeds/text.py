"""Untrusted feed text -> bounded plain text (pure functions, no I/O).

Feed titles and summaries arrive as HTML or as text. We store plain text: tags stripped,
``<script>``/``<style>`` bodies dropped, entities decoded, whitespace collapsed, length bounded.
Slack escaping (``&``, ``<``, ``>``) happens when a message is rendered, so stored text may
legitimately contain ``<`` (e.g. a headline about ``<!channel>``) and stays harmless there.
All regular expressions are linear and inputs are cut before processing, so a hostile feed
cannot make this slow.
"""

from __future__ import annotations

import html
import re
import unicodedata

TITLE_MAX = 300
SUMMARY_MAX = 1200
AUTHOR_MAX = 200
CATEGORY_MAX = 80
CATEGORIES_MAX = 20
# Raw HTML beyond this is never looked at: a summary is a teaser, not the article.
RAW_MAX = 40_000

# Elements whose content is never readable text. Removed by a linear scan (see _drop_blocks).
_BLOCK_OPEN = re.compile(r"<(script|style|template|noscript|iframe|object|svg|math|head)\b")
_COMMENTS = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)(?:\]\]>|$)", re.DOTALL)
_BREAKS = re.compile(r"<(?:br|/p|/div|/li|/h[1-6]|/tr|/blockquote|hr|p|li|div|h[1-6]|tr)\b[^>]*>", re.I)
_TAGS = re.compile(r"</?[a-zA-Z!?/][^>]*>?")
_SPACES = re.compile(r"\s+")
# An HTML element in a "text/plain" title: feeds often put markup there anyway.
_LOOKS_HTML = re.compile(
    r"</?(?:a|b|i|u|em|strong|span|p|br|div|script|style|img|font|sup|sub|code|small|big|mark|q|s|"
    r"strike|abbr|cite|time|iframe)\b[^>]*>|&(?:[a-zA-Z]{2,8}|#\d{1,7}|#x[0-9a-fA-F]{1,6});",
    re.IGNORECASE,
)
_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")
_CONTROL.update(dict.fromkeys(range(0x7F, 0xA0)))
_CONTROL.update({0x200B: None, 0x200E: None, 0x200F: None, 0x2028: " ", 0x2029: " ", 0xFEFF: None})


def html_to_text(value: str | None, limit: int = SUMMARY_MAX) -> str:
    """Plain text of an HTML fragment: no tags, scripts or comments; entities decoded; one line."""
    if not value:
        return ""
    text = value[:RAW_MAX]
    if "<" in text:
        text = _CDATA.sub(r"\1", text)
        text = _COMMENTS.sub(" ", text)
        text = _drop_blocks(text)
        text = _BREAKS.sub(" ", text)
        text = _TAGS.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    return clean_text(text, limit)


def _drop_blocks(text: str) -> str:
    # A regex with a lazy ".*?" and a back-reference rescans to the end for every unclosed
    # opener (quadratic on hostile input); this loop only ever moves forward.
    lower = text.lower()
    out: list[str] = []
    pos = 0
    while True:
        match = _BLOCK_OPEN.search(lower, pos)
        if match is None:
            out.append(text[pos:])
            break
        out.append(text[pos : match.start()])
        out.append(" ")
        end = lower.find("</" + match.group(1), match.end())
        if end < 0:  # never closed: everything after the opener is its content
            break
        close = lower.find(">", end)
        pos = len(text) if close < 0 else close + 1
    return "".join(out)


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
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


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
