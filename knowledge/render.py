"""Plain-text answers for the terminal (``briefbot policy``/``certs`` and the demo).

Slack rendering lives in ``bot/views``; both show the same facts in the same order.
"""

from __future__ import annotations

import textwrap

from knowledge.types import CertAnswer, CertPick, PolicyAnswer, SectionHit

WIDTH = 96

# The wording users see when nothing answers (shared with the Slack view).
NO_POLICY = "No AI policy covers"
NOT_ANSWERED = "No policy section answers"
RELATED_LABEL = "Related, but not an answer:"
SUGGESTIONS_LABEL = "Closest AI-policy topics (suggestions, not answers):"


def who_to_ask(answer: PolicyAnswer) -> tuple[str, str | None]:
    """(who, Slack channel ID or None) for the "Not sure? Ask …" line: the owner of the policy
    that answers (or of the related section shown) and its ``owner_channel``; the global contact
    only when no policy applies or the policy names nobody."""
    shown = answer.hits[:1] or (answer.related[:1] if answer.kind == "related" else ())
    if shown and (shown[0].owner or shown[0].owner_channel):
        return shown[0].owner, shown[0].owner_channel
    return answer.contact, None


def contact_text(answer: PolicyAnswer) -> str:
    """Who to ask as text; a channel as ``<#C…>``, which Slack shows as the channel's name."""
    who, channel = who_to_ask(answer)
    if channel and who:
        return f"{who} in <#{channel}>"
    return f"<#{channel}>" if channel else who


def _wrap(text: str, indent: str = "  ", width: int | None = WIDTH) -> str:
    """Fill to ``width`` for a terminal; ``None`` leaves the line whole (Slack wraps it itself)."""
    if width is None:
        return indent + text
    return textwrap.fill(text, width, initial_indent=indent, subsequent_indent=indent)


def source_line(hit: SectionHit) -> str:
    """``Owner: ... · updated 2026-11-02``."""
    parts = []
    if hit.owner:
        parts.append(f"Owner: {hit.owner}")
    if hit.updated:
        parts.append(f"updated {hit.updated}")
    return " · ".join(parts)


def corrections_line(answer: PolicyAnswer | CertAnswer) -> str | None:
    corrections = answer.corrections if isinstance(answer, PolicyAnswer) else answer.request.corrections
    if not corrections:
        return None
    pairs = ", ".join(f"“{c.original}” as “{c.replacement}”" for c in corrections)
    return f"Read {pairs}."


def policy_text(answer: PolicyAnswer, width: int | None = WIDTH) -> str:
    """The policy answer as plain text, filled to ``width`` (``None``: unwrapped lines)."""
    lines: list[str] = []
    if answer.kind == "empty":
        return (
            f"No policies are loaded yet. Ask {answer.contact}, "
            "or an admin can run `briefbot knowledge import`."
        )
    if answer.kind == "list":
        lines.append("AI policies (ask a question, e.g. “can I paste customer data into ChatGPT?”):")
        for p in answer.policies:
            owner = f" — {p.owner}" if p.owner else ""
            lines.append(f"  • {p.title}{owner} ({p.sections} sections)")
        lines.append(f"Questions about these policies: {answer.contact}.")
        return "\n".join(lines)
    note = corrections_line(answer)
    if answer.kind in ("no_match", "related"):
        lines.append(
            f"{NO_POLICY} “{answer.query}”."
            if answer.kind == "no_match"
            else f"{NOT_ANSWERED} “{answer.query}”."
        )
        if note:
            lines.append(note)
        if answer.related:
            lines.append(RELATED_LABEL)
            lines += [
                f"  • {h.heading} — {h.policy_title}" + (f"  {h.url}" if h.url else "")
                for h in answer.related
            ]
        if answer.suggestions:
            lines.append(SUGGESTIONS_LABEL)
            lines += [f"  • {s}" for s in answer.suggestions]
        lines.append(f"Please ask {contact_text(answer)}.")
        return "\n".join(lines)
    if note:
        lines.append(note)
    if answer.composed is not None:
        lines.append(_wrap(answer.composed.text, width=width))
        lines.append(f"  (written by {answer.composed.model} from the sections below; they are what counts)")
    best = answer.hits[0]
    lines.append(f"{best.heading} — {best.policy_title}")
    lines += [_wrap(line, width=width) for line in best.excerpt.splitlines()]
    if source := source_line(best):
        lines.append(f"  {source}")
    if best.url:
        lines.append(f"  {best.url}")
    if len(answer.hits) > 1:
        lines.append("Related:")
        for hit in answer.hits[1:]:
            lines.append(f"  • {hit.heading} — {hit.policy_title}" + (f"  {hit.url}" if hit.url else ""))
    lines.append(f"Not sure it applies? Ask {contact_text(answer)}.")
    return "\n".join(lines)


def _pick_lines(pick: CertPick, number: int | None = None, width: int | None = WIDTH) -> list[str]:
    cert = pick.cert
    lead = f"{number}. " if number is not None else "• "
    lines = [f"{lead}{cert.name} — {cert.provider} ({cert.level})"]
    if cert.topics:
        lines.append(f"   Focus: {', '.join(t.replace('-', ' ') for t in cert.topics)}")
    why = "; ".join(pick.reasons)
    lines.append(_wrap(f"Why: {why + '. ' if why else ''}{cert.summary}", "   ", width))
    lines.append(f"   {cert.url}")
    return lines


def cert_subject(answer: CertAnswer) -> str:
    """What was asked, for a title: ``“cfo”``, ``“cfo” at advanced level`` (the ``--level``
    option is not part of the words typed), or ``any topic at advanced level``."""
    if not answer.level:
        return f"“{answer.query}”"
    return f"{f'“{answer.query}”' if answer.query else 'any topic'} at {answer.level} level"


def certs_text(answer: CertAnswer, width: int | None = WIDTH) -> str:
    """The certification answer as plain text, filled to ``width`` (``None``: unwrapped lines)."""
    if answer.kind == "empty":
        return "No certifications are loaded yet. An admin can run `briefbot knowledge import FILE.yaml`."
    lines: list[str] = []
    if note := corrections_line(answer):
        lines.append(note)
    if answer.request.unknown:
        lines.append("Not understood: " + ", ".join(f"“{w}”" for w in answer.request.unknown) + ".")
    if answer.kind in ("overview", "no_match"):
        if answer.kind == "no_match":
            lines.append(f"No certification matches {cert_subject(answer)}. Here is the overview instead.")
        lines.append("Recommended AI certifications by department (try `certs legal`, `certs cfo advanced`):")
        for group in answer.overview:
            lines.append(f"{group.department}:")
            lines += [f"  • {p.cert.name} — {p.cert.provider} ({p.cert.level})" for p in group.picks]
    else:
        lines.append(f"Certifications for {cert_subject(answer)}:")
        for i, pick in enumerate(answer.picks, 1):
            lines += _pick_lines(pick, i, width)
    lines.append(answer.note)
    return "\n".join(lines)
