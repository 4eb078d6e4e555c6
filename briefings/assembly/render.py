"""Briefing text that is not Slack's: feed text cleaned and cut, dates, and the terminal view.

The Block Kit message lives in ``bot/views/briefing.py`` (Slack is the front door's business);
the composition root hands that renderer to the delivery step. What both share is here: feed text
on one line without control or bidi characters, cut at a word boundary, and local dates.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from briefings.assembly.briefing import Briefing, BriefingStory

TITLE_LIMIT = 250
URL_LIMIT = 1000
MAX_SHOWN_SOURCES = 4
MAX_ALSO_LINKS = 3

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"[ \t\r\n]+")
_WHITESPACE = re.compile(r"\s")


@dataclass(frozen=True)
class RenderedMessage:
    """What chat.postMessage needs: a notification fallback ``text`` and the ``blocks``."""

    text: str
    blocks: list[dict[str, Any]]


#: Turns a briefing (and an optional note of our own mrkdwn) into the message to post.
Renderer = Callable[..., RenderedMessage]


def clean(text: str | None) -> str:
    """Feed text on one line: control and bidi characters removed, whitespace collapsed."""
    return _SPACES.sub(" ", _CONTROL.sub("", text or "")).strip()


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


def is_web_link(url: str | None) -> bool:
    """An absolute http(s) URL with a host, no credentials, whitespace or control characters."""
    if not url or len(url) > URL_LIMIT or _CONTROL.search(url) or _WHITESPACE.search(url.strip()):
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc) and not parts.username


def first_web_link(urls: tuple[str, ...]) -> str | None:
    """The first of ``urls`` that is a web link (as given)."""
    return next((u for u in urls if is_web_link(u)), None)


def local_date(moment: datetime, timezone: str, *, weekday: bool = True, year: bool = True) -> str:
    """``Tue 24 Nov 2026`` in ``timezone``."""
    when = moment.astimezone(ZoneInfo(timezone))
    text = f"{when.day} {when:%b}"
    if year:
        text += f" {when.year}"
    return f"{when:%a} {text}" if weekday else text


def _links_lines(story: BriefingStory, wrap: textwrap.TextWrapper) -> list[str]:
    """The retellings and the policy a story may affect, for the terminal view."""
    out: list[str] = []
    for also in story.also_reported:
        out.extend(wrap.wrap(f"Also reported by {clean(also.source)}"))
        if is_web_link(also.url):
            out.append(f"     {also.url}")
    if story.policy is not None:
        link = story.policy
        heading = " — ".join(x for x in (clean(link.policy_title), clean(link.heading)) if x)
        out.extend(wrap.wrap(f"May affect our policy: {heading}"))
        if is_web_link(link.url):
            out.append(f"     {link.url}")
    return out


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
    if briefing.intro:
        out.extend(textwrap.wrap(clean(briefing.intro), width=width))
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
        if is_web_link(story.url):
            out.append(f"   {story.url}")
        out.extend(_links_lines(story, wrap))
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
    if briefing.written_by:
        out += ["", f"(Introduction and “why it matters” lines written by {clean(briefing.written_by)}.)"]
    return "\n".join(out)
