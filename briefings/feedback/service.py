"""Story feedback and channel keyword filters: the façade the buttons, ``/ai-brief`` and the CLI
use (no SQL: the rows are behind :class:`~briefings.feedback.store.FeedbackStore`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from briefings.assembly.profiles import Profiles
from briefings.delivery.port import Destinations
from briefings.errors import BriefingError
from briefings.feedback.store import FeedbackStore
from briefings.feedback.tuning import (
    ChannelFilters,
    Preferences,
    Vote,
    check_phrase,
    headline_terms,
    learn,
)
from foundation.ids import parse_id
from storage.audit import Actor

FILTER_ACTIONS = {
    "mute": ("mute", True),
    "unmute": ("mute", False),
    "boost": ("boost", True),
    "unboost": ("boost", False),
}
STALE = "Sorry, I can't tell which story that button was for: it may be from an older version of me."
NOT_POSTED = "Sorry, that story was not posted in this channel, so I can't learn from a vote on it here."


@dataclass(frozen=True)
class VoteOutcome:
    """A stored vote: which story, for which department, and whether it was useful."""

    department: str
    story_id: int
    useful: bool

    @property
    def thanks(self) -> str:
        more = "more" if self.useful else "fewer"
        return f"Thanks — this channel will see {more} stories like it."


@dataclass(frozen=True)
class LearnedView:
    """What a channel taught one department's briefings (for ``filters`` listings)."""

    department: str
    useful: int
    not_useful: int
    liked: tuple[str, ...]
    disliked: tuple[str, ...]
    sources_up: tuple[str, ...]
    sources_down: tuple[str, ...]


class ChannelFeedback:
    """Votes and filters per channel, and the preferences briefings are adjusted with."""

    def __init__(
        self,
        store: FeedbackStore,
        profiles: Profiles,
        clock: Callable[[], datetime],
        destinations: Destinations,
    ) -> None:
        self.store = store
        self.profiles = profiles
        self.clock = clock
        self.destinations = destinations

    def vote(self, channel_id: str, value: str, *, user_id: str, useful: bool) -> VoteOutcome:
        """Store ``user_id``'s vote on the story a button ``value`` names (replacing an earlier
        one). ``value`` is ``department:story_id`` (the front door encodes it on its buttons:
        ``bot.delivery.buttons.story_value``)."""
        channel_id = self.destinations.check(channel_id)
        department, _, story = (value or "").partition(":")
        key = self.profiles.normalise(department)
        story_id = parse_id(story)
        if key is None or story_id is None:
            raise BriefingError(STALE)
        # A forged or copied button must not tune a channel with a story it was never shown.
        if not self.store.was_posted(channel_id, story_id):
            raise BriefingError(NOT_POSTED)
        found = self.store.story_headline(story_id)
        if found is None:
            raise BriefingError("Sorry, that story is no longer stored, so I can't learn from it.")
        title, source = found
        vote = Vote(
            story_id=story_id,
            user_id=user_id,
            useful=useful,
            terms=headline_terms(title),
            source=source[:200],
            voted_at=self.clock(),
        )
        self.store.record_vote(channel_id, key, vote)
        return VoteOutcome(department=key, story_id=vote.story_id, useful=useful)

    def preferences(self, channel_id: str, department: str, now: datetime | None = None) -> Preferences:
        """The channel's decayed votes for ``department`` as term weights and source priors."""
        return learn(self.store.votes(channel_id, department), now or self.clock())

    def filters(self, channel_id: str) -> ChannelFilters:
        return self.store.filters(channel_id)

    def all_filters(self) -> dict[str, ChannelFilters]:
        """Every channel's filters (channels without any are left out)."""
        return self.store.all_filters()

    def change_filter(self, channel_id: str, action: str, phrase: str, *, actor: Actor) -> tuple[str, bool]:
        """``mute``/``unmute``/``boost``/``unboost`` a phrase: (the phrase as stored, changed?)."""
        channel_id = self.destinations.check(channel_id)
        if action not in FILTER_ACTIONS:
            raise BriefingError(f"Unknown filter action {action!r}: use mute, unmute, boost or unboost.")
        kind, on = FILTER_ACTIONS[action]
        text = check_phrase(phrase)
        return text, self.store.set_filter(channel_id, kind, text, on=on, actor=actor)

    def voted_channels(self) -> set[str]:
        """Channels with any vote (one query: App Home reads only those channels' preferences)."""
        return self.store.voted_channels()

    def learned(self, channel_id: str, now: datetime | None = None) -> list[LearnedView]:
        """What the channel's votes taught each department's briefings there."""
        out = []
        for department in self.store.voted_departments(channel_id):
            prefs = self.preferences(channel_id, department, now)
            sources = sorted(prefs.sources.items(), key=lambda x: -abs(x[1]))
            name = self.profiles.get(department).name if department in self.profiles.keys else department
            out.append(
                LearnedView(
                    department=name,
                    useful=sum(v.useful for v in prefs.votes),
                    not_useful=sum(not v.useful for v in prefs.votes),
                    liked=tuple(prefs.liked()),
                    disliked=tuple(prefs.disliked()),
                    sources_up=tuple(s for s, w in sources if w > 0.05)[:3],
                    sources_down=tuple(s for s, w in sources if w < -0.05)[:3],
                )
            )
        return out

    def tuning(self, channel_ids: Iterable[str], limit: int) -> list[tuple[str, list[str]]]:
        """Filters and learned preferences, described, of those of ``channel_ids`` that have any
        (at most ``limit``, by channel id): two queries find the tuned channels, so callers such
        as App Home do not read every channel's votes."""
        filters = {c: f for c, f in self.all_filters().items() if not f.empty}
        tuned = (set(filters) | self.voted_channels()) & set(channel_ids)
        return [
            (channel, describe(filters.get(channel) or self.filters(channel), self.learned(channel)))
            for channel in sorted(tuned)[:limit]
        ]


def describe(filters: ChannelFilters, learned: list[LearnedView]) -> list[str]:
    """Plain lines (unescaped) listing a channel's filters and learned preferences."""
    lines = [
        "Muted: " + (", ".join(filters.mutes) or "nothing"),
        "Boosted: " + (", ".join(filters.boosts) or "nothing"),
    ]
    if not learned:
        lines.append("Learned from votes: nothing yet (vote with the buttons under each story).")
    for view in learned:
        line = (
            f"Learned for {view.department} from {view.useful} useful and {view.not_useful} not useful votes"
        )
        parts = []
        if view.liked:
            parts.append("more like " + ", ".join(view.liked))
        if view.disliked:
            parts.append("fewer like " + ", ".join(view.disliked))
        if view.sources_up:
            parts.append("sources up: " + ", ".join(view.sources_up))
        if view.sources_down:
            parts.append("sources down: " + ", ".join(view.sources_down))
        lines.append(line + (": " + "; ".join(parts) if parts else ""))
    return lines
