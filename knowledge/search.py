"""Policy search: a field-weighted BM25 ranker over the loaded pack.

The ranker is ``bm25s`` (a maintained BM25 library on sparse matrices), one index per field of
a section: the policy title, the heading path (the ``#`` heading a ``##`` section sits under,
then its own heading), the running text and the list items. It is built from the catalogue
once per catalogue version, so SQLite and PostgreSQL rank identically. ``knowledge.query``
turns a question into the concept groups searched here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import bm25s
import numpy as np

from knowledge.query import EXPANSION_WEIGHT, QueryPlan, Vocabulary
from knowledge.text import STOPWORDS, stem, stems, words

# bm25s logs every index build at DEBUG; one per catalogue version is noise in our logs.
logging.getLogger("bm25s").setLevel(logging.WARNING)

# The ranker's indexes and their weights: "all" is every field in one document, BM25F-style
# (a field's words repeated ``REPEATS`` times, so one length normalisation and one idf cover
# the section), and the heading path once more on its own (headings are curated summaries).
# Summing separate per-field BM25 scores ranked worse on every pack (see bench/policy_packs.py).
FIELD_WEIGHTS: dict[str, float] = {"all": 1.0, "path": 0.5}
BM25_K1, BM25_B = 1.2, 0.5
# The text before a policy's first section (headed by the policy title) is an overview; a
# specific section that matches as well is the better answer.
INTRO_FACTOR = 0.8


@dataclass(frozen=True)
class Candidate:
    """A policy section with what to show (``rank``: the ranker's score, higher is better)."""

    section_id: int
    rank: float
    heading: str
    body: str
    anchor: str
    level: int
    policy_id: str
    policy_title: str
    owner: str
    url: str | None
    updated: str | None
    owner_channel: str | None = None
    parent: str = ""

    @property
    def path(self) -> str:
        """The heading path: the ``#`` heading this section sits under, then its own."""
        return f"{self.parent} {self.heading}" if self.parent else self.heading

    @property
    def is_intro(self) -> bool:
        return self.level == 1 and self.heading == self.policy_title


_LIST_LINE = re.compile(r"^\s*(?:[-*+]|\d+[.)]|[a-z][.)])\s+")


def split_fields(candidate: Candidate) -> dict[str, str]:
    """A section's text by field: policy title, heading path, running text, list items."""
    body_lines: list[str] = []
    item_lines: list[str] = []
    for line in candidate.body.splitlines():
        (item_lines if _LIST_LINE.match(line) else body_lines).append(line)
    fields = {
        "title": candidate.policy_title,
        "path": _beyond_title(candidate),
        "body": "\n".join(body_lines),
        "items": "\n".join(item_lines),
    }
    fields["all"] = "\n".join(
        "\n".join([fields[name]] * REPEATS.get(name, 0)) for name in ("title", "path", "body", "items")
    )
    return fields


# BM25F-style field weights inside one document: a field's words are repeated this many times.
REPEATS: dict[str, int] = {"title": 1, "path": 2, "body": 1, "items": 1}


def _beyond_title(candidate: Candidate) -> str:
    """The heading path without the policy title's words: every section of a policy shares its
    title, so a heading repeating it ("What ChatGPT does" in the ChatGPT policy) says nothing
    more about the section."""
    title = set(stems(candidate.policy_title))
    kept = [w for w in words(candidate.path) if stem(w) not in title]
    return " ".join(kept) if kept else candidate.path


def index_tokens(text_: str) -> list[str]:
    """Stems the ranker indexes and searches: no stopwords, and never an empty document."""
    return [stem(w) for w in words(text_) if w not in STOPWORDS]


@dataclass(frozen=True)
class SectionStems:
    """A section's stems, computed once per catalogue version."""

    heading: frozenset[str]
    everything: frozenset[str]


def section_stems(candidate: Candidate) -> SectionStems:
    head = frozenset(stems(candidate.path))
    return SectionStems(head, head | frozenset(stems(candidate.body)))


@dataclass(frozen=True)
class Ranked:
    """A section with its score and what of the question it holds.

    ``coverage``: the share of the question's (rarity-weighted) concepts the section holds in
    the user's own words; an expansion matching adds at most half a concept, so expansions alone
    never make a question covered.
    """

    candidate: Candidate
    score: float
    coverage: float
    matched_groups: tuple[str, ...]
    matched_stems: frozenset[str]


def group_weights(plan: QueryPlan, vocabulary: Vocabulary) -> dict[str, float]:
    """Each concept's weight: the rarity of its own word (common words count little); a word
    found nowhere in the policies weighs as a word found in one section would, so it still
    counts against coverage whatever the pack's size."""
    return {group.text: vocabulary.idf(group.text) or vocabulary.unknown_weight for group in plan.groups}


@dataclass
class PackRanker:
    """Field-weighted BM25 (``bm25s``) over every section of the loaded pack."""

    sections: list[Candidate]
    field_weights: dict[str, float] = field(default_factory=lambda: dict(FIELD_WEIGHTS))
    _indexes: dict[str, bm25s.BM25] = field(default_factory=dict)
    _cache: dict[str, np.ndarray] = field(default_factory=dict)
    _prior: np.ndarray | None = None

    def __post_init__(self) -> None:
        columns: dict[str, list[list[str]]] = {name: [] for name in self.field_weights}
        for section in self.sections:
            fields = split_fields(section)
            for name in self.field_weights:
                columns[name].append(index_tokens(fields[name]))
        if self.sections:
            for name, corpus in columns.items():
                if not any(corpus):
                    continue  # e.g. a pack without lists: nothing for that field to rank
                index = bm25s.BM25(k1=BM25_K1, b=BM25_B)
                index.index(corpus, show_progress=False)
                self._indexes[name] = index
        self._prior = np.array([INTRO_FACTOR if s.is_intro else 1.0 for s in self.sections])

    def stem_scores(self, stem_: str) -> np.ndarray:
        """The field-weighted BM25 score of every section for one stem (memoised)."""
        found = self._cache.get(stem_)
        if found is None:
            found = np.zeros(len(self.sections))
            for name, index in self._indexes.items():
                if stem_ in index.vocab_dict:
                    found = found + self.field_weights[name] * index.get_scores([stem_])
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[stem_] = found
        return found

    def query_weights(self, plan: QueryPlan) -> dict[str, float]:
        """Each stem searched and its weight: the user's words 1, expansions ``EXPANSION_WEIGHT``."""
        weights: dict[str, float] = {}
        for group in plan.groups:
            for i, term in enumerate(group.terms):
                w = 1.0 if i == 0 else EXPANSION_WEIGHT
                for s in index_tokens(term):
                    weights[s] = max(weights.get(s, 0.0), w)
        return weights

    def scores(self, plan: QueryPlan) -> np.ndarray:
        total = np.zeros(len(self.sections))
        for s, w in self.query_weights(plan).items():
            total = total + w * self.stem_scores(s)
        assert self._prior is not None
        scores: np.ndarray = total * self._prior
        return scores


def rank(
    plan: QueryPlan,
    ranker: PackRanker,
    vocabulary: Vocabulary,
    stems_of: dict[int, SectionStems],
    limit: int = 20,
) -> list[Ranked]:
    """The best sections for a plan, best first, each with its coverage of the question."""
    if plan.is_empty or not ranker.sections:
        return []
    scores = ranker.scores(plan)
    order = [int(i) for i in np.argsort(-scores, kind="stable")[:limit] if scores[i] > 0]
    weights = group_weights(plan, vocabulary)
    total = sum(weights.values()) or 1.0
    ranked = []
    for position in order:
        c = ranker.sections[position]
        known = stems_of.get(c.section_id) or section_stems(c)
        covered = 0.0
        matched: list[str] = []
        matched_stems: set[str] = set()
        for group in plan.groups:
            own = frozenset(stems(group.text))
            if own and own <= known.everything:
                covered += weights[group.text]
                matched.append(group.text)
                matched_stems |= own
                continue
            for term in group.expansions:
                term_stems = frozenset(index_tokens(term))
                if term_stems and term_stems <= known.everything:
                    covered += EXPANSION_WEIGHT * weights[group.text]
                    matched.append(group.text)
                    matched_stems |= term_stems
                    break
        ranked.append(
            Ranked(
                replace(c, rank=float(scores[position])),
                float(scores[position]),
                covered / total,
                tuple(matched),
                frozenset(matched_stems),
            )
        )
    return ranked


def plain_bm25(sections: Sequence[Candidate]) -> bm25s.BM25:
    """The baseline: one BM25 index over heading and body, no fields, no abstention."""
    index = bm25s.BM25(k1=BM25_K1, b=BM25_B)
    index.index([index_tokens(f"{s.heading}\n{s.body}") for s in sections], show_progress=False)
    return index
