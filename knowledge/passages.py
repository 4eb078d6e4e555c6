"""A section body split into passages, the units an excerpt is made of (``knowledge.excerpt``).

A section body is split into passages: a paragraph, a list together with the sentence that
leads into it ("Consider these four principles:"), or a sub-heading with what follows it.

Excerpts keep the pack's Markdown emphasis and links (``markdown``) so Slack can render them
as mrkdwn; ``plain`` drops the marks for the terminal and JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LIST_ITEM = re.compile(r"^(\s*)(?:([-*+])|(\d+|[a-zA-Z])([.)]))\s+(.*)$")
# Any heading inside a section body is a sub-heading (``#``/``##`` start sections, so these are
# ``###`` and deeper, or headings inside an indented Markdown example).
_SUBHEADING = re.compile(r"^\s*#{1,6}\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")
SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[\"'(\[*_A-Z0-9])")
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
