"""Relevance ranking with explanations (pure: no database, no Slack).

For the bundled departments a story's score is::

    p         = P(about AI) x P(department | about AI)    # the trained model, briefings/assembly/model.py
    relevance = p x (1 + PHRASE_BOOST x min(1, phrases) + MODEL_TAG_BONUS if a feed is tagged)
    score     = relevance x recency, recency = 0.5 + 0.5 x 0.5 ** (age_hours / half_life)

A story passes when P(about AI) reaches the AI gate's threshold (else it is ``not_about_ai``)
and ``p`` reaches the department's threshold (else ``below_bar``); both thresholds were chosen
when the model was trained (scripts/train_ranker.py). Phrases (``phrases`` is their weighted sum,
title counting ``TITLE_FACTOR``) and feed tags only reorder stories that pass: a phrase alone
no longer makes a story relevant. The matched phrases stay the explanation.

A department with no corpus labels (one an admin defines in ``BRIEFBOT_PROFILES_FILE``) is
scored as before the model, by its phrases and the meaning scorer (:mod:`briefings.assembly.semantic`)::

    relevance = phrases x (PHRASE_TRUST + (1 - PHRASE_TRUST) x meaning) + MEANING_WEIGHT x meaning
              + TAG_BONUS if one of the story's feeds is tagged with the department

passing at ``min_score``; the AI gate applies to it too.

Recency never takes more than half a story's score, so a very relevant story from earlier in the
week still beats a fresh, barely relevant one. A story matching any of the department's excluded
phrases is dropped for that department. Picking prefers sources not yet shown (a story from a
source already in the briefing competes with ``source_penalty`` x its score) but always fills
the briefing from what passed the bar; ``per_source`` is an optional hard cap.

Picking collapses retellings: a story telling the same news as one already picked (a
near-identical headline, or the same rare words in title and summary, see
:mod:`briefings.assembly.similar`) joins it as "also reported by" instead of taking a slot. The stories
compared are the first ``duplicate_pool`` above the bar, which also set how rare each word is;
each is compared with the stories already picked, never with their retellings.

Matching works on word tokens (see :func:`briefings.assembly.profiles.phrase_tokens`): each text is
tokenised once and looked up against one index of every department's phrases; the model scores
every new text of a window in one batch and each text's scores are remembered between calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from briefings.assembly.matching import Matcher
from briefings.assembly.model import AI, NewsModel, story_text
from briefings.assembly.picking import Picker
from briefings.assembly.profiles import Profiles
from briefings.assembly.ranked import Assessed, Candidate, DeptMatch, RankingConfig, ScoredStory, Selection
from briefings.assembly.scoring import dedupe, recency, shown_form, strongest
from briefings.assembly.semantic import SemanticModel
from briefings.assembly.similar import SimilarityConfig
from briefings.assembly.why import why_sentence


class Ranker:
    """Scores candidates for departments; remembers each text's matches between calls."""

    def __init__(
        self,
        profiles: Profiles,
        config: RankingConfig | None = None,
        *,
        similarity: SimilarityConfig | None = None,
        semantic: SemanticModel | None = None,
        model: NewsModel | None = None,
    ) -> None:
        self.profiles = profiles
        self.config = config or RankingConfig()
        self.similarity = similarity or SimilarityConfig()
        self.matcher = Matcher(profiles, self.config, semantic=semantic, model=model)
        self.picker = Picker(self.config, self.similarity, self.explain)
        self._dept_index = {p.key: i for i, p in enumerate(profiles)}
        # The last window assessed: building a briefing assesses the same candidates once per
        # department, so each story's matches and recency are looked up once for all of them.
        self._window: (
            tuple[object, datetime, list[tuple[Candidate, tuple[DeptMatch, ...], float, float]]] | None
        ) = None

    @property
    def semantic(self) -> SemanticModel:
        """The meaning model (see :class:`Matcher`)."""
        return self.matcher.semantic

    @property
    def model(self) -> NewsModel | None:
        """The trained department model and AI gate, or None (see :class:`Matcher`)."""
        return self.matcher.model

    def warm(self) -> None:
        """Load what ranking needs now (the bot calls this at start, not on the first briefing)."""
        self.matcher.warm()

    def modelled(self, department: str) -> bool:
        """Whether ``department`` is scored by the trained model (else by phrases and meaning)."""
        return self.matcher.modelled(department)

    def match(self, title: str, summary: str) -> tuple[DeptMatch, ...]:
        """Per department, what ``title`` and ``summary`` matched (see :meth:`Matcher.match`)."""
        return self.matcher.match(title, summary)

    def assess(
        self, candidates: Iterable[Candidate], department: str, *, now: datetime, failing: bool = True
    ) -> list[Assessed]:
        """Every candidate with its score for ``department``, best first, and whether (and why)
        it fails: ``not_about_ai`` (the AI gate) or ``below_bar``. ``failing=False`` leaves out
        the stories that fail (what building a briefing needs, and much quicker: a model
        department's failing stories are never scored further)."""
        rows = self._rows(candidates, now)
        d = self._dept_index[department]
        profile = self.profiles.profiles[d]
        cfg = self.config
        model = self.model
        modelled = self.modelled(department)
        gate = cfg.ai_gate and model is not None and AI in model.names
        ai_bar = 0.0
        if gate and model is not None:
            ai_bar = cfg.ai_bar if cfg.ai_bar is not None else model.threshold(AI)
        bar = model.threshold(department) if modelled and model is not None else cfg.min_score
        meaning_weight = cfg.meaning_weight if profile.phrases else cfg.meaning_weight_without_phrases
        scored: list[tuple[float, float, str, float, Candidate, DeptMatch, bool, str | None]] = []
        for cand, matches, fresh, newest in rows:
            m = matches[d]
            if not failing and modelled and (m.meaning < bar or m.excluded or (gate and m.about_ai < ai_bar)):
                continue
            tagged = department in cand.feed_departments
            phrases = m.phrases
            if modelled:
                # The probability decides whether the story passes; phrases and the feed's tag
                # only reorder what passes (a phrase alone never makes a story relevant).
                blended = (1 - cfg.semantic_blend) * m.meaning + cfg.semantic_blend * m.semantic
                relevance = blended * (
                    1 + cfg.phrase_boost * min(1.0, phrases) + (cfg.model_tag_bonus if tagged else 0.0)
                )
                passes = m.meaning >= bar
            else:
                relevance = (
                    phrases * (cfg.phrase_trust + (1 - cfg.phrase_trust) * m.meaning)
                    + meaning_weight * m.meaning
                    + (cfg.tag_bonus if tagged else 0.0)
                )
                passes = relevance * fresh >= bar
            total = relevance * fresh
            fails = None
            if gate and m.about_ai < ai_bar:
                fails = "not_about_ai"
            elif m.excluded or not passes:
                fails = "below_bar"
            if fails is None or failing:
                scored.append((-total, newest, cand.key, relevance, cand, m, tagged, fails))
        # Best first; at equal scores the newer story, then the key (a stable order).
        scored.sort(key=lambda s: s[:3])
        return [
            Assessed(
                ScoredStory(cand, round(-total, 4), round(relevance, 4), (), "", tagged, round(m.meaning, 4)),
                fails,
            )
            for total, _newest, _key, relevance, cand, m, tagged, fails in scored
        ]

    def _rows(
        self, candidates: Iterable[Candidate], now: datetime
    ) -> list[tuple[Candidate, tuple[DeptMatch, ...], float, float]]:
        """Each candidate with its matches and recency. The same sequence assessed again at the
        same moment (the next department of one build) is not looked up again."""
        window = self._window
        if (
            window is not None
            and window[0] is candidates
            and window[1] == now
            and len(window[2]) == len(candidates)  # type: ignore[arg-type]
        ):
            return window[2]
        cands = list(candidates)
        self.matcher.prime([(c.title, c.summary) for c in cands])
        memo, half_life = self.matcher.memo, self.config.half_life_hours
        rows = [
            (
                c,
                memo[(c.title, c.summary)],
                recency(c.published_at, now, half_life),
                -c.published_at.timestamp(),
            )
            for c in cands
        ]
        # Only a sequence (not a one-pass iterator) can be recognised when it comes back.
        self._window = (candidates, now, rows) if isinstance(candidates, Sequence) else None
        return rows

    def score(self, candidates: Iterable[Candidate], department: str, *, now: datetime) -> list[ScoredStory]:
        """Every candidate that passes the bar (and the AI gate) for ``department``, best first."""
        return [a.story for a in self.assess(candidates, department, now=now, failing=False)]

    def explain(self, story: ScoredStory, department: str) -> ScoredStory:
        """Fill in ``matched`` (as the words appear in the story) and the "why it matters" line."""
        d = self._dept_index[department]
        profile = self.profiles.profiles[d]
        m = self.match(story.candidate.title, story.candidate.summary)[d]
        ordered = strongest(profile, m, self.config.title_factor)
        cand = story.candidate
        matched = tuple(
            shown_form(profile.phrases[p], cand.title if p in m.title else cand.summary) for p in ordered
        )
        model = self.model
        evidence: list[str] = []
        if self.modelled(department) and model is not None:
            evidence = model.evidence(story_text(cand.title, cand.summary), department, n=8)
        why = why_sentence(
            cand.title,
            cand.summary,
            profile,
            [profile.phrases[p] for p in ordered],
            evidence=evidence,
        )
        return ScoredStory(
            candidate=cand,
            score=story.score,
            relevance=story.relevance,
            matched=dedupe(matched)[:5],
            why=why,
            tagged=story.tagged,
            meaning=story.meaning,
        )

    def select(
        self,
        scored: Sequence[ScoredStory],
        department: str,
        *,
        top_n: int,
        skip_story_ids: frozenset[int] | set[int] = frozenset(),
        skip_titles: Iterable[str] = (),
    ) -> list[ScoredStory]:
        """The best ``top_n`` stories, preferring sources not yet shown (see
        :meth:`select_explained`)."""
        return self.select_explained(
            scored, department, top_n=top_n, skip_story_ids=skip_story_ids, skip_titles=skip_titles
        ).chosen

    def select_explained(
        self,
        scored: Sequence[ScoredStory],
        department: str,
        *,
        top_n: int,
        skip_story_ids: frozenset[int] | set[int] = frozenset(),
        skip_titles: Iterable[str] = (),
    ) -> Selection:
        """The best ``top_n`` stories and why each other one was left out (see
        :meth:`Picker.select_explained`)."""
        return self.picker.select_explained(
            scored, department, top_n=top_n, skip_story_ids=skip_story_ids, skip_titles=skip_titles
        )

    def rank(
        self,
        candidates: Iterable[Candidate],
        department: str,
        *,
        now: datetime,
        top_n: int = 5,
        skip_story_ids: frozenset[int] | set[int] = frozenset(),
        skip_titles: Iterable[str] = (),
    ) -> list[ScoredStory]:
        """Score, then select: the briefing's stories for ``department``."""
        scored = self.score(candidates, department, now=now)
        return self.select(
            scored, department, top_n=top_n, skip_story_ids=skip_story_ids, skip_titles=skip_titles
        )
