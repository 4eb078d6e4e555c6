"""Matching a story against every department at once (pure): the phrases its title and summary
hold, the trained model's probabilities (about AI, and per department) and the meaning score;
each text's matches are remembered between calls, and a window's new texts are scored in one
batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from briefings.assembly.model import AI, NewsModel, load_model, story_text
from briefings.assembly.profiles import Profiles
from briefings.assembly.ranked import DeptMatch, PhraseIndex, RankingConfig
from briefings.assembly.scoring import phrase_relevance
from briefings.assembly.semantic import SemanticModel, model_for


class Matcher:
    """Per department, what a story matched and how likely it matters; remembered per text."""

    def __init__(
        self,
        profiles: Profiles,
        config: RankingConfig,
        *,
        semantic: SemanticModel | None = None,
        model: NewsModel | None = None,
    ) -> None:
        self.profiles = profiles
        self.config = config
        self.index = PhraseIndex(profiles)
        self._semantic = semantic
        self._model = model
        self._model_loaded = model is not None
        self.memo: dict[tuple[str, str], tuple[DeptMatch, ...]] = {}

    @property
    def semantic(self) -> SemanticModel:
        """The meaning model, trained on first use (about a second): commands that never rank,
        such as ``feeds refresh``, do not pay for it."""
        if self._semantic is None:
            self._semantic = model_for(self.profiles)
        return self._semantic

    @property
    def model(self) -> NewsModel | None:
        """The trained department model and AI gate (loaded on first use), or None when the
        configuration ranks without it."""
        if not self._model_loaded:
            self._model = load_model() if (self.config.use_model or self.config.ai_gate) else None
            self._model_loaded = True
        return self._model

    def warm(self) -> None:
        """Load what ranking needs now (the bot calls this at start, not on the first briefing)."""
        if self.model is not None:
            self.model.probabilities(["warm up"])
        if self._needs_semantic():
            self.semantic.scores("warm up")

    def modelled(self, department: str) -> bool:
        """Whether ``department`` is scored by the trained model (else by phrases and meaning)."""
        model = self.model
        return self.config.use_model and model is not None and department in model.names

    def _needs_semantic(self) -> bool:
        return any(not self.modelled(p.key) for p in self.profiles)

    def match(self, title: str, summary: str) -> tuple[DeptMatch, ...]:
        """Per department (in profile order), the phrases ``title`` and ``summary`` matched, and
        the probability that the story matters to it (``meaning``) and is about AI."""
        memo_key = (title, summary)
        found = self.memo.get(memo_key)
        if found is not None:
            return found
        self.prime([(title, summary)])
        return self.memo[memo_key]

    def prime(self, texts: Sequence[tuple[str, str]]) -> None:
        """Match every text not yet remembered, the model scoring them in one batch."""
        todo = list(dict.fromkeys(t for t in texts if t not in self.memo))
        if not todo:
            return
        if len(self.memo) + len(todo) > 200_000:
            # A long-running bot sees new texts every day; old ones are not worth keeping (this
            # batch's are all scored again: callers read them from the memo).
            self.memo.clear()
            todo = list(dict.fromkeys(texts))
        model = self.model
        probs = model.probabilities([story_text(t, s) for t, s in todo]) if model is not None else None
        columns = {name: i for i, name in enumerate(model.names)} if model is not None else {}
        modelled = [self.modelled(p.key) for p in self.profiles]
        semantic = self.semantic if not all(modelled) or self.config.semantic_blend else None
        n = len(self.profiles.profiles)
        for row, (title, summary) in enumerate(todo):
            title_hits, title_ex = self.index.scan(title)
            summary_hits, summary_ex = self.index.scan(summary)
            per_title: dict[int, set[int]] = defaultdict(set)
            per_summary: dict[int, set[int]] = defaultdict(set)
            for d, p in title_hits:
                per_title[d].add(p)
            for d, p in summary_hits:
                per_summary[d].add(p)
            excluded = title_ex | summary_ex
            meaning = semantic.scores(f"{title} {summary}") if semantic is not None else (0.0,) * n
            about_ai = float(probs[row, columns[AI]]) if probs is not None and AI in columns else 1.0
            matches = []
            for d, profile in enumerate(self.profiles):
                m = DeptMatch(
                    frozenset(per_title[d]),
                    frozenset(per_summary[d]),
                    d in excluded,
                    float(probs[row, columns[profile.key]])
                    if probs is not None and modelled[d]
                    else meaning[d],
                    about_ai,
                    meaning[d],
                )
                matches.append(replace(m, phrases=phrase_relevance(profile, m, self.config.title_factor)))
            self.memo[(title, summary)] = tuple(matches)
