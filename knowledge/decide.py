"""The calibrated three-way decision: answer, "related, not an answer", or no policy covers this.

BM25 always finds *something*; a wrong section with a policy link is worse than "I don't know".
Two measures decide, both cheap and computed on the analysed question:

* **topicality**: how much of the question is about the policies' subject. Each concept adds how
  far its specificity (policy use against general-English use, ``Vocabulary.specificity``)
  exceeds ``SPECIFIC_ABOVE``; words no policy uses at all ("dog", "vacation") damp the sum.
  "can I bring my dog to the office" scores 0, "what is prompt injection" about 5.
* **coverage**: the share of the question's (rarity-weighted) concepts the best section holds.

Thresholds were tuned on the "tune" halves of tests/data/policy_questions.yaml and
tests/data/offtopic_questions.yaml only; ``tests/knowledge/test_abstention.py`` and
``bench/abstention.py`` report both halves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from knowledge.search import QueryPlan, Ranked, Vocabulary

# Specificity (log10 of the share ratio) a concept must exceed to count as on the subject:
# 3 means the policies use it a thousand times more often than general English.
SPECIFIC_ABOVE = 3.0
# Topicality an answer needs; half of it (with a section matching an on-subject concept) earns
# "related, not an answer".
ANSWER_TOPICALITY = 0.68
RELATED_TOPICALITY = 0.34
# A section must cover this share of the question's (rarity-weighted) concepts to be an answer.
MIN_COVERAGE = 0.3

Verdict = Literal["answer", "related", "no_match"]


@dataclass(frozen=True)
class Decision:
    """What to tell the user, and the two measures it was decided on."""

    verdict: Verdict
    topicality: float
    coverage: float


def topicality(plan: QueryPlan, vocabulary: Vocabulary) -> float:
    """How on-subject a question is: specificity above ``SPECIFIC_ABOVE`` summed over its
    concepts, divided by one plus the number of concepts no policy mentions at all."""
    total = 0.0
    foreign = 0
    for group in plan.groups:
        values = [v for v in (vocabulary.specificity(term) for term in group.terms) if v is not None]
        if values:
            total += max(0.0, max(values) - SPECIFIC_ABOVE)
        else:
            foreign += 1
    return total / (1 + foreign)


def decide(plan: QueryPlan, ranked: Sequence[Ranked], vocabulary: Vocabulary) -> Decision:
    """Answer, related or no match for an analysed question and its ranked sections."""
    if not ranked:
        return Decision("no_match", 0.0, 0.0)
    score = topicality(plan, vocabulary)
    best = ranked[0]
    if score >= ANSWER_TOPICALITY and best.coverage >= MIN_COVERAGE:
        return Decision("answer", score, best.coverage)
    matched_on_subject = any(
        (vocabulary.specificity(text) or 0.0) > SPECIFIC_ABOVE for text in best.matched_groups
    )
    if score >= RELATED_TOPICALITY and matched_on_subject:
        return Decision("related", score, best.coverage)
    return Decision("no_match", score, best.coverage)
