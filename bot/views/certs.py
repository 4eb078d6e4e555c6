"""Block Kit for ``/ai-certs`` answers (pure: answer in, ``(fallback text, blocks)`` out)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from slack_sdk.models.blocks import ContextBlock, HeaderBlock, SectionBlock

from bot.slack_text import (
    CONTEXT_LIMIT,
    FALLBACK_LIMIT,
    HEADER_LIMIT,
    clip,
    escape_mrkdwn,
    escaped,
    fit_blocks,
    link,
    md,
)
from foundation.departments import DepartmentRegistry
from knowledge.render import certs_text, corrections_line
from knowledge.types import CertAnswer, CertPick

# Up to this many departments the overview names each, even one without a certification.
OVERVIEW_ALL = 8
HEADING_MAX = 150
EXAMPLES = "Try `/ai-certs legal`, `/ai-certs cfo advanced`, `/ai-certs security beginner`."


def _pick_text(pick: CertPick, number: int) -> str:
    cert = pick.cert
    facts = [escape_mrkdwn(cert.provider), escape_mrkdwn(cert.level)]
    if cert.topics:
        facts.append("focus: " + escape_mrkdwn(", ".join(t.replace("-", " ") for t in cert.topics)))
    why = "; ".join(pick.reasons)
    why_text = f"_{escape_mrkdwn(why)}._ " if why else ""
    return (
        f"*{number}. {link(cert.url, cert.name)}*\n{' · '.join(facts)}\n"
        f"{why_text}{escape_mrkdwn(cert.summary)}"
    )


RENDERED_KEEP = 256
_rendered: OrderedDict[int, tuple[CertAnswer, str, list[dict[str, Any]]]] = OrderedDict()
_rendered_lock = threading.Lock()


def certs_blocks(answer: CertAnswer, departments: DepartmentRegistry) -> tuple[str, list[dict[str, Any]]]:
    """Render a certification answer: ``(fallback text, blocks)``.

    The knowledge service hands out the same (immutable) answer object for a repeated request
    such as ``/ai-certs legal``, so its rendering is kept too, keyed by identity: Block Kit
    validation costs more than the lookup itself.
    """
    with _rendered_lock:
        kept = _rendered.get(id(answer))
        if kept is not None and kept[0] is answer:
            _rendered.move_to_end(id(answer))
            return kept[1], list(kept[2])
    text, blocks = _render(answer, departments)
    with _rendered_lock:
        _rendered[id(answer)] = (answer, text, blocks)  # holding the answer keeps its id unique
        while len(_rendered) > RENDERED_KEEP:
            _rendered.popitem(last=False)
    return text, list(blocks)


def _render(answer: CertAnswer, departments: DepartmentRegistry) -> tuple[str, list[dict[str, Any]]]:
    fallback = clip(escape_mrkdwn(certs_text(answer, width=None)), FALLBACK_LIMIT)
    blocks: list[Any] = []
    if answer.kind == "empty":
        blocks.append(
            SectionBlock(
                text=md(
                    "No certifications are loaded yet. An admin can load them with "
                    "`briefbot knowledge import certifications.yaml`."
                )
            )
        )
        return fallback, fit_blocks(blocks)
    notes = []
    if note := corrections_line(answer):
        notes.append(escape_mrkdwn(note))
    if answer.request.unknown:
        words = ", ".join(f"“{escape_mrkdwn(w)}”" for w in answer.request.unknown)
        notes.append(f"I didn't understand {words}; I looked for a department, role, topic or level.")
    if answer.kind in ("overview", "no_match"):
        title = "AI certifications by department"
        blocks.append(HeaderBlock(text=clip(title, HEADER_LIMIT)))
        if answer.kind == "no_match" and not answer.request.is_empty:
            notes.append(f"No certification fits “{escape_mrkdwn(answer.query)}”, so here is the overview.")
        if notes:
            blocks.append(ContextBlock(elements=[md(" ".join(notes), CONTEXT_LIMIT)]))
        for group in answer.overview:
            lines = [
                f"• {link(p.cert.url, p.cert.name)} ({escape_mrkdwn(p.cert.provider)}, {p.cert.level})"
                for p in group.picks
            ]
            if not lines and len(answer.overview) > OVERVIEW_ALL:
                continue  # many custom departments: only those with a certification to show
            heading = escaped(departments.label(group.department), HEADING_MAX)
            blocks.append(SectionBlock(text=md(f"*{heading}*\n" + ("\n".join(lines) or "—"))))
    else:
        blocks.append(HeaderBlock(text=clip(f"AI certifications for “{answer.query}”", HEADER_LIMIT)))
        if notes:
            blocks.append(ContextBlock(elements=[md(" ".join(notes), CONTEXT_LIMIT)]))
        for number, pick in enumerate(answer.picks, 1):
            blocks.append(SectionBlock(text=md(_pick_text(pick, number))))
    blocks.append(ContextBlock(elements=[md(f"{escape_mrkdwn(answer.note)} {EXAMPLES}", CONTEXT_LIMIT)]))
    return fallback, fit_blocks(blocks)
