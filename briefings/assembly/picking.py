"""Picking a briefing's stories from those that passed the bar (pure): source diversity as a
preference, retellings collapsed into the story they retell, and why each other story was left
out.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from briefings.assembly.ranked import Candidate, RankingConfig, ScoredStory, Selection
from briefings.assembly.scoring import merged, near_duplicate, title_words
from briefings.assembly.similar import Rarity, SimilarityConfig, StoryTerms, retelling, story_terms

# A chosen story made ready to show (its matched phrases and "why it matters" filled in).
Explain = Callable[[ScoredStory, str], ScoredStory]


class Picker:
    """Chooses the stories of one briefing; remembers word rarity and story terms between calls."""

    def __init__(self, config: RankingConfig, similarity: SimilarityConfig, explain: Explain) -> None:
        self.config = config
        self.similarity = similarity
        self.explain = explain
        self._terms: dict[tuple[str, str], StoryTerms] = {}
        self._rarities: dict[int, tuple[Sequence[ScoredStory], Rarity]] = {}

    def select_explained(
        self,
        scored: Sequence[ScoredStory],
        department: str,
        *,
        top_n: int,
        skip_story_ids: frozenset[int] | set[int] = frozenset(),
        skip_titles: Iterable[str] = (),
    ) -> Selection:
        """The best ``top_n`` stories of ``scored`` (all above the bar, best first), and why each
        other one was left out.

        Stories in ``skip_story_ids`` (already delivered) and near-duplicates of ``skip_titles``
        are passed over (``already_posted``). A retelling of a story already chosen (the same
        news in other words from another feed) is collapsed into it, the better-ranked one
        staying: one entry, the others named as "also reported by", and every collapsed story's
        ID kept with it for the channel's memory (``same_story``).

        Source diversity is a preference, never a reason for a shorter briefing: each pick is the
        story with the best score after multiplying by ``source_penalty`` when a story from its
        source is already shown, so another story from a shown source needs a clearly higher
        score than one from a new source, and the briefing still fills up from whatever passed
        the bar.
        A story that would have been shown on its score alone but lost its place that way is
        ``source_diversity``; one the full briefing had no room for is ``below_bar`` (it ranked
        below the last story shown).
        """
        cfg = self.config
        pool_size = cfg.duplicate_pool
        seen = [title_words(t) for t in skip_titles]
        rarity = self._rarity(scored)
        left_out: dict[str, str] = {}
        open_: list[tuple[int, ScoredStory, frozenset[str]]] = []
        for rank, story in enumerate(scored):
            cand = story.candidate
            if cand.story_id is not None and cand.story_id in skip_story_ids:
                left_out[cand.key] = "already_posted"
                continue
            words = title_words(cand.title)
            if any(near_duplicate(words, old) for old in seen):
                left_out[cand.key] = "already_posted"
                continue
            open_.append((rank, story, words))
        per_source: dict[str, int] = defaultdict(int)
        chosen: list[ScoredStory] = []
        chosen_ranks: list[int] = []
        # Each chosen story's title words, terms and date: retellings are compared with it alone
        # (not with each other), so a chain of loose likenesses never drags in other news.
        kept: list[tuple[frozenset[str], StoryTerms, datetime]] = []
        capped: set[str] = set()

        def source_of(story: ScoredStory) -> str:
            return (story.candidate.source_keys or story.candidate.sources or ("?",))[0]

        def merge_twin(rank: int, story: ScoredStory, words: frozenset[str]) -> bool:
            cand = story.candidate
            twin = self._twin(kept, words, self.terms(cand), cand.published_at, rarity)
            if twin is None:
                return False
            chosen[twin] = merged(chosen[twin], cand)
            left_out[cand.key] = "same_story"
            return True

        # Best first by score, a story from a source already shown at ``source_penalty`` x its
        # score: popped unpenalised and its source shown since, it goes back once, penalised.
        heap = [(-story.score, rank, i) for i, (rank, story, _words) in enumerate(open_)]
        heapq.heapify(heap)
        penalised: set[int] = set()
        taken: set[int] = set()
        while len(chosen) < top_n and heap:
            _value, rank, i = heapq.heappop(heap)
            _rank, story, words = open_[i]
            source = source_of(story)
            if cfg.per_source is not None and per_source[source] >= cfg.per_source:
                continue
            if per_source[source] and i not in penalised:
                penalised.add(i)
                heapq.heappush(heap, (-story.score * cfg.source_penalty, rank, i))
                continue
            taken.add(i)
            if merge_twin(rank, story, words):
                continue
            per_source[source] += 1
            chosen.append(self.explain(story, department))
            chosen_ranks.append(rank)
            kept.append((words, self.terms(story.candidate), story.candidate.published_at))
        open_ = [entry for i, entry in enumerate(open_) if i not in taken]
        # After the briefing is full, the rest of the pool is still checked so that retellings of
        # the chosen stories are named (and remembered) with them.
        last = max(chosen_ranks, default=-1)
        for rank, story, words in open_:
            key = story.candidate.key
            if rank < pool_size and merge_twin(rank, story, words):
                continue
            source = source_of(story)
            if cfg.per_source is not None and per_source[source] >= cfg.per_source:
                capped.add(key)
            if rank < last or key in capped:
                left_out[key] = "source_diversity"
            else:
                left_out[key] = "below_bar"
        return Selection(chosen, left_out)

    def _twin(
        self,
        kept: list[tuple[frozenset[str], StoryTerms, datetime]],
        words: frozenset[str],
        terms: StoryTerms,
        published: datetime,
        rarity: Rarity,
    ) -> int | None:
        """The index of the chosen story that this one retells (or nearly repeats), if any."""
        for i, (other_words, other_terms, when) in enumerate(kept):
            if near_duplicate(words, other_words) or retelling(
                terms,
                other_terms,
                a_published=published,
                b_published=when,
                rarity=rarity,
                config=self.similarity,
            ):
                return i
        return None

    def _rarity(self, scored: Sequence[ScoredStory]) -> Rarity:
        """Word rarity over the first ``duplicate_pool`` scored stories. Every subscription of a
        department due at one slot selects from the same scored list: computed once for it."""
        found = self._rarities.get(id(scored))
        if found is not None and found[0] is scored:
            return found[1]
        pool = scored[: self.config.duplicate_pool]
        rarity = Rarity((self.terms(s.candidate) for s in pool), prior_docs=self.similarity.prior_docs)
        if len(self._rarities) >= 16:
            self._rarities.clear()
        self._rarities[id(scored)] = (scored, rarity)
        return rarity

    def terms(self, cand: Candidate) -> StoryTerms:
        """The content words compared for retellings of ``cand`` (remembered between calls)."""
        key = (cand.title, cand.summary)
        found = self._terms.get(key)
        if found is None:
            if len(self._terms) > 200_000:
                self._terms.clear()
            found = self._terms[key] = story_terms(
                cand.title, cand.summary, summary_chars=self.similarity.summary_chars
            )
        return found
