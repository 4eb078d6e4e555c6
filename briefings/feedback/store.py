"""Story votes and channel keyword filters behind a protocol (the rows of ``story_votes`` and
``channel_filters``). Each method is one transaction; datetimes are aware UTC; safe to call from
any thread (each call opens its own session)."""

from __future__ import annotations

from typing import Protocol

from briefings.feedback.tuning import ChannelFilters, Vote
from storage.audit import Actor


class FeedbackStore(Protocol):
    """Where votes and filters live. ``record_vote`` keeps one vote per (channel, department,
    story, user): voting again replaces it. Filter changes are audited."""

    def story_headline(self, story_id: int) -> tuple[str, str] | None: ...

    def was_posted(self, channel_id: str, story_id: int) -> bool: ...

    def record_vote(self, channel_id: str, department: str, vote: Vote) -> None: ...

    def votes(self, channel_id: str, department: str) -> list[Vote]: ...

    def voted_departments(self, channel_id: str) -> list[str]: ...

    def voted_channels(self) -> set[str]: ...

    def filters(self, channel_id: str) -> ChannelFilters: ...

    def all_filters(self) -> dict[str, ChannelFilters]: ...

    def set_filter(self, channel_id: str, kind: str, phrase: str, *, on: bool, actor: Actor) -> bool: ...
