"""SQL behind :class:`briefings.feedback.store.FeedbackStore` (``story_votes`` and ``channel_filters``)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from briefings.feedback.tuning import ChannelFilters, Vote
from feeds.queries import story_headline
from storage import Database
from storage.audit import Actor, record
from storage.models import ChannelFilter, DeliveredStory, StoryVote


class SqlFeedback:
    """:class:`FeedbackStore` on the project database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def story_headline(self, story_id: int) -> tuple[str, str] | None:
        """(headline, first source's name) of a stored story; None once it is pruned."""
        with self.db.read() as session:
            return story_headline(session, story_id)

    def was_posted(self, channel_id: str, story_id: int) -> bool:
        """Whether a briefing posted ``story_id`` in ``channel_id`` (votes count only there)."""
        with self.db.read() as session:
            found = session.scalar(
                select(DeliveredStory.id).where(
                    DeliveredStory.channel_id == channel_id, DeliveredStory.story_id == story_id
                )
            )
        return found is not None

    def record_vote(self, channel_id: str, department: str, vote: Vote) -> None:
        values = {
            "channel_id": channel_id,
            "department": department,
            "story_id": vote.story_id,
            "user_id": vote.user_id,
            "vote": 1 if vote.useful else -1,
            "terms": " ".join(vote.terms),
            "source": vote.source,
            "voted_at": vote.voted_at,
        }
        stmt = self.db.insert(StoryVote).values(**values)
        stmt = stmt.on_conflict_do_update(
            index_elements=["channel_id", "department", "story_id", "user_id"],
            set_={k: stmt.excluded[k] for k in ("vote", "terms", "source", "voted_at")},
        )
        with self.db.session() as session:
            session.execute(stmt)

    def votes(self, channel_id: str, department: str) -> list[Vote]:
        query = select(StoryVote).where(
            StoryVote.channel_id == channel_id, StoryVote.department == department
        )
        with self.db.read() as session:
            rows = session.scalars(query.order_by(StoryVote.id)).all()
        return [
            Vote(
                story_id=r.story_id,
                user_id=r.user_id,
                useful=r.vote > 0,
                terms=tuple(r.terms.split()),
                source=r.source,
                voted_at=r.voted_at,
            )
            for r in rows
        ]

    def voted_departments(self, channel_id: str) -> list[str]:
        query = select(StoryVote.department).where(StoryVote.channel_id == channel_id).distinct()
        with self.db.read() as session:
            return sorted(session.scalars(query))

    def voted_channels(self) -> set[str]:
        with self.db.read() as session:
            return set(session.scalars(select(StoryVote.channel_id).distinct()))

    def filters(self, channel_id: str) -> ChannelFilters:
        return self.all_filters(channel_id).get(channel_id, ChannelFilters())

    def all_filters(self, channel_id: str | None = None) -> dict[str, ChannelFilters]:
        query = select(ChannelFilter.channel_id, ChannelFilter.kind, ChannelFilter.phrase)
        if channel_id is not None:
            query = query.where(ChannelFilter.channel_id == channel_id)
        found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        with self.db.read() as session:
            for channel, kind, phrase in session.execute(query.order_by(ChannelFilter.id)):
                found[channel][kind].append(phrase)
        return {c: ChannelFilters(mutes=tuple(k["mute"]), boosts=tuple(k["boost"])) for c, k in found.items()}

    def set_filter(
        self, channel_id: str, kind: str, phrase: str, *, on: bool, actor: Actor, now: datetime | None = None
    ) -> bool:
        """Add (``on``) or remove the phrase; False when there was nothing to change."""
        where = (
            ChannelFilter.channel_id == channel_id,
            ChannelFilter.kind == kind,
            ChannelFilter.phrase == phrase,
        )
        with self.db.session() as session:
            if on:
                values: dict[str, Any] = {
                    "channel_id": channel_id,
                    "kind": kind,
                    "phrase": phrase,
                    "created_by": actor.id,
                }
                if now is not None:
                    values["created_at"] = now
                stmt = (
                    self.db.insert(ChannelFilter)
                    .values(**values)
                    .on_conflict_do_nothing(index_elements=["channel_id", "kind", "phrase"])
                    .returning(ChannelFilter.id)
                )
            else:
                stmt = delete(ChannelFilter).where(*where).returning(ChannelFilter.id)
            # RETURNING tells a written row from a skipped conflict the same way on both backends.
            changed = session.execute(stmt).first() is not None
            if changed:
                action = f"filter.{kind}" if on else f"filter.un{kind}"
                record(session, actor, action, channel_id, phrase=phrase)
        return changed
