"""Policy lookups: ``/ai-policy`` answers, plain search, and the briefings' related-section link.

Threading: one instance serves every thread; the index and answers are cached per catalogue
version (see ``knowledge.index``).
"""

from __future__ import annotations

import difflib
import logging
from dataclasses import replace
from typing import Any

from knowledge.catalogue import Catalogue
from knowledge.decide import Decision, decide
from knowledge.excerpt import excerpt, weighted
from knowledge.index import AnswerCache, PolicyIndex, VersionedMemo, build_policy_index
from knowledge.passages import plain
from knowledge.query import QueryPlan, analyze_query
from knowledge.search import Ranked, group_weights, rank
from knowledge.text import STOPWORDS, stems, unique, words
from knowledge.types import PolicyAnswer, SectionHit

log = logging.getLogger(__name__)

# Related sections must score at least this fraction of the best one.
RELATED_RATIO = 0.4
# Headline text for the briefing's "related policy" link: at least this many distinct, not too
# common concepts must match the section, and words of its heading must carry this much weight.
# Checked against the 126 labelled headlines in tests/data: 23 get a link, none of the general-
# AI-news ("none") stories do.
RELATED_MIN_GROUPS = 4
RELATED_MIN_IDF = 1.0
RELATED_MIN_HEADING_WEIGHT = 2.5
# A link on one story (more visible than the briefing's one reminder) must also match more
# concepts and cover a good share of the story's: on those 126 headlines (title and summary) 9
# get a link, each to a section a reader would agree the story touches, none of the 17 "none".
STORY_MIN_GROUPS = 5
STORY_MIN_COVERAGE = 0.3

# (verdict, sections to show, closest topics) for an analysed question.
Outcome = tuple[str, tuple[SectionHit, ...], tuple[str, ...]]


class PolicySearch:
    """Answers policy questions against the current catalogue."""

    def __init__(self, *, catalogue: Catalogue, memo: VersionedMemo, answers: AnswerCache) -> None:
        self.catalogue = catalogue
        self._memo = memo
        self._answers = answers

    def version(self) -> int:
        return self.catalogue.versions().get("policies", 0)

    def index(self, version: int | None = None) -> PolicyIndex:
        """The in-memory index for ``version`` (default: the current one)."""
        version = self.version() if version is None else version
        return self._memo.get("policies", version, lambda: build_policy_index(self.catalogue.store))

    @staticmethod
    def _ranked(plan: QueryPlan, index: PolicyIndex) -> list[Ranked]:
        return rank(plan, index.ranker, index.vocabulary, index.stems)

    @staticmethod
    def _hit(ranked: Ranked, index: PolicyIndex, plan: QueryPlan | None = None) -> SectionHit:
        c = ranked.candidate
        url = f"{c.url}#{c.anchor}" if c.url and c.anchor and "#" not in c.url else c.url
        wanted = weighted(ranked.matched_stems, index.vocabulary.idf)
        shown = excerpt(c.body, wanted, heading=c.path)
        return SectionHit(
            policy_id=c.policy_id,
            policy_title=c.policy_title,
            heading=c.heading,
            excerpt=plain(shown),
            url=url,
            owner=c.owner,
            updated=c.updated,
            score=round(ranked.score, 4),
            matched_terms=ranked.matched_groups,
            section_id=c.section_id,
            owner_channel=c.owner_channel,
            excerpt_markdown=shown,
        )

    def search(self, query: str, limit: int = 3) -> list[SectionHit]:
        """The best sections for a question, whatever the verdict (never from the answer cache)."""
        query = " ".join((query or "").split())[:500]
        if not query:
            return []
        index = self.index()
        plan = analyze_query(query, index.vocabulary)
        return [self._hit(r, index) for r in self._ranked(plan, index)[:limit]]

    def answer(self, query: str, *, limit: int = 3, contact: str) -> PolicyAnswer:
        """Answer ``/ai-policy``: the best section, "related, not an answer", or no match."""
        query = " ".join((query or "").split())[:500]
        version = self.version()
        key = ("policy", version, query.lower(), limit, contact)
        cached = self._answers.get(key)
        if cached is not None:
            return replace(cached, query=query)  # type: ignore[no-any-return]
        answer = self._answer(query, limit, version, contact)
        self._answers.put(key, answer)
        return answer

    def _answer(self, query: str, limit: int, version: int, contact: str) -> PolicyAnswer:
        index = self.index(version)
        if not index.policies:
            return PolicyAnswer(query, "empty", contact)
        if not query:
            return PolicyAnswer(query, "list", contact, policies=tuple(index.policies))
        plan = analyze_query(query, index.vocabulary)
        concepts = tuple(group.text for group in plan.groups)
        # Questions that analyse to the same concepts ("prompt injection please?") rank alike.
        key = ("ranked", version, tuple((g.text, g.terms) for g in plan.groups), limit)
        outcome: Outcome | None = self._answers.get(key)
        if outcome is None:
            outcome = self._decide(plan, index, limit)
            self._answers.put(key, outcome)
        verdict, sections, topics = outcome
        common: dict[str, Any] = {"corrections": plan.corrections, "concepts": concepts}
        if verdict == "answer":
            return PolicyAnswer(query, "answer", contact, hits=sections, **common)
        return PolicyAnswer(
            query,
            "related" if verdict == "related" else "no_match",
            contact,
            related=sections,
            suggestions=topics,
            policies=tuple(index.policies),
            **common,
        )

    def judge(self, plan: QueryPlan, index: PolicyIndex) -> tuple[list[Ranked], Decision]:
        """The ranked sections for a plan and the verdict on the best one."""
        ranked = self._ranked(plan, index)
        decision = decide(plan, ranked, index.vocabulary)
        if decision.verdict == "answer" and plan.expansions:
            # Expansions may find a section, never make one an answer: the user's own words
            # must earn the answer on their own, else it is shown as related.
            own = plan.without_expansions()
            if decide(own, self._ranked(own, index), index.vocabulary).verdict != "answer":
                decision = replace(decision, verdict="related")
        return ranked, decision

    def _decide(self, plan: QueryPlan, index: PolicyIndex, limit: int) -> Outcome:
        ranked, decision = self.judge(plan, index)
        if decision.verdict == "no_match":
            return "no_match", (), tuple(self._suggestions(plan, ranked, index))
        best = ranked[0]
        if decision.verdict == "related":
            return "related", (self._hit(best, index),), ()
        related = [r for r in ranked[1:] if r.score >= RELATED_RATIO * best.score and r.coverage > 0]
        return "answer", tuple(self._hit(r, index) for r in [best, *related][:limit]), ()

    @staticmethod
    def _suggestions(plan: QueryPlan, ranked: list[Ranked], index: PolicyIndex, limit: int = 3) -> list[str]:
        """The closest AI-policy topics: the best-ranked sections (not answers, only nearest),
        else headings sharing a word (or nearly) with the question, else policy titles."""
        if ranked:
            return unique(f"{r.candidate.heading} ({r.candidate.policy_title})" for r in ranked[:limit])
        query = " ".join(group.text for group in plan.groups)
        found: dict[int, float] = {}
        for qw in unique(w for w in words(query) if len(w) > 3 and w not in STOPWORDS):
            candidates = index.heading_buckets().get(qw[0], [])
            for close in difflib.get_close_matches(qw, candidates, n=3, cutoff=0.75):
                similarity = difflib.SequenceMatcher(None, qw, close).ratio()
                for position in index.heading_words[close]:
                    found[position] = found.get(position, 0.0) + similarity
        best = sorted(found.items(), key=lambda item: (-item[1], item[0]))
        picks = [f"{index.headings[p][1]} ({index.headings[p][0]})" for p, _score in best[:limit]]
        return picks or [p.title for p in index.policies[:limit]]

    def related_section(self, text: str, *, story: bool = False) -> SectionHit | None:
        """The policy section most related to a bag of headline text, or None when none is close.

        Stricter than a question: names and news words should not drag in a policy, so typos
        are not corrected and the section must match several distinct, reasonably rare concepts.
        ``story``: the stricter test for linking one story (its title and summary).
        """
        version = self.version()
        key = ("related", version, story, " ".join(text.split())[:4000])
        # Every channel of a department gets the same stories in a tick: look each up once.
        cached: tuple[SectionHit | None] | None = self._answers.get(key)
        if cached is None:
            cached = (self._related(text, version, story),)
            self._answers.put(key, cached)
        return cached[0]

    def _related(self, text: str, version: int, story: bool) -> SectionHit | None:
        index = self.index(version)
        if not index.policies:
            return None
        plan = analyze_query(text[:4000], index.vocabulary, fix_typos=False)
        if plan.is_empty:
            return None
        ranked = self._ranked(plan, index)
        weights = group_weights(plan, index.vocabulary)
        for r in ranked[:5]:
            strong = [g for g in r.matched_groups if weights.get(g, 0.0) >= RELATED_MIN_IDF]
            heading = index.stems_of(r.candidate).heading
            in_heading = sum(
                weights[group.text]
                for group in plan.groups
                if group.text in strong and any(set(stems(term)) <= heading for term in group.terms)
            )
            if len(strong) < RELATED_MIN_GROUPS or in_heading < RELATED_MIN_HEADING_WEIGHT:
                continue
            if not story:
                return self._hit(r, index)
            if r.coverage >= STORY_MIN_COVERAGE and len(strong) >= STORY_MIN_GROUPS:
                return self._hit(r, index)
        return None
