"""Excerpts that answer: the passage of a section that holds the answer, never a fragment.

A section body is split into passages: a paragraph, a list together with the sentence that
leads into it ("Consider these four principles:"), or a sub-heading with what follows it. The
passage holding most of the question's (rarity-weighted) words is shown whole when it fits the
budget; a long list keeps its lead-in and the items that match; a long paragraph is cut at
sentence boundaries, so an excerpt never starts in the middle of a rule.

Excerpts keep the pack's Markdown emphasis and links (``markdown``) so Slack can render them
as mrkdwn; ``plain`` drops the marks for the terminal and JSON.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from foundation.text import truncate
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

_LIST_ITEM = re.compile(r"^(\s*)(?:([-*+])|(\d+|[a-zA-Z])([.)]))\s+(.*)$")
# Any heading inside a section body is a sub-heading (``#``/``##`` start sections, so these are
# ``###`` and deeper, or headings inside an indented Markdown example).
_SUBHEADING = re.compile(r"^\s*#{1,6}\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[\"'(\[*_A-Z0-9])")
_MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_EM = re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])")
_MD_CODE = re.compile(r"`([^`]+)`")
_ANCHOR_MARK = re.compile(r"\s*\{#[^}]*\}\s*$")
# Inline HTML that web pages' Markdown carries (`<span lang="fr">…</span>`, `<abbr>`, `<sup>`):
# the tags are dropped, their text kept, so Slack never shows raw markup.
_INLINE_HTML = re.compile(
    r"</?(?:span|abbr|sup|sub|small|kbd|mark|cite|dfn|q|em|strong|b|i|u)\b[^<>]*>", re.IGNORECASE
)


def plain(markdown: str) -> str:
    """Markdown to plain text: links become their label, emphasis and code marks are dropped."""
    text = _MD_LINK.sub(r"\1", markdown)
    text = _MD_STRONG.sub(r"\2", text)
    text = _MD_EM.sub(r"\2", text)
    return _MD_CODE.sub(r"\1", text)


@dataclass(frozen=True)
class Line:
    """A line of a passage: running text, or a list item with its marker and depth."""

    text: str
    marker: str = ""  # "•" or "1." for list items
    depth: int = 0

    def render(self) -> str:
        if not self.marker:
            return self.text
        return "   " * self.depth + f"{self.marker} {self.text}"


@dataclass(frozen=True)
class Passage:
    """A unit an excerpt may show: optional lead-in lines, then the body lines."""

    lead: tuple[Line, ...]
    lines: tuple[Line, ...]

    @property
    def all_lines(self) -> tuple[Line, ...]:
        return self.lead + self.lines

    def text(self) -> str:
        return "\n".join(line.render() for line in self.all_lines)


def _blocks(body: str) -> list[list[str]]:
    """Blank-line separated blocks, with a block also broken where a list starts or ends."""
    blocks: list[list[str]] = []
    current: list[str] = []
    previous_item = False
    fence: list[str] | None = None
    for raw in body.splitlines():
        if fence is not None:  # a fenced code block is one block, kept verbatim
            fence.append(raw)
            if _FENCE.match(raw):
                blocks.append(fence)
                fence = None
            continue
        if _FENCE.match(raw):
            if current:
                blocks.append(current)
            current, previous_item, fence = [], False, [raw]
            continue
        if not raw.strip():
            if current:
                blocks.append(current)
            current, previous_item = [], False
            continue
        if _RULE.match(raw):
            continue  # a horizontal rule separates nothing an excerpt needs
        is_item = bool(_LIST_ITEM.match(raw))
        is_continuation = previous_item and raw.startswith((" ", "\t")) and not is_item
        is_row = raw.lstrip().startswith("|")
        starts_table = is_row and not (current and current[-1].lstrip().startswith("|"))
        ends_table = not is_row and bool(current) and current[-1].lstrip().startswith("|")
        if current and (((is_item != previous_item) and not is_continuation) or starts_table or ends_table):
            blocks.append(current)
            current = []
        if _SUBHEADING.match(raw):
            if current:
                blocks.append(current)
            blocks.append([raw])
            current, previous_item = [], False
            continue
        current.append(raw)
        previous_item = is_item or is_continuation
    for rest in (current, fence):
        if rest:
            blocks.append(rest)
    return blocks


def _lines(block: list[str]) -> tuple[Line, ...]:
    """A block as lines: list items (continuations joined), a code block, or one paragraph."""
    if _FENCE.match(block[0]):
        return (Line("\n".join(block)),)
    block = [_INLINE_HTML.sub("", raw) for raw in block]
    if block[0].lstrip().startswith("|"):
        return _table(block)
    if not _LIST_ITEM.match(block[0]):
        return (Line(" ".join(part.strip() for part in block)),)
    out: list[Line] = []
    for raw in block:
        match = _LIST_ITEM.match(raw)
        if match:
            indent, bullet, number, punct, content = match.groups()
            marker = "•" if bullet else f"{number}{punct}"
            out.append(Line(content.strip(), marker, min(len(indent.expandtabs(4)) // 2, 3)))
        elif out:
            last = out[-1]
            out[-1] = Line(f"{last.text} {raw.strip()}", last.marker, last.depth)
    return tuple(out)


def _table(block: list[str]) -> tuple[Line, ...]:
    """A pipe table: its header row as text, every other row as an item ("a | b | c")."""
    rows = []
    for raw in block:
        if _TABLE_SEPARATOR.match(raw):
            continue
        cells = [cell.strip() for cell in raw.strip().strip("|").split("|")]
        rows.append(" | ".join(cell for cell in cells if cell))
    has_header = len(block) > 1 and bool(_TABLE_SEPARATOR.match(block[1]))
    lines = [Line(row, "" if i == 0 and has_header else "•") for i, row in enumerate(rows) if row]
    return tuple(lines)


def _passage(lead: tuple[Line, ...], block: tuple[Line, ...]) -> Passage:
    """A passage of ``block`` led by ``lead``; a table's header row joins the lead."""
    if len(block) > 1 and not block[0].marker and all(line.marker for line in block[1:]):
        return Passage(lead + block[:1], block[1:])
    return Passage(lead, block)


def passages(body: str) -> list[Passage]:
    """The passages of a section body, in order."""
    raw = _blocks(body)
    blocks = [None if _is_heading(b) else _lines(b) for b in raw]
    out: list[Passage] = []
    i = 0
    while i < len(raw):
        heading = _SUBHEADING.match(raw[i][0]) if _is_heading(raw[i]) else None
        if heading:
            title = _ANCHOR_MARK.sub("", heading.group(1))
            following = blocks[i + 1] if i + 1 < len(blocks) else None
            if following is None:
                out.append(Passage((), (Line(f"*{title}*"),)))
                i += 1
                continue
            lead = [Line(f"*{title}*")]
            nxt = i + 1
            # A sub-heading, then a lead-in paragraph, then its list: keep all three together.
            if _leads_in(following, blocks[nxt + 1] if nxt + 1 < len(blocks) else None):
                lead += list(following)
                nxt += 1
            out.append(_passage(tuple(lead), blocks[nxt] or ()))
            i = nxt + 1
            continue
        current = blocks[i] or ()
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        if _leads_in(current, after):
            out.append(_passage(current, after or ()))
            i += 2
            continue
        out.append(_passage((), current))
        i += 1
    return [p for p in out if p.all_lines]


def _is_heading(block: list[str]) -> bool:
    return len(block) == 1 and bool(_SUBHEADING.match(block[0]))


def _leads_in(block: tuple[Line, ...] | None, after: tuple[Line, ...] | None) -> bool:
    """A paragraph followed by a list or a code example leads into it (it introduces them)."""
    if not block or not after or block[0].marker or block[0].text.startswith(("```", "~~~")):
        return False
    is_table = len(after) > 1 and all(line.marker for line in after[1:])
    return bool(after[0].marker) or is_table or after[0].text.startswith(("```", "~~~"))


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
    sentences = _SENTENCE_END.split(text)
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
