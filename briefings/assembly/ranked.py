"""What ranking works with and hands back (pure): its settings, a candidate story, a
department's matches, a scored story, the phrase index, and the left-out reasons.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from briefings.assembly.briefing import AlsoReported
from briefings.assembly.profiles import Profiles, phrase_tokens


@dataclass(frozen=True)
class RankingConfig:
    """Tunable constants of the score (the phrase path's defaults chosen on
    tests/data/ranking_headlines.yaml; the model's thresholds ship with the model)."""

    title_factor: float = 1.5
    tag_bonus: float = 0.3
    half_life_hours: float = 72.0
    min_score: float = 0.8
    # A hard cap per source (None: no cap). Diversity is a preference instead: a story from a
    # source already shown competes with its score times ``source_penalty``.
    per_source: int | None = None
    source_penalty: float = 0.8
    # The trained model (briefings/assembly/model.py) scores the departments it knows; False ranks every
    # department the way the product did before it (phrases and the meaning scorer), which is
    # what the benchmark quotes as "today's ranker".
    use_model: bool = True
    # The AI gate: a story the model judges not about AI enters no briefing. ``ai_bar``: the
    # probability below which a story is "not about AI" (None: the threshold the model shipped with).
    ai_gate: bool = True
    ai_bar: float | None = None
    # Model departments: the bar is the department's calibrated probability (the threshold
    # chosen when training); phrases and feed tags only reorder what passes it. Both chosen by
    # R-precision on out-of-fold scores of the training outlets (folds grouped by outlet), from
    # 0-0.8: a story naming the department's phrases, or from a feed an admin tagged for it, is
    # half again as likely to be one its head wants as the model alone says. Re-checked with the
    # model of issue 18's round four (same out-of-fold protocol, grid 0-1 by 0.25): 0.5/0.5 gave
    # mean R-precision 0.621 against the grid's best 0.622, no boost at all 0.594.
    phrase_boost: float = 0.5
    model_tag_bonus: float = 0.5
    # Model departments: how much the meaning scorer (trained on our own headlines and the
    # profiles) weighs beside the model in the order of the stories that pass the bar.
    semantic_blend: float = 0.0
    # How far a phrase match counts when the words around it say the story is about something
    # else, and how much the meaning alone adds (so a story with no phrase can pass min_score).
    phrase_trust: float = 0.4
    meaning_weight: float = 1.6
    # A department defined by a description and examples alone has no phrase evidence, and a
    # model trained on a handful of examples gives lower probabilities: its meaning counts double.
    meaning_weight_without_phrases: float = 2.4
    # How many of the best stories are compared for retellings (and give words their rarity);
    # after the briefing is full, the rest of them are still checked so that retellings of the
    # chosen stories are named (and remembered) with them.
    duplicate_pool: int = 100


@dataclass(frozen=True)
class Candidate:
    """One story as ranking sees it: texts, sources and the departments its feeds are tagged with.

    ``sources`` are display names, primary (first published) first; ``source_keys`` identify them
    for the per-source cap. ``also`` and ``also_story_ids`` are the retellings collapsed into it.
    """

    key: str
    story_id: int | None
    title: str
    summary: str
    url: str | None
    sources: tuple[str, ...]
    published_at: datetime
    source_keys: tuple[str, ...] = ()
    feed_departments: frozenset[str] = frozenset()
    also_story_ids: tuple[int, ...] = ()
    alt_urls: tuple[str, ...] = ()
    also: tuple[AlsoReported, ...] = ()

    @property
    def links(self) -> tuple[str, ...]:
        """Every link the story's items gave, first publisher's first (unchecked)."""
        return tuple(u for u in (self.url, *self.alt_urls) if u)

    @property
    def story_ids(self) -> tuple[int, ...]:
        """This story and the near-duplicates merged into it (all remembered once delivered)."""
        return tuple(i for i in (self.story_id, *self.also_story_ids) if i is not None)


@dataclass(frozen=True)
class DeptMatch:
    """Which phrases of one department a story matched (indices into ``Profile.phrases``)."""

    title: frozenset[int]
    summary: frozenset[int]
    excluded: bool
    meaning: float = 0.0
    about_ai: float = 1.0
    semantic: float = 0.0
    # The weighted sum of the matched phrases (title counting ``title_factor``): what the phrase
    # path and the phrase boost read, worked out once per text.
    phrases: float = 0.0


@dataclass(frozen=True, slots=True)
class ScoredStory:
    """A story chosen (or choosable) for a department, with the explanation users see."""

    candidate: Candidate
    score: float
    relevance: float
    matched: tuple[str, ...]
    why: str
    tagged: bool
    meaning: float = 0.0

    @property
    def explanation(self) -> str:
        """``matched: EU AI Act, fine`` (+ the feed tag when it counted)."""
        parts = []
        if self.matched:
            parts.append("matched: " + ", ".join(self.matched))
        elif self.meaning:
            parts.append(f"close in meaning to this department's stories ({self.meaning:.0%})")
        if self.tagged:
            parts.append("from a feed tagged for this department")
        return "; ".join(parts)


@dataclass
class PhraseIndex:
    """Every department's phrases and exclusions keyed by their token tuples."""

    profiles: Profiles
    table: dict[tuple[str, ...], list[tuple[int, int]]] = field(default_factory=dict)
    excludes: dict[tuple[str, ...], list[int]] = field(default_factory=dict)
    firsts: set[str] = field(default_factory=set)
    longest: int = 1

    def __post_init__(self) -> None:
        table: dict[tuple[str, ...], set[tuple[int, int]]] = defaultdict(set)
        excludes: dict[tuple[str, ...], set[int]] = defaultdict(set)
        for d, profile in enumerate(self.profiles):
            for p, phrase in enumerate(profile.phrases):
                for form in phrase.forms:
                    table[phrase_tokens(form)].add((d, p))
            for text in profile.exclude:
                excludes[phrase_tokens(text)].add(d)
        self.table = {k: sorted(v) for k, v in table.items() if k}
        self.excludes = {k: sorted(v) for k, v in excludes.items() if k}
        keys = [*self.table, *self.excludes]
        self.firsts = {k[0] for k in keys}
        self.longest = max((len(k) for k in keys), default=1)

    def scan(self, text: str) -> tuple[set[tuple[int, int]], set[int]]:
        """(department, phrase) pairs found in ``text``, and departments whose exclusions hit.

        Within one department the longest match wins: "AI agents" counts as the phrase
        ``ai agents``, not also as the weaker ``agents`` it contains.
        """
        found: list[tuple[int, int, list[tuple[int, int]]]] = []
        excluded: set[int] = set()
        words = phrase_tokens(text)
        n = len(words)
        table, excludes, firsts, longest = self.table, self.excludes, self.firsts, self.longest
        for i in range(n):
            if words[i] not in firsts:
                continue
            for j in range(i + 1, min(n, i + longest) + 1):
                key = words[i:j]
                pairs = table.get(key)
                if pairs:
                    found.append((i, j, pairs))
                if key in excludes:
                    excluded.update(excludes[key])
        hits: set[tuple[int, int]] = set()
        taken: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for i, j, pairs in sorted(found, key=lambda f: (f[0] - f[1], f[0])):
            for d, p in pairs:
                if any(i < e and s < j for s, e in taken[d]):
                    continue
                taken[d].append((i, j))
                hits.add((d, p))
        return hits, excluded


LEFT_OUT = (
    "below_bar",
    "not_about_ai",
    "muted",
    "source_diversity",
    "same_story",
    "already_posted",
    "backlog",
)


@dataclass(frozen=True, slots=True)
class Assessed:
    """One candidate judged for a department: its score and, when it cannot be shown, why
    (``below_bar`` or ``not_about_ai``; None when it passes the bar)."""

    story: ScoredStory
    fails: str | None


@dataclass(frozen=True)
class Selection:
    """What :meth:`Ranker.select_explained` chose, and why each other story above the bar was
    not shown (story key -> one of :data:`LEFT_OUT`)."""

    chosen: list[ScoredStory]
    left_out: dict[str, str]
