"""Unanswered questions: the log, the grouped report, and the digest for policy owners.

Every "no policy covers this" and "related, not an answer" is logged with its concepts. The
report groups asks whose concepts are the same or largely overlap ("reset my vpn password",
"vpn password reset?"). The digest goes to each policy's ``owner_channel`` for the asks its
sections came closest to, and everything else to the channel BRIEFBOT_POLICY_CONTACT names, or
by direct message to each admin when it names none. Slack stays outside: the caller hands in a
``post(destination, text)`` callable.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from knowledge.config import KnowledgeConfig
from knowledge.store import GapRow, GapStore
from knowledge.text import stem
from knowledge.types import DigestMessage, GapGroup, PolicyAnswer
from storage.types import utcnow

log = logging.getLogger(__name__)

# Two asks are the same question when this share of their concepts (by stem) is shared.
SIMILAR = 0.5
# A digest lists at most this many groups per destination (most asked first).
DIGEST_GROUPS = 15
DIGEST_DAYS = 7
# Slack's chat.postMessage: "For best results, limit the number of characters in the text field
# to 4,000 characters ... Slack will truncate messages containing more than 40,000 characters."
# A weekly message keeps to the first: a busy week is split into numbered parts, at most
# MAX_PARTS, and what still does not fit is summarised as "…and N more".
MESSAGE_BUDGET = 4000
MAX_PARTS = 5
# No one line (a question, a story with its link) is longer, so every part holds several.
LINE_MAX = 1000
# Room kept in each part for its "part k of n" prefix, the closing line and the summary.
_RESERVE = 400

Post = Callable[[str, str], object]
# The asker's department, or a callable that finds it only when a gap is logged.
DepartmentHint = str | Callable[[], str | None] | None


def concept_key(concepts: Iterable[str]) -> str:
    """The concepts of a question as one sorted, stemmed key (the log's grouping column)."""
    return " ".join(sorted({stem(word) for concept in concepts for word in concept.split()}))


def group_gaps(rows: Sequence[GapRow]) -> list[GapGroup]:
    """Group asks with equal or largely overlapping concepts; most asked first."""
    clusters: list[tuple[set[str], list[GapRow]]] = []
    for row in rows:
        key = set(row.concept_key.split()) or {row.question.lower()}
        for stems_, members in clusters:
            if len(key & stems_) / len(key | stems_) >= SIMILAR:
                members.append(row)
                stems_ |= key
                break
        else:
            clusters.append((key, [row]))
    groups = [_group(members) for _stems, members in clusters]
    groups.sort(key=lambda g: (-g.count, g.example))
    return groups


def _group(members: list[GapRow]) -> GapGroup:
    questions = Counter(m.question for m in members)
    policies = Counter(m.policy_id for m in members if m.policy_id)
    return GapGroup(
        example=questions.most_common(1)[0][0],
        questions=tuple(q for q, _n in questions.most_common()),
        count=len(members),
        verdict="related" if any(m.verdict == "related" for m in members) else "no_match",
        first_asked=min(m.asked_at for m in members).isoformat(),
        last_asked=max(m.asked_at for m in members).isoformat(),
        departments=tuple(sorted({m.department for m in members if m.department})),
        policy_id=policies.most_common(1)[0][0] if policies else None,
    )


@dataclass(frozen=True)
class Line:
    """One line of a weekly message; ``items``: how many questions or stories it lists (a
    heading lists none), for the "…and N more" of what did not fit."""

    text: str
    items: int = 1


@dataclass(frozen=True)
class Part:
    """One message of a (possibly split) weekly post and how many items it lists."""

    text: str
    items: int


def fit_message(head: str, lines: Sequence[Line], tail: str, *, more: str) -> list[Part]:
    """``head``, ``lines`` and ``tail`` as messages of at most ``MESSAGE_BUDGET`` characters:
    one when it fits, else parts numbered "(part k of n)", at most ``MAX_PARTS``; lines beyond
    those are summarised as "…and N more" followed by ``more`` (where to read them all)."""
    chunks: list[list[Line]] = [[]]
    size = len(head)
    left = 0
    for index, line in enumerate(lines):
        cut = Line(clip_line(line.text, LINE_MAX), line.items)
        if size + len(cut.text) + 1 > MESSAGE_BUDGET - _RESERVE:
            if len(chunks) == MAX_PARTS:
                left = sum(rest.items for rest in lines[index:])
                break
            # A policy's heading moves on with its first story rather than end a part.
            carried = [chunks[-1].pop()] if chunks[-1] and chunks[-1][-1].items == 0 else []
            chunks.append(carried)
            size = sum(len(c.text) + 1 for c in carried)
        chunks[-1].append(cut)
        size += len(cut.text) + 1
    parts = []
    for number, chunk in enumerate(chunks, 1):
        out = [head] if number == 1 else [f"(part {number} of {len(chunks)}, continued)"]
        if number == 1 and len(chunks) > 1:
            out[0] = f"{head} (part 1 of {len(chunks)})"
        out += [line.text for line in chunk]
        if number == len(chunks):
            if left:
                out.append(f"…and {left} more: {more}.")
            out.append(tail)
        parts.append(Part("\n".join(out), sum(line.items for line in chunk)))
    return parts


def clip_line(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def digest_parts(groups: Sequence[GapGroup], *, days: int, about: str | None) -> list[Part]:
    """The digest as Slack mrkdwn-safe plain text: what people typed and the policy title are
    escaped here; split or summarised to stay within the message budget."""
    what = f" near *{escaped_line(about, 200)}*" if about else ""
    head = f"Questions our AI policies could not answer{what} in the last {days} days:"
    lines = []
    for g in groups[:DIGEST_GROUPS]:
        times = f"{g.count}×" if g.count > 1 else "once"
        who = f" ({escaped_line(', '.join(g.departments), 200)})" if g.departments else ""
        kind = " — a related section was shown" if g.verdict == "related" else ""
        lines.append(Line(f"• “{escaped_line(g.example, 300)}” — asked {times}{who}{kind}"))
    if len(groups) > DIGEST_GROUPS:  # the digest lists the most asked; the CLI lists them all
        extra = len(groups) - DIGEST_GROUPS
        lines.append(Line(f"…and {extra} more: `briefbot knowledge gaps`.", items=extra))
    return fit_message(
        head,
        lines,
        "Consider adding a section, or tell people where the answer lives.",
        more="`briefbot knowledge gaps`",
    )


def escaped_line(text: str, limit: int) -> str:
    """``text`` cut, then escaped, so that the escaped text fits ``limit`` (cutting after
    escaping could split ``&amp;``)."""
    size = limit
    while True:
        out = escape_text(clip_line(text, size))
        if len(out) <= limit or size <= 1:
            return out if len(out) <= limit else ""
        size -= max(1, len(out) - limit)


def escape_text(text: str) -> str:
    """Slack's three mrkdwn control characters escaped (``&`` first): user, feed and admin text
    in the weekly messages (the bot's own views use ``bot.slack_text``; knowledge cannot import
    it, and its posts are plain text built here)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class GapLog:
    """Records unanswered questions and reports them to the people who can fix the policies."""

    def __init__(
        self, *, store: GapStore, config: KnowledgeConfig, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.store = store
        self.config = config
        self.clock = clock

    def record(self, answer: PolicyAnswer, *, department: DepartmentHint = None) -> None:
        """Log an unanswered question; a logging failure never costs the user their answer."""
        if not answer.unanswered or not answer.query:
            return
        closest = answer.related[0].policy_id if answer.related else None
        try:
            asker = department() if callable(department) else department
            key = concept_key(answer.concepts)
            row = GapRow(self.clock(), answer.query, key, answer.kind, asker, closest)
            self.store.add(row)
        except Exception:
            log.exception("could not log an unanswered policy question")

    def groups(self, *, days: int = DIGEST_DAYS) -> list[GapGroup]:
        """Unanswered questions of the last ``days`` days, similar ones grouped."""
        return group_gaps(self.store.since(self.clock() - timedelta(days=days)))

    def digest(
        self, owner_channels: dict[str, str], titles: dict[str, str], *, days: int
    ) -> list[DigestMessage]:
        """The digest posts to make: one per destination, nothing when nothing went unanswered."""
        # Policy id (None: no owner channel applies) -> its groups.
        by_policy: dict[str | None, list[GapGroup]] = {}
        for group in self.groups(days=days):
            owned = group.policy_id if group.policy_id in owner_channels else None
            by_policy.setdefault(owned, []).append(group)
        messages: list[DigestMessage] = []
        for policy_id, groups in by_policy.items():
            about = titles.get(policy_id) if policy_id else None
            for part in digest_parts(groups, days=days, about=about):
                text, count = part.text, part.items
                if policy_id is not None:
                    channel = owner_channels[policy_id]
                    messages.append(DigestMessage(channel, "owner_channel", policy_id, text, count))
                elif contact := self.config.contact_channel:
                    messages.append(DigestMessage(contact, "contact", None, text, count))
                else:
                    messages += [DigestMessage(a, "admin", None, text, count) for a in self.config.admins]
        return messages
