"""Rendering a briefing: Slack Block Kit (with a fallback text) and plain terminal text.

Everything from a feed is untrusted. Slack control characters are escaped (``&`` first, then
``<`` and ``>``) so no feed can write ``<!channel>`` or ``<@U123>``; links are only http(s) and
never carry ``|`` or ``>``; every string is cut to Block Kit limits and the whole message to a
text budget well below Slack's undocumented total cap. Rendering lives here (not in ``bot/``)
because the scheduled delivery step needs it without the Bolt app.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from briefings.briefing import Briefing, BriefingStory

MAX_BLOCKS = 50
SECTION_LIMIT = 3000
HEADER_LIMIT = 150
CONTEXT_LIMIT = 2000
TEXT_BUDGET = 9000  # Slack rejects messages near 13k characters of block text: stay well below
FALLBACK_LIMIT = 1500
TITLE_LIMIT = 250
URL_LIMIT = 1000
SUMMARY_STEPS = (300, 160, 0)
MAX_SHOWN_SOURCES = 4
MAX_ALSO_LINKS = 3
FOOTER = "Type `/ai-brief help` for commands · `/ai-brief status` shows this channel's schedule"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"[ \t\r\n]+")
_WHITESPACE = re.compile(r"\s")


@dataclass(frozen=True)
class RenderedMessage:
    """What chat.postMessage needs: a notification fallback ``text`` and the ``blocks``."""

    text: str
    blocks: list[dict[str, Any]]


# ----------------------------------------------------------------------------- safe text
def clean(text: str | None) -> str:
    """Feed text on one line: control and bidi characters removed, whitespace collapsed."""
    return _SPACES.sub(" ", _CONTROL.sub("", text or "")).strip()


def escape_mrkdwn(text: str) -> str:
    """Escape the three characters Slack treats as control sequences (``&`` first)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    if limit <= 1:
        return "…"[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"


def escaped(text: str | None, limit: int) -> str:
    """Clean, shorten and escape ``text`` so the *escaped* result fits in ``limit`` characters."""
    plain = clean(text)
    size = limit
    while True:
        out = escape_mrkdwn(shorten(plain, size))
        if len(out) <= limit or size <= 1:
            return out if len(out) <= limit else ""
        size -= max(1, len(out) - limit)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL fit for ``<url|label>`` or None (``javascript:``, relative, too long...)."""
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


def first_web_link(urls: tuple[str, ...]) -> str | None:
    """The first of ``urls`` that :func:`safe_url` accepts (as given, unescaped)."""
    return next((u for u in urls if safe_url(u)), None)


def link(url: str | None, label: str) -> str:
    """``<url|label>`` when ``url`` is safe, else just ``label`` (already escaped)."""
    target = safe_url(url)
    label = label.replace("|", "¦")
    return f"<{target}|{label}>" if target else label


def local_date(moment: datetime, timezone: str, *, weekday: bool = True, year: bool = True) -> str:
    """``Tue 24 Nov 2026`` in ``timezone``."""
    when = moment.astimezone(ZoneInfo(timezone))
    text = f"{when.day} {when:%b}"
    if year:
        text += f" {when.year}"
    return f"{when:%a} {text}" if weekday else text


# ----------------------------------------------------------------------------- Block Kit
def _story_blocks(story: BriefingStory, dept_name: str, tz: str, summary_limit: int) -> list[Block]:
    title = link(story.url, escaped(story.title or "(untitled)", TITLE_LIMIT))
    lines = [f"*{title}*"]
    if summary_limit and clean(story.summary):
        lines.append(escape_mrkdwn(shorten(clean(story.summary), summary_limit)))
    if story.why:
        lines.append(f"_Why it matters to {escape_mrkdwn(dept_name)}:_ {escaped(story.why, 300)}")
    section = SectionBlock(text=MarkdownTextObject(text="\n".join(lines)[:SECTION_LIMIT]))
    shown = story.sources[:MAX_SHOWN_SOURCES]
    sources = " · ".join(escaped(s, 80) for s in shown) or "unknown source"
    if len(story.sources) > len(shown):
        sources += f" +{len(story.sources) - len(shown)} more"
    meta = [sources, local_date(story.published_at, tz, weekday=False)]
    if story.explanation:
        meta.append(escaped(story.explanation, 400))
    elements = [MarkdownTextObject(text=" · ".join(meta)[:CONTEXT_LIMIT])]
    also = also_reported_mrkdwn(story, CONTEXT_LIMIT)
    if also:
        elements.append(MarkdownTextObject(text=also))
    return [section, ContextBlock(elements=elements)]


def also_reported_mrkdwn(story: BriefingStory, limit: int) -> str:
    """``Also reported by <url|Outlet B>, <url|Outlet C> +2 more`` for the retellings collapsed
    into ``story`` (escaped, at most ``limit`` characters; a link that does not fit is dropped
    rather than cut, so the markup is never broken). Empty when there are none."""
    also = story.also_reported
    if not also:
        return ""
    head = "Also reported by "
    parts: list[str] = []
    for entry in also[:MAX_ALSO_LINKS]:
        label = escaped(entry.source or "another outlet", 80)
        linked = link(entry.url, label)
        room = limit - len(head) - len(", ".join([*parts, linked])) - len(" +99 more")
        parts.append(linked if room >= 0 else label)
    text = head + ", ".join(parts)
    if len(also) > len(parts):
        text += f" +{len(also) - len(parts)} more"
    return text if len(text) <= limit else head + f"{len(also)} other outlets"


def _extras(briefing: Briefing) -> list[Block]:
    blocks: list[Block] = []
    cert = briefing.certification
    if cert is not None:
        name = link(cert.url, escaped(cert.name, 200))
        detail = ", ".join(escaped(x, 80) for x in (cert.provider, cert.level) if x)
        text = f":mortar_board: *Certification spotlight:* {name}"
        if detail:
            text += f" ({detail})"
        if cert.summary:
            text += f"\n{escaped(cert.summary, 400)}"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    policy = briefing.policy
    if policy is not None:
        label = escaped(" — ".join(x for x in (policy.policy_title, policy.heading) if x), 200)
        text = f":scroll: *Policy reminder:* {link(policy.url, label)}"
        if policy.excerpt:
            text += f"\n{escaped(policy.excerpt, 500)}"
        if policy.owner:
            text += f"\n_Questions? Ask {escaped(policy.owner, 120)}._"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=text)))
    return blocks


def _header(briefing: Briefing) -> HeaderBlock:
    text = f"{clean(briefing.department_name)} AI briefing · {local_date(briefing.as_of, briefing.timezone)}"
    return HeaderBlock(text=shorten(text, HEADER_LIMIT))


def _intro(briefing: Briefing) -> str:
    name = escape_mrkdwn(clean(briefing.department_name))
    since = local_date(briefing.since, briefing.timezone, year=False)
    if briefing.quiet:
        return (
            f"Nothing new above the bar for {name} since {since}: I checked {briefing.considered} new "
            f"{_plural(briefing.considered, 'story', 'stories')} and none was relevant enough to "
            "interrupt you. See you at the next briefing."
        )
    shown = len(briefing.stories)
    return (
        f"The {shown} most relevant of {briefing.considered} new "
        f"{_plural(briefing.considered, 'story', 'stories')} since {since}, picked for {name}, "
        "each with why it is here."
    )


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def text_size(blocks: list[dict[str, Any]]) -> int:
    """Characters of text the blocks carry (what Slack's total size cap counts)."""
    total = 0
    for block in blocks:
        if "text" in block and isinstance(block["text"], dict):
            total += len(block["text"].get("text", ""))
        for element in block.get("elements", []) or []:
            if isinstance(element, dict):
                total += len(str(element.get("text", "")))
    return total


def _build(
    briefing: Briefing, stories: tuple[BriefingStory, ...], summary_limit: int, note: str | None
) -> list[Block]:
    blocks: list[Block] = [_header(briefing)]
    intro = _intro(briefing) if not note else f"{note}\n{_intro(briefing)}"
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=intro)]))
    if stories:
        blocks.append(DividerBlock())
        for story in stories:
            blocks += _story_blocks(story, briefing.department_name, briefing.timezone, summary_limit)
        extras = _extras(briefing)
        if extras:
            blocks.append(DividerBlock())
            blocks += extras
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=FOOTER)]))
    return blocks


def fallback_text(briefing: Briefing) -> str:
    """The notification text: department, date and the first titles (escaped, short)."""
    head = f"{clean(briefing.department_name)} AI briefing, {local_date(briefing.as_of, briefing.timezone)}"
    if briefing.quiet:
        return escape_mrkdwn(f"{head}: nothing new above the bar.")
    titles = "; ".join(shorten(clean(s.title), 120) for s in briefing.stories)
    return escaped(f"{head}: {titles}", FALLBACK_LIMIT)


def render_blocks(briefing: Briefing, *, note: str | None = None) -> RenderedMessage:
    """Block Kit for ``briefing``, always within limits: long texts are cut, then summaries
    shortened, then the least relevant stories dropped until the text budget holds.

    ``note`` (our own mrkdwn, e.g. "Preview: only you can see this") goes under the header.
    """
    stories = briefing.stories[: (MAX_BLOCKS - 10) // 2]
    note = note[:500] if note else None
    while True:
        for summary_limit in SUMMARY_STEPS:
            blocks = [b.to_dict() for b in _build(briefing, stories, summary_limit, note)]
            if text_size(blocks) <= TEXT_BUDGET and len(blocks) <= MAX_BLOCKS:
                return RenderedMessage(text=fallback_text(briefing), blocks=blocks)
        stories = stories[:-1]


# ----------------------------------------------------------------------------- terminal
def render_terminal(briefing: Briefing, *, width: int = 92) -> str:
    """A readable plain-text rendering for ``briefbot brief`` and ``briefbot demo``."""
    name = clean(briefing.department_name)
    title = f"{name} AI briefing · {local_date(briefing.as_of, briefing.timezone)}"
    out = ["=" * min(width, len(title) + 8), f"=== {title}", "=" * min(width, len(title) + 8)]
    wrap = textwrap.TextWrapper(width=width, initial_indent="   ", subsequent_indent="   ")
    since = local_date(briefing.since, briefing.timezone, year=False)
    if briefing.quiet:
        out.append(f"Nothing new above the bar since {since} ({briefing.considered} new stories checked).")
    else:
        out.append(
            f"{len(briefing.stories)} most relevant of {briefing.considered} new stories since {since}."
        )
    for i, story in enumerate(briefing.stories, 1):
        out.append("")
        out.extend(
            textwrap.wrap(
                f"{i}. {shorten(clean(story.title), TITLE_LIMIT)}",
                width=width,
                subsequent_indent="   ",
            )
        )
        meta = " · ".join(
            [*story.sources[:MAX_SHOWN_SOURCES], local_date(story.published_at, briefing.timezone)]
        )
        out.append(f"   {clean(meta)}")
        if clean(story.summary):
            out.extend(wrap.wrap(shorten(clean(story.summary), 300)))
        if story.why:
            out.extend(wrap.wrap(f"Why it matters to {name}: {clean(story.why)}"))
        if story.explanation:
            out.extend(wrap.wrap(f"({clean(story.explanation)})"))
        url = safe_url(story.url)
        if url:
            out.append(f"   {story.url}")
        for also in story.also_reported:
            out.extend(wrap.wrap(f"Also reported by {clean(also.source)}"))
            if safe_url(also.url):
                out.append(f"     {also.url}")
    cert = briefing.certification
    if cert is not None and not briefing.quiet:
        out.append("")
        detail = ", ".join(x for x in (clean(cert.provider), clean(cert.level)) if x)
        out.extend(textwrap.wrap(f"Certification spotlight: {clean(cert.name)} ({detail})", width=width))
        if cert.summary:
            out.extend(wrap.wrap(shorten(clean(cert.summary), 300)))
        if cert.url:
            out.append(f"   {clean(cert.url)}")
    policy = briefing.policy
    if policy is not None and not briefing.quiet:
        out.append("")
        heading = " — ".join(x for x in (clean(policy.policy_title), clean(policy.heading)) if x)
        out.extend(textwrap.wrap(f"Policy reminder: {heading}", width=width))
        if policy.excerpt:
            out.extend(wrap.wrap(shorten(clean(policy.excerpt), 300)))
        if policy.owner:
            out.append(f"   Questions? Ask {clean(policy.owner)}.")
    return "\n".join(out)
