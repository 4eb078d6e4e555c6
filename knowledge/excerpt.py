"""Excerpts that answer: the passage of a section that holds the answer, never a fragment.

The passage (``knowledge.passages``) holding most of the question's (rarity-weighted) words is
shown whole when it fits the budget; a long list keeps its lead-in and the items that match; a
long paragraph is cut at sentence boundaries, so an excerpt never starts in the middle of a rule.
Excerpts keep the pack's Markdown emphasis and links so Slack can render them as mrkdwn.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from foundation.text import truncate
from knowledge.passages import SENTENCE_END, Line, Passage, passages, plain
from knowledge.text import stems

# Characters of an excerpt: a paragraph or two, or a list with its lead-in (Slack's section limit
# is 3000; more than this stops reading as an answer).
MAX_CHARS = 900
ELLIPSIS = "…"
# Weight, in choosing a passage, of a matched word that is already in the section's heading.
HEADING_DISCOUNT = 0.25
# The question words the chosen passage lacks add a second passage only when they weigh at least
# this share of what the chosen passage holds ("chatbot" beside "LLM": yes; "follow" beside
# "French style Canada.ca": no).
RETURN_SHARE = 0.5
# A section's opening paragraph at most this long is a one-line statement of its rule.
OPENING_CHARS = 160
# How a rule reads in general English: an obligation, a prohibition or a permission.
_RULE_WORDS = re.compile(
    r"\b(?:must|should|shall|never|always|required?|prohibited|forbidden)\b"
    r"|\b(?:may not|cannot|can't|do not|don't)\b",
    re.IGNORECASE,
)


def _weight_of(line: Line, wanted: dict[str, float]) -> set[str]:
    return set(stems(plain(line.text))) & wanted.keys()


# A line that is only a link ("• [Privacy disclaimer pattern](https://…)") points elsewhere; the
# words of its label say what the linked page is about, not what this section rules.
_LINK_ONLY = re.compile(r"^\s*\[[^\]]+\]\([^)\s]+\)\s*[.;,]?\s*$")
LINK_ONLY_WEIGHT = 0.25


def _held(p: Passage, wanted: dict[str, float]) -> dict[str, float]:
    """The wanted stems a passage holds, each with its weight (link-only lines count less)."""
    held: dict[str, float] = {}
    for line in p.all_lines:
        factor = LINK_ONLY_WEIGHT if _LINK_ONLY.match(line.text) else 1.0
        for s in _weight_of(line, wanted):
            held[s] = max(held.get(s, 0.0), wanted[s] * factor)
    return held


def excerpt(
    body: str,
    match_stems: Iterable[str] | dict[str, float],
    max_chars: int = MAX_CHARS,
    *,
    heading: str = "",
) -> str:
    """The passage that best holds the matched stems, as Markdown (see the module doc).

    A section that fits the budget is shown whole (its passages often refer back to each
    other). Words of the section's ``heading`` count for little in choosing a passage: the
    heading is shown anyway, and the passage should hold the rest of the question.
    """
    wanted = dict(match_stems) if isinstance(match_stems, dict) else dict.fromkeys(match_stems, 1.0)
    for s in set(stems(heading)) & wanted.keys():
        wanted[s] *= HEADING_DISCOUNT
    found = passages(body)
    if not found:
        return ""
    whole = "\n".join(p.text() for p in found)
    if len(whole) <= max_chars:
        return whole

    holds = [_held(p, wanted) for p in found]
    scores = [sum(h.values()) for h in holds]
    best = max(range(len(found)), key=lambda i: (scores[i], -i))
    passage = found[best]
    text = passage.text()
    # A bare paragraph often refers back to the one before ("The same answer applies when
    # ..."); one led by its own sub-heading or lead-in stands alone. A short passage (a one-line
    # rule) reads better with the one after.
    before = found[best - 1].text() if best > 0 and not passage.lead else ""
    if before and len(before) + len(text) + 1 <= max_chars:
        text = before + "\n" + text
    elif best + 1 < len(found) and not found[best + 1].lead and len(text) < max_chars // 2:
        joined = text + "\n" + found[best + 1].text()
        if len(joined) <= max_chars:
            text = joined
    if len(text) > max_chars:
        return _shorten(passage, wanted, max_chars)
    text = _with_rest(text, best, found, holds, wanted, max_chars)
    return _with_opening(text, found, max_chars)


def _with_opening(text: str, found: list[Passage], max_chars: int) -> str:
    """A section that opens with one short statement ("AI help applications must be clearly
    labelled as AI.") states its rule there: shown first, when the excerpt leaves it out."""
    first = found[0]
    opening = first.text()
    if first.lead or len(first.lines) != 1 or first.lines[0].marker or len(opening) > OPENING_CHARS:
        return text
    if opening.rstrip().endswith(":") or not _RULE_WORDS.search(opening):
        return text  # a lead-in ("…these restrictions:") or scene-setting, not the rule itself
    if text.startswith(opening) or len(opening) + len(text) + len(ELLIPSIS) + 2 > max_chars:
        return text
    gap = "\n" if len(found) > 1 and text.startswith(found[1].text()) else f"\n{ELLIPSIS}\n"
    return f"{opening}{gap}{text}"


def _with_rest(
    text: str,
    best: int,
    found: list[Passage],
    holds: list[dict[str, float]],
    wanted: dict[str, float],
    max_chars: int,
) -> str:
    """The chosen passage plus the one passage holding most of the question's words it lacks,
    when both fit: "the difference between an LLM and a chatbot" wants both definitions, which
    sit under two sub-headings. Shown in the section's order, a gap marked with an ellipsis."""
    shown = text
    missing = {s for s in wanted if s not in holds[best]}
    if not missing:
        return shown
    # A lead-in cut off from what it leads into ("…follow these restrictions:") answers nothing.
    gains = [
        0.0 if found[i].text().rstrip().endswith(":") else sum(w for s, w in holds[i].items() if s in missing)
        for i in range(len(found))
    ]
    other = max(range(len(found)), key=lambda i: (gains[i], -i))
    extra = found[other].text()
    if gains[other] < RETURN_SHARE * sum(holds[best].values()) or other == best or extra in text:
        return shown
    if len(text) + len(extra) + len(ELLIPSIS) + 2 > max_chars:
        return shown
    gap = "\n" if abs(other - best) == 1 else f"\n{ELLIPSIS}\n"
    return f"{extra}{gap}{text}" if other < best else f"{text}{gap}{extra}"


def _shorten(passage: Passage, wanted: dict[str, float], max_chars: int) -> str:
    """A long passage cut to fit: a list keeps its lead-in and the items that match (then the
    first ones); a paragraph keeps the best run of whole sentences."""
    lead = [line for line in passage.lead]
    if passage.lines and passage.lines[0].marker:
        lead_text = "\n".join(_fit_paragraph(line, wanted, max_chars // 2) for line in lead)
        budget = max_chars - len(lead_text) - 2
        items = list(passage.lines)
        ranked = sorted(
            range(len(items)),
            key=lambda i: (-sum(wanted[s] for s in _weight_of(items[i], wanted)), i),
        )
        keep: set[int] = set()
        used = 0
        for i in ranked:
            size = len(items[i].render()) + 1
            if used + size > budget:
                continue
            keep.add(i)
            used += size
        if not keep:
            keep.add(ranked[0])
        out = [lead_text] if lead_text else []
        skipped = False
        for i, item in enumerate(items):
            if i in keep:
                if skipped:
                    out.append(ELLIPSIS)
                    skipped = False
                out.append(_clip_words(item.render(), budget))
            else:
                skipped = True
        if skipped:
            out.append(ELLIPSIS)
        return "\n".join(out)
    parts = [_fit_paragraph(line, wanted, max_chars) for line in (*lead, *passage.lines)]
    return _clip_words("\n".join(parts), max_chars)


def _fit_paragraph(line: Line, wanted: dict[str, float], max_chars: int) -> str:
    """A paragraph cut to whole sentences: the run with most matched weight, earliest first."""
    text = line.render()
    if len(text) <= max_chars:
        return text
    sentences = SENTENCE_END.split(text)
    weights = [sum(wanted[s] for s in set(stems(plain(x))) & wanted.keys()) for x in sentences]
    best: tuple[float, int, int] = (-1.0, 0, 1)
    for start in range(len(sentences)):
        size, total, end = 0, 0.0, start
        while end < len(sentences) and size + len(sentences[end]) + 1 <= max_chars:
            size += len(sentences[end]) + 1
            total += weights[end]
            end += 1
        if end == start:  # one sentence longer than the budget: shown from its start, cut
            end, total = start + 1, weights[start]
        if total > best[0]:
            best = (total, start, end)
    _, start, end = best
    chosen = " ".join(sentences[start:end])
    chosen = _clip_words(chosen, max_chars - 4)
    more = end < len(sentences) and not chosen.endswith(ELLIPSIS)
    return (ELLIPSIS + " " if start else "") + chosen + (" " + ELLIPSIS if more else "")


def _clip_words(text: str, limit: int) -> str:
    return truncate(text, limit, trailing=" ,;:")


def weighted(stems_: Iterable[str], weight: Callable[[str], float]) -> dict[str, float]:
    """Matched stems with a weight each (rarer words count for more in picking a passage)."""
    return {s: max(weight(s), 0.1) for s in stems_}
