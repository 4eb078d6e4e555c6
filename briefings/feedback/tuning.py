"""What a channel taught its briefings: story votes and keyword filters (pure: no SQL, no Slack).

Votes become a per-channel adjustment over the department score::

    decay   = 0.5 ** (age_days / HALF_LIFE_DAYS)            # each vote, +1 useful / -1 not
    terms   = sum over the story's headline terms of the decayed votes that had the term
    source  = the decayed votes on stories from the story's first source
    factor  = clamp(1 + TERM_REACH x tanh(terms / 2) + SOURCE_REACH x tanh(source / 2))
    factor *= BOOST_FACTOR when a boosted phrase is in the title or summary

The adjustment only reorders the stories above the department's bar (``factor`` stays within
``FACTOR_RANGE``), so votes can push a kind of story out of the top N but never empty a briefing:
building fills back to the usual count. A muted phrase drops the story for that channel.
Phrases match on word tokens, as the department profiles do (:func:`phrase_tokens`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from briefings.assembly.profiles import phrase_tokens
from briefings.assembly.ranked import Candidate, ScoredStory
from briefings.assembly.similar import content_terms
from briefings.errors import BriefingError

HALF_LIFE_DAYS = 30.0
TERM_REACH = 0.5
SOURCE_REACH = 0.2
BOOST_FACTOR = 1.5
FACTOR_RANGE = (0.4, 2.0)
# Learning reorders only this many of the best stories: a bounded factor cannot lift one from
# further down into a briefing of at most ten, and the rest would only cost time.
REACH = 200
SIMILAR_SHARED = 2  # headline terms two stories share to count as "similar" in the explanation
MAX_TERMS = 12
MAX_PHRASE = 100
FILTER_KINDS = ("mute", "boost")


def headline_terms(title: str) -> tuple[str, ...]:
    """The stemmed content words of a headline that votes remember (no numbers), at most 12."""
    out: list[str] = []
    for term in content_terms(title):
        if not term.isdigit() and len(term) > 2 and term not in out:
            out.append(term)
    return tuple(out[:MAX_TERMS])


def check_phrase(phrase: str) -> str:
    """The phrase as stored (words joined by one space, lowercase); a clear error if unusable."""
    tokens = phrase_tokens(phrase.strip().strip("\"'“”‘’"))
    if not tokens:
        raise BriefingError(
            "Which phrase? For example `/ai-brief mute crypto` or `/ai-brief boost EU AI Act`."
        )
    text = " ".join(tokens)
    if len(text) > MAX_PHRASE:
        raise BriefingError(f"That phrase is too long: at most {MAX_PHRASE} characters.")
    return text


@dataclass(frozen=True)
class Vote:
    """One user's vote on one story in a channel, with what it is remembered by."""

    story_id: int
    user_id: str
    useful: bool
    terms: tuple[str, ...]
    source: str
    voted_at: datetime


@dataclass(frozen=True)
class ChannelFilters:
    """A channel's muted and boosted phrases (as stored: lowercase tokens joined by spaces)."""

    mutes: tuple[str, ...] = ()
    boosts: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.mutes or self.boosts)


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


@dataclass(frozen=True)
class Preferences:
    """A channel's learned preferences for one department, from its decayed votes."""

    votes: tuple[Vote, ...] = ()
    terms: dict[str, float] = field(default_factory=dict)
    sources: dict[str, float] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.votes

    def liked(self, n: int = 5) -> list[str]:
        """The terms most voted useful (decayed), best first."""
        return [t for t, w in sorted(self.terms.items(), key=lambda x: (-x[1], x[0])) if w > 0.05][:n]

    def disliked(self, n: int = 5) -> list[str]:
        """The terms most voted not useful (decayed), worst first."""
        return [t for t, w in sorted(self.terms.items(), key=lambda x: (x[1], x[0])) if w < -0.05][:n]

    def factor(self, terms: Iterable[str], source: str) -> float:
        """The multiplier learned for a story with these headline terms from ``source``."""
        term_sum = sum(self.terms.get(t, 0.0) for t in set(terms))
        source_sum = self.sources.get(source, 0.0)
        return 1 + TERM_REACH * math.tanh(term_sum / 2) + SOURCE_REACH * math.tanh(source_sum / 2)

    def similar(self, terms: Iterable[str]) -> tuple[int, int]:
        """(useful, not useful): the voted stories sharing enough headline terms with ``terms``."""
        mine = set(terms)
        up: set[int] = set()
        down: set[int] = set()
        for v in self.votes:
            if len(mine.intersection(v.terms)) >= min(SIMILAR_SHARED, len(v.terms)):
                (up if v.useful else down).add(v.story_id)
        return len(up), len(down - up)


def learn(votes: Iterable[Vote], now: datetime, half_life_days: float = HALF_LIFE_DAYS) -> Preferences:
    """Term weights and source priors from ``votes``, each decayed by its age."""
    kept = tuple(votes)
    terms: dict[str, float] = defaultdict(float)
    sources: dict[str, float] = defaultdict(float)
    for v in kept:
        age_days = max(0.0, (now - v.voted_at).total_seconds() / 86400)
        weight = (1.0 if v.useful else -1.0) * 0.5 ** (age_days / half_life_days)
        for t in v.terms:
            terms[t] += weight
        if v.source:
            sources[v.source] += weight
    return Preferences(votes=kept, terms=dict(terms), sources=dict(sources))


@dataclass(frozen=True)
class Adjusted:
    """Stories above the bar re-ordered for one channel, and what to tell it per story key."""

    stories: list[ScoredStory]
    plain: list[ScoredStory]  # the same stories (muted ones dropped) in the department's order
    notes: dict[str, str]
    muted: int


def source_of(cand: Candidate) -> str:
    """The source a vote remembers: the story's first (primary) outlet's name."""
    return (cand.sources or ("",))[0][:200]


def adjust(scored: Sequence[ScoredStory], prefs: Preferences, filters: ChannelFilters) -> Adjusted:
    """``scored`` (best first) without muted stories and with learned and boosted factors applied."""
    mutes = [phrase_tokens(p) for p in filters.mutes]
    boosts = [(p, phrase_tokens(p)) for p in filters.boosts]
    head: list[tuple[float, int, ScoredStory]] = []
    notes: dict[str, str] = {}
    muted = 0
    rest: list[ScoredStory] = []
    plain: list[ScoredStory] = []
    for rank, story in enumerate(scored):
        cand = story.candidate
        words = phrase_tokens(f"{cand.title} {cand.summary}") if (mutes or boosts) else ()
        if any(_contains(words, m) for m in mutes):
            muted += 1
            continue
        plain.append(story)
        if rank >= REACH:
            rest.append(story)
            continue
        factor, note = _factor(cand, words, prefs, boosts)
        if note:
            notes[cand.key] = note
        head.append((story.score * factor, rank, replace(story, score=round(story.score * factor, 4))))
    head.sort(key=lambda h: (-h[0], h[1]))
    return Adjusted(stories=[h[2] for h in head] + rest, plain=plain, notes=notes, muted=muted)


def _factor(
    cand: Candidate, words: tuple[str, ...], prefs: Preferences, boosts: list[tuple[str, tuple[str, ...]]]
) -> tuple[float, str]:
    notes: list[str] = []
    factor = 1.0
    if not prefs.empty:
        terms = headline_terms(cand.title)
        factor = prefs.factor(terms, source_of(cand))
        up, down = prefs.similar(terms)
        if factor > 1.05:
            notes.append(_said("ranked up", up, "useful") if up else "ranked up: its source was useful here")
        elif factor < 0.95:
            notes.append(
                _said("ranked down", down, "not useful")
                if down
                else "ranked down: its source was not useful here"
            )
    hits = [p for p, tokens in boosts if _contains(words, tokens)]
    if hits:
        factor *= BOOST_FACTOR
        notes.append("boosted here: " + ", ".join(hits[:3]))
    low, high = FACTOR_RANGE
    return max(low, min(high, factor)), "; ".join(notes)


def _said(verb: str, n: int, what: str) -> str:
    stories = "similar story was" if n == 1 else "similar stories were"
    return f"{verb}: {n} {stories} {what} here"


def fill(chosen: list[ScoredStory], plain: list[ScoredStory]) -> list[ScoredStory]:
    """``chosen`` topped up from ``plain`` (the same stories picked without votes) so that votes
    never make a briefing shorter than it would have been."""
    if len(chosen) >= len(plain):
        return chosen
    keys = {s.candidate.key for s in chosen}
    extra = [s for s in plain if s.candidate.key not in keys]
    return chosen + extra[: len(plain) - len(chosen)]
