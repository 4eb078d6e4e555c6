"""What assembling a briefing reads, behind a protocol (SQL in :mod:`briefings.assembly.sql`).

Each method is one read transaction; datetimes are aware UTC; safe to call from any thread.
Which stored items count as *new* (the backlog rule) is told in :mod:`briefings.assembly.sql`.

The stories already posted to a channel (``delivered_stories``, written by the delivery wing) are
read here rather than through :class:`briefings.delivery.store.DeliveriesStore`: a preview reads
them in the same transaction as its candidates, so it is one snapshot of the database, and the
delivery store's protocol stays about the slots it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from briefings.assembly.ranked import Candidate


@dataclass(frozen=True)
class Delivered:
    """What a channel has already been sent: story ids (never repeated there) and the headlines
    posted since a cut-off (their retellings are not news there)."""

    story_ids: frozenset[int]
    titles: tuple[str, ...]


@dataclass(frozen=True)
class Window:
    """One read of a preview's window. ``held``: per department tag, the backlog items left out;
    ``backlog``: those items themselves when an explanation was asked for; ``delivered``: the
    channel's memory when the preview is for a channel."""

    candidates: tuple[Candidate, ...]
    held: dict[str, int]
    backlog: tuple[Candidate, ...]
    delivered: Delivered


class CandidateStore(Protocol):
    """Where a briefing's candidate stories and a channel's delivered stories are read."""

    def window(
        self,
        *,
        since: datetime,
        as_of: datetime,
        include_backlog: bool,
        explain: bool,
        channel_id: str | None,
        seen_since: datetime,
    ) -> Window:
        """A preview's candidates between ``since`` and ``as_of`` (by publication date)."""
        ...

    def new_since(self, *, since: datetime, as_of: datetime) -> list[Candidate]:
        """A scheduled briefing's candidates: first seen between ``since`` and ``as_of``."""
        ...

    def delivered(self, channel_id: str, *, since: datetime) -> Delivered:
        """What ``channel_id`` has been sent (titles posted since ``since``)."""
        ...

    def newest_item_time(self) -> datetime | None:
        """When the newest stored item was published."""
        ...
