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
from datetime import datetime, timedelta

from knowledge import gap_store
from knowledge.config import KnowledgeConfig
from knowledge.gap_store import GapRow
from knowledge.text import stem
from knowledge.types import DigestMessage, GapGroup, PolicyAnswer
from storage import Database
from storage.types import utcnow

log = logging.getLogger(__name__)

# Two asks are the same question when this share of their concepts (by stem) is shared.
SIMILAR = 0.5
# A digest lists at most this many groups per destination (most asked first).
DIGEST_GROUPS = 15
DIGEST_DAYS = 7

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


def digest_text(groups: Sequence[GapGroup], *, days: int, about: str | None) -> str:
    """The digest as Slack mrkdwn-safe plain text (questions are escaped by the poster's caller)."""
    what = f" near *{about}*" if about else ""
    lines = [f"Questions our AI policies could not answer{what} in the last {days} days:"]
    for g in groups[:DIGEST_GROUPS]:
        times = f"{g.count}×" if g.count > 1 else "once"
        who = f" ({', '.join(g.departments)})" if g.departments else ""
        kind = " — a related section was shown" if g.verdict == "related" else ""
        lines.append(f"• “{escape_text(g.example)}” — asked {times}{who}{kind}")
    if len(groups) > DIGEST_GROUPS:
        lines.append(f"…and {len(groups) - DIGEST_GROUPS} more: `briefbot knowledge gaps`.")
    lines.append("Consider adding a section, or tell people where the answer lives.")
    return "\n".join(lines)


def escape_text(text: str) -> str:
    # Questions are user text: no <!channel> or <@U…> may reach the owners' channel.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class GapLog:
    """Records unanswered questions and reports them to the people who can fix the policies."""

    def __init__(
        self, *, db: Database, config: KnowledgeConfig, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.db = db
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
            with self.db.session() as session:
                gap_store.add_gap(session, row)
        except Exception:
            log.exception("could not log an unanswered policy question")

    def groups(self, *, days: int = DIGEST_DAYS) -> list[GapGroup]:
        """Unanswered questions of the last ``days`` days, similar ones grouped."""
        with self.db.read() as session:
            rows = gap_store.gaps_since(session, self.clock() - timedelta(days=days))
        return group_gaps(rows)

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
            text = digest_text(groups, days=days, about=titles.get(policy_id) if policy_id else None)
            if policy_id is not None:
                channel = owner_channels[policy_id]
                messages.append(DigestMessage(channel, "owner_channel", policy_id, text, len(groups)))
            elif contact := self.config.contact_channel:
                messages.append(DigestMessage(contact, "contact", None, text, len(groups)))
            else:
                messages += [DigestMessage(a, "admin", None, text, len(groups)) for a in self.config.admins]
        return messages
