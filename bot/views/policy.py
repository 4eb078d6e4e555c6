"""Block Kit for ``/ai-policy`` answers (pure: answer in, ``(fallback text, blocks)`` out).

All policy text is escaped (it comes from admin-supplied files), links are http(s) only, and
every piece is cut to Block Kit limits with a wide margin under Slack's total-size cap.
"""

from __future__ import annotations

import re
from typing import Any

from slack_sdk.models.blocks import ContextBlock, DividerBlock, HeaderBlock, SectionBlock

from bot.slack_text import (
    CONTEXT_LIMIT,
    FALLBACK_LIMIT,
    HEADER_LIMIT,
    SECTION_LIMIT,
    clip,
    escape_mrkdwn,
    fit_blocks,
    link,
    md,
)
from knowledge.render import (
    NO_POLICY,
    NOT_ANSWERED,
    RELATED_LABEL,
    SUGGESTIONS_LABEL,
    corrections_line,
    policy_text,
    who_to_ask,
)
from knowledge.types import PolicyAnswer, SectionHit


def quote(text: str, *, markdown: bool = False) -> str:
    """Block-quote text (each line prefixed with ``>``): escaped, or Markdown rendered as mrkdwn."""
    shown = mrkdwn(text) if markdown else escape_mrkdwn(text)
    return "\n".join(f">{line}" if line else ">" for line in shown.splitlines() or [""])


_MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_EM = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_BOLD = "\x00"


def mrkdwn(markdown: str) -> str:
    """A policy's Markdown as Slack mrkdwn: ``**bold**`` as ``*bold*``, ``*em*``/``_em_`` as
    ``_em_``, ``[label](url)`` as a link (http(s) only); everything else escaped."""
    out: list[str] = []
    position = 0
    for match in _MD_LINK.finditer(markdown):
        out.append(_emphasis(escape_mrkdwn(markdown[position : match.start()])))
        out.append(link(match.group(2), match.group(1)))
        position = match.end()
    out.append(_emphasis(escape_mrkdwn(markdown[position:])))
    return "".join(out)


def _emphasis(text: str) -> str:
    text = _MD_STRONG.sub(lambda m: f"{_BOLD}{m.group(2)}{_BOLD}", text)
    text = _MD_EM.sub(lambda m: f"_{m.group(2)}_", text)
    return text.replace(_BOLD, "*")


def _ask(answer: PolicyAnswer) -> str:
    """Who to ask, escaped; the owners' channel as a real channel mention."""
    who, channel = who_to_ask(answer)
    shown = escape_mrkdwn(who)
    if channel:
        return f"{shown} in <#{channel}>" if shown else f"<#{channel}>"
    return shown


def _source(hit: SectionHit) -> str:
    parts = [f"*{escape_mrkdwn(hit.policy_title)}*"]
    if hit.owner:
        parts.append(f"Owner: {escape_mrkdwn(hit.owner)}")
    if hit.updated:
        parts.append(f"Updated {escape_mrkdwn(hit.updated)}")
    return " · ".join(parts)


def _unanswered_blocks(answer: PolicyAnswer, note: str | None, contact: str) -> list[Any]:
    """No policy covers this (closest topics as labelled suggestions), or "related, not an answer"."""
    question = escape_mrkdwn(answer.query)
    lead = NO_POLICY if answer.kind == "no_match" else NOT_ANSWERED
    blocks: list[Any] = [SectionBlock(text=md(f"{lead} “{question}”."))]
    if note:
        blocks.append(ContextBlock(elements=[md(escape_mrkdwn(note), CONTEXT_LIMIT)]))
    if answer.related:
        related = "\n".join(
            f"• {link(h.url, h.heading)} — {escape_mrkdwn(h.policy_title)}" for h in answer.related
        )
        blocks.append(SectionBlock(text=md(f"*{RELATED_LABEL}*\n{related}")))
    if answer.suggestions:
        topics = "\n".join(f"• {escape_mrkdwn(s)}" for s in answer.suggestions)
        blocks.append(SectionBlock(text=md(f"*{SUGGESTIONS_LABEL}*\n{topics}")))
    blocks.append(SectionBlock(text=md(f"Please ask {_ask(answer)}.")))
    return blocks


def policy_blocks(answer: PolicyAnswer) -> tuple[str, list[dict[str, Any]]]:
    """Render a policy answer: ``(fallback text, blocks)``."""
    fallback = clip(escape_mrkdwn(policy_text(answer, width=None)), FALLBACK_LIMIT)
    contact = escape_mrkdwn(answer.contact)
    blocks: list[Any] = []
    if answer.kind == "empty":
        blocks.append(
            SectionBlock(
                text=md(
                    f"No AI policies are loaded yet. Please ask {contact}; an admin can load them "
                    "with `briefbot knowledge import`."
                )
            )
        )
        return fallback, fit_blocks(blocks)
    if answer.kind == "list":
        blocks.append(HeaderBlock(text=clip("Company AI policies", HEADER_LIMIT)))
        blocks.append(
            SectionBlock(text=md("Ask a question, e.g. `/ai-policy can I paste customer data into ChatGPT?`"))
        )
        lines: list[str] = []
        for i, p in enumerate(answer.policies):
            owner = f" — {escape_mrkdwn(p.owner)}" if p.owner else ""
            line = f"• {link(p.url, p.title)}{owner}"
            if sum(len(x) + 1 for x in lines) + len(line) > SECTION_LIMIT - 40:
                lines.append(f"…and {len(answer.policies) - i} more")
                break
            lines.append(line)
        blocks.append(SectionBlock(text=md("\n".join(lines))))
        blocks.append(
            ContextBlock(elements=[md(f"Questions about these policies: {contact}", CONTEXT_LIMIT)])
        )
        return fallback, fit_blocks(blocks)

    note = corrections_line(answer)
    if answer.kind in ("no_match", "related"):
        return fallback, fit_blocks(_unanswered_blocks(answer, note, contact))

    best = answer.hits[0]
    if note:
        blocks.append(ContextBlock(elements=[md(escape_mrkdwn(note), CONTEXT_LIMIT)]))
    if answer.composed is not None:
        blocks += composed_blocks(answer)
    excerpt = quote(best.excerpt_markdown, markdown=True) if best.excerpt_markdown else quote(best.excerpt)
    blocks.append(SectionBlock(text=md(f"*{link(best.url, best.heading)}*\n{excerpt}")))
    blocks.append(ContextBlock(elements=[md(_source(best), CONTEXT_LIMIT)]))
    if len(answer.hits) > 1:
        related = "\n".join(
            f"• {link(h.url, h.heading)} — {escape_mrkdwn(h.policy_title)}" for h in answer.hits[1:]
        )
        blocks.append(DividerBlock())
        blocks.append(SectionBlock(text=md(f"*Related sections*\n{related}")))
    blocks.append(
        ContextBlock(elements=[md(f"Not sure it applies to your case? Ask {_ask(answer)}.", CONTEXT_LIMIT)])
    )
    return fallback, fit_blocks(blocks)


def composed_blocks(answer: PolicyAnswer) -> list[Any]:
    """The model's short answer, its citations linked to the sections, and whose text it is."""
    composed = answer.composed
    if composed is None:
        return []
    hits = answer.hits

    def cite(match: re.Match[str]) -> str:
        number = int(match.group(1))
        hit = hits[number - 1] if 1 <= number <= len(hits) else None
        return link(hit.url, f"[{number}]") if hit and hit.url else f"[{number}]"

    # Escape first (the text is untrusted), then turn [n] into links to the cited sections.
    text = re.sub(r"\[(\d{1,2})\]", cite, escape_mrkdwn(composed.text[:1200]))
    note = (
        f":sparkles: Written by a language model ({escape_mrkdwn(composed.model[:80])}) from the "
        "sections below and checked against them; the policy text below is what counts."
    )
    return [
        SectionBlock(text=md(text)),
        ContextBlock(elements=[md(note, CONTEXT_LIMIT)]),
        DividerBlock(),
    ]
