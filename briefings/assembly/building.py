"""Building briefings: previews (the week's best stories) and scheduled slots (new since the
last one, minus what the channel has seen), with the certification and policy side notes."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from briefings.assembly.briefing import (
    Briefing,
    BriefingStory,
    CandidateNote,
)
from briefings.assembly.extras import KnowledgeNotes
from briefings.assembly.profiles import Profiles
from briefings.assembly.rank import Ranker
from briefings.assembly.ranked import Assessed, Candidate, ScoredStory
from briefings.assembly.render import first_web_link
from briefings.assembly.sql import MAX_AGE, SqlCandidates
from briefings.assembly.store import CandidateStore
from briefings.assembly.written import BriefingWriter
from briefings.delivery.store import DeliveriesStore
from briefings.feedback.tuning import Adjusted, adjust, fill
from briefings.slots.slot import Due
from briefings.subscriptions.model import MAX_TOP_N
from briefings.subscriptions.schedule import parse_timezone
from storage import Database

if TYPE_CHECKING:
    from briefings.feedback.service import ChannelFeedback

log = logging.getLogger(__name__)

LOOKBACK = timedelta(days=7)  # how far back a first briefing (or a preview) looks


class TickCache:
    """Values shared by the deliveries of one tick, each computed once even when workers race."""

    def __init__(self) -> None:
        self._values: dict[Any, Any] = {}
        self._locks: dict[Any, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        """The value for ``key``, computing it (once) if needed."""
        with self._guard:
            lock = self._locks[key]
        with lock:
            if key not in self._values:
                self._values[key] = compute()
            return self._values[key]


class BriefingBuilder:
    """Builds briefings from the stored items. ``knowledge`` is optional: anything with
    ``spotlight_certification(department, rotation)``, ``related_policy_section(text)``,
    ``story_policy_section(text)`` and ``record_policy_news(stories)`` (the stories of
    scheduled briefings that link a policy)."""

    def __init__(
        self,
        *,
        db: Database,
        profiles: Profiles,
        ranker: Ranker,
        deliveries: DeliveriesStore,
        knowledge: object,
        clock: Callable[[], datetime],
        feedback: ChannelFeedback | None = None,
        writer: BriefingWriter | None = None,
    ) -> None:
        """``feedback``: the channels' votes and filters that adjust scheduled briefings;
        ``writer``: the optional language model's texts (None: the deterministic ones)."""
        self.db = db
        self.reads: CandidateStore = SqlCandidates(db)
        self.writer = writer
        self.feedback = feedback
        self.profiles = profiles
        self.ranker = ranker
        self.deliveries = deliveries
        self.knowledge = knowledge  # its optional parts become ``self.notes`` (KnowledgeNotes)
        self.clock = clock

    def build_all(
        self,
        keys: Iterable[str],
        *,
        as_of: datetime | None,
        timezone: str,
        top_n: int,
        rotation: int,
        include_backlog: bool = False,
        explain: bool = False,
        channel_id: str | None = None,
    ) -> list[Briefing]:
        """Preview briefings for these profile keys from one read of the stored items.

        ``channel_id``: preview as that channel would get it (its votes and filters, and none of
        the stories already posted there). ``explain``: the briefing also lists every story of
        the window in rank order, shown or not, with why it was left out (``candidates``).
        """
        as_of = as_of or self.clock()
        timezone = parse_timezone(timezone)
        since = as_of - LOOKBACK
        read = self.reads.window(
            since=since,
            as_of=as_of,
            include_backlog=include_backlog,
            explain=explain,
            channel_id=channel_id,
            seen_since=as_of - MAX_AGE,
        )
        candidates, held, backlog = list(read.candidates), read.held, list(read.backlog)
        skip, seen_titles = set(read.delivered.story_ids), list(read.delivered.titles)
        out = []
        for key in keys:
            assessed = self.ranker.assess(candidates, key, now=as_of)
            scored = [a.story for a in assessed if a.fails is None]
            muted: set[str] = set()
            adjusted = None
            if channel_id is not None:
                adjusted = self._adjusted(channel_id, key, scored, as_of)
                if adjusted is not None:
                    kept = {s.candidate.key for s in adjusted.plain}
                    muted = {s.candidate.key for s in scored if s.candidate.key not in kept}
                    scored = adjusted.stories
            selection = self.ranker.select_explained(
                scored, key, top_n=top(top_n), skip_story_ids=skip, skip_titles=seen_titles
            )
            chosen = selection.chosen
            if adjusted is not None:
                plain = self.ranker.select(
                    adjusted.plain, key, top_n=top(top_n), skip_story_ids=skip, skip_titles=seen_titles
                )
                chosen = fill(chosen, plain)
            fresh = [s for s in scored if s.candidate.story_id is None or s.candidate.story_id not in skip]
            briefing = self._assemble(key, chosen, fresh, candidates, as_of, since, timezone, rotation)
            briefing = replace(briefing, held_back=held.get(key, 0))
            if adjusted is not None:
                briefing = _noted(briefing, chosen, adjusted.notes)
            if explain:
                notes = _candidate_notes(assessed, chosen, selection.left_out, muted)
                notes += [
                    CandidateNote(
                        title=a.story.candidate.title,
                        url=first_web_link(a.story.candidate.links),
                        score=a.story.score,
                        shown=False,
                        left_out="backlog",
                    )
                    for a in self.ranker.assess(backlog, key, now=as_of)
                ]
                notes.sort(key=lambda n: (not n.shown, -n.score))
                briefing = replace(briefing, candidates=tuple(notes))
            out.append(briefing)
        return self.writer.rewrite_all(out) if self.writer is not None else out

    def _adjusted(
        self, channel_id: str, department: str, scored: list[ScoredStory], as_of: datetime
    ) -> Adjusted | None:
        if self.feedback is None:
            return None
        prefs = self.feedback.preferences(channel_id, department, as_of)
        filters = self.feedback.filters(channel_id)
        if prefs.empty and filters.empty:
            return None
        return adjust(scored, prefs, filters)

    def preview_as_of(self) -> datetime:
        """The newest stored item's date (the demo and benchmark build "as of" then), else now."""
        newest = self.reads.newest_item_time()
        return newest or self.clock()

    def build_due(self, due: Due, cache: TickCache | None) -> Briefing:
        """The briefing for a scheduled (or ``send``) slot: new since the last one, minus memory."""
        as_of = due.as_of
        cache = cache or TickCache()
        previous = self.deliveries.previous_done(due.subscription_id, as_of)
        since = max(previous, as_of - LOOKBACK) if previous else as_of - LOOKBACK
        delivered = self.reads.delivered(due.channel_id, since=as_of - MAX_AGE)
        skip, seen_titles = set(delivered.story_ids), list(delivered.titles)
        candidates: list[Candidate] = cache.get(
            ("candidates", since, as_of), lambda: self._candidates(since, as_of)
        )
        scored: list[ScoredStory] = cache.get(
            ("scored", since, as_of, due.department),
            lambda: self.ranker.score(candidates, due.department, now=as_of),
        )
        adjusted = self._for_channel(due, scored, as_of)
        if adjusted is not None:
            scored = adjusted.stories
        chosen = self.ranker.select(
            scored, due.department, top_n=top(due.top_n), skip_story_ids=skip, skip_titles=seen_titles
        )
        if adjusted is not None:
            # Votes reorder; they must not shorten the briefing the channel would have had.
            plain = self.ranker.select(
                adjusted.plain,
                due.department,
                top_n=top(due.top_n),
                skip_story_ids=skip,
                skip_titles=seen_titles,
            )
            chosen = fill(chosen, plain)
        fresh = [s for s in scored if s.candidate.story_id is None or s.candidate.story_id not in skip]
        briefing = self._assemble(
            due.department, chosen, fresh, candidates, as_of, since, due.timezone, due.cert_rotation
        )
        briefing = _noted(briefing, chosen, adjusted.notes if adjusted else {})
        if previous is None:
            briefing = replace(briefing, catch_up=True)
        if self.writer is not None:
            briefing = self.writer.rewrite(briefing)
        self.notes.record_links(briefing)
        return briefing

    def _for_channel(self, due: Due, scored: list[ScoredStory], as_of: datetime) -> Adjusted | None:
        """``scored`` adjusted by the channel's votes and filters (with the notes explaining it),
        or None when the channel has neither."""
        return self._adjusted(due.channel_id, due.department, scored, as_of)

    @property
    def knowledge(self) -> object:
        """The knowledge catalogue handed in (any object; only its optional parts are used)."""
        return self._knowledge

    @knowledge.setter
    def knowledge(self, value: object) -> None:
        self._knowledge = value
        self.notes = KnowledgeNotes(value)

    def _candidates(self, since: datetime, as_of: datetime) -> list[Candidate]:
        return self.reads.new_since(since=since, as_of=as_of)

    def _assemble(
        self,
        department: str,
        chosen: list[ScoredStory],
        scored: list[ScoredStory],
        candidates: list[Candidate],
        as_of: datetime,
        since: datetime,
        timezone: str,
        rotation: int,
    ) -> Briefing:
        stories = tuple(self.notes.linked(_story(s)) for s in chosen)
        certification = policy = None
        if stories:
            certification = self.notes.spotlight(department, rotation)
            policy = self.notes.policy(stories)
        return Briefing(
            department=department,
            department_name=self.profiles.get(department).name,
            as_of=as_of,
            timezone=timezone,
            since=since,
            stories=stories,
            considered=len(candidates),
            above_bar=len(scored),
            certification=certification,
            policy=policy,
        )


def _noted(briefing: Briefing, chosen: list[ScoredStory], notes: dict[str, str]) -> Briefing:
    """The briefing with each story's channel note ("ranked up: …") after its explanation."""
    by_id = {s.candidate.story_id: notes[s.candidate.key] for s in chosen if s.candidate.key in notes}
    if not by_id:
        return briefing
    stories = tuple(
        replace(st, explanation="; ".join(x for x in (st.explanation, by_id[st.story_id]) if x))
        if st.story_id in by_id
        else st
        for st in briefing.stories
    )
    return replace(briefing, stories=stories)


def _candidate_notes(
    assessed: list[Assessed], chosen: list[ScoredStory], left_out: dict[str, str], muted: set[str]
) -> list[CandidateNote]:
    """Every assessed story with whether it was shown and, if not, why."""
    shown = {s.candidate.key for s in chosen}
    notes = []
    for a in assessed:
        cand = a.story.candidate
        is_shown = cand.key in shown
        reason = None
        if not is_shown:
            reason = (
                a.fails or ("muted" if cand.key in muted else None) or left_out.get(cand.key, "below_bar")
            )
        notes.append(
            CandidateNote(
                title=cand.title,
                url=first_web_link(cand.links),
                score=a.story.score,
                shown=is_shown,
                left_out=reason,
            )
        )
    return notes


def _story(s: ScoredStory) -> BriefingStory:
    return BriefingStory(
        story_id=s.candidate.story_id,
        title=s.candidate.title,
        summary=s.candidate.summary,
        url=first_web_link(s.candidate.links),
        sources=s.candidate.sources,
        published_at=s.candidate.published_at,
        score=s.score,
        matched=s.matched,
        why=s.why,
        explanation=s.explanation,
        related_story_ids=s.candidate.also_story_ids,
        also_reported=s.candidate.also,
    )


def top(n: int) -> int:
    """Stories per briefing, clamped to 1..MAX_TOP_N."""
    return max(1, min(int(n), MAX_TOP_N))
