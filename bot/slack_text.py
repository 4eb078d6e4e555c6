"""The one Slack text module of ``bot/``: escaping, links, cutting and the Block Kit size budget.

Everything shown in Slack that came from a feed, an admin or a user goes through here: the three
mrkdwn control characters are escaped (``&`` first, so no ``<!channel>`` or ``<@U…>`` can be
written), links are http(s) only and cannot break out of ``<url|label>``, every string is cut to
its Block Kit limit, and a whole message is kept under a text budget well below Slack's total
cap (which it reports as ``invalid_blocks`` or ``msg_too_long``). Listings that could outgrow the
budget are paged (:func:`paginate`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from slack_sdk.models.blocks import MarkdownTextObject

from foundation.ids import parse_id

SECTION_LIMIT = 3000
HEADER_LIMIT = 150
CONTEXT_LIMIT = 2000
FALLBACK_LIMIT = 3000
MAX_BLOCKS = 50
# Slack rejects messages near 13k characters of block text: stay well below.
TEXT_BUDGET = 9000
URL_LIMIT = 1000
MAX_PAGE = 10_000
# A message's own ``text`` (Slack truncates past 40k and refuses long ones with msg_too_long).
MESSAGE_TEXT_LIMIT = 3900

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_WHITESPACE = re.compile(r"\s")


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack treats as control sequences (``&`` first)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"


def escaped(text: str | None, limit: int) -> str:
    """``text`` cut and then escaped so that the *escaped* result fits in ``limit`` characters
    (cutting after escaping could split ``&amp;`` in half)."""
    plain = text or ""
    size = limit
    while True:
        out = escape_mrkdwn(clip(plain, size))
        if len(out) <= limit or size <= 1:
            return out if len(out) <= limit else ""
        size -= max(1, len(out) - limit)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL fit for ``<url|label>``, or None (``javascript:``, relative, too long...)."""
    if not url:
        return None
    url = url.strip()
    if len(url) > URL_LIMIT or _CONTROL.search(url) or _WHITESPACE.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or parts.username:
        return None
    # Characters that would end or split Slack's <url|label> markup are percent-encoded.
    target = quote(url, safe="/:?#[]@!$&'()*+,;=%~-._").replace("&", "&amp;")
    return target if len(target) <= URL_LIMIT else None


def link(url: str | None, label: str | None = None, *, limit: int = 200) -> str:
    """``<url|label>`` with the label escaped (the URL itself when none), or just the escaped
    label when the URL is not a safe http(s) link."""
    shown = escaped((label or url or "").replace("|", "¦"), limit)
    target = safe_url(url)
    return f"<{target}|{shown}>" if target else shown


def md(text: str, limit: int = SECTION_LIMIT) -> MarkdownTextObject:
    """A mrkdwn text object cut to ``limit`` (``text`` is already escaped)."""
    return MarkdownTextObject(text=clip(text, limit))


def text_size(blocks: Sequence[dict[str, Any]]) -> int:
    """Characters of text the blocks carry (what Slack's total size cap counts)."""
    total = 0
    for block in blocks:
        if isinstance(block.get("text"), dict):
            total += len(block["text"].get("text", ""))
        elif isinstance(block.get("text"), str):
            total += len(block["text"])
        for element in block.get("elements", []) or []:
            if isinstance(element, dict):
                total += len(str(element.get("text", "")))
    return total


def fit_blocks(blocks: Sequence[Any], *, budget: int = TEXT_BUDGET) -> list[dict[str, Any]]:
    """Block dicts, dropping optional blocks before the last one while over the budget or the
    block limit (the last block is the closing hint or contact line and stays)."""
    dicts = [b if isinstance(b, dict) else b.to_dict() for b in blocks]
    while len(dicts) > 2 and (text_size(dicts) > budget or len(dicts) > MAX_BLOCKS):
        dicts.pop(-2)
    return dicts


@dataclass(frozen=True)
class Page:
    """One page of a listing: entries ``start:stop`` of the whole, page ``number`` of ``count``."""

    number: int
    count: int
    start: int
    stop: int


def paginate(
    sizes: Sequence[int], page: int, *, budget: int = TEXT_BUDGET - 1500, per_page: int = 40
) -> Page:
    """Split entries of the given text sizes into pages of at most ``per_page`` entries and
    ``budget`` characters, and return the requested one (clamped to the last page).

    The margin under ``TEXT_BUDGET`` leaves room for a header, a summary and the paging hint.
    """
    bounds: list[tuple[int, int]] = []
    start, used = 0, 0
    for i, size in enumerate(sizes):
        if i > start and (i - start >= per_page or used + size > budget):
            bounds.append((start, i))
            start, used = i, 0
        used += size
    bounds.append((start, len(sizes)))
    number = min(max(page, 1), len(bounds))
    first, stop = bounds[number - 1]
    return Page(number=number, count=len(bounds), start=first, stop=stop)


def page_hint(page: Page, command: str) -> str | None:
    """``page 1 of 3 — `/ai-feeds list 2` for more``, or None for a single page."""
    if page.count <= 1:
        return None
    if page.number < page.count:
        return f"page {page.number} of {page.count} — `{command} {page.number + 1}` for more"
    return f"page {page.number} of {page.count} — `{command} 1` for the first"


def parse_page(args: Sequence[str]) -> int:
    """The page number a listing command was given (``list 2``); 1 when none or not a number."""
    number = parse_id(args[0]) if args else None
    return min(number, MAX_PAGE) if number else 1
