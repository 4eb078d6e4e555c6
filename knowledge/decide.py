"""The calibrated three-way decision: answer, "related, not an answer", or no policy covers this.

BM25 always finds *something*; a wrong section with a policy link is worse than "I don't know".
A logistic regression over a few retrieval features, all relative to the loaded pack so they
mean the same on any company's policies, gives the probability that the best section answers:

* ``margin``: how far the best section is ahead of the second;
* ``coverage``: the rarity-weighted share of the question's words the best section holds;
* ``specific_coverage``: the same, weighted by how specific each word is to this pack compared
  with everyday English (``Vocabulary.specificity``), so "code" in "postal code" weighs little;
* ``topicality``: the most pack-specific word of the question;
* ``foreign``: the share of the question's words the pack never uses;
* ``informative_coverage``: the share of the question's words the best section holds, each
  weighted by how rare it is in everyday English (pack-independent: "cost", "deadline",
  "install" weigh as much here as anywhere), which is how a near miss shows: the pack's
  vocabulary is there, the word asking for what no section says is not;
* ``passage_coverage``: the largest share of the question (rarity-weighted) that one passage
  of the best section holds, so words scattered over a long section count for less;
* ``topical_mass``: how far each word's specificity exceeds a thousandfold, summed, over one
  plus the number of words the pack never uses (how on-subject the question is as a whole);
* ``foreign_everyday``: the share of the question's words the pack never uses that are
  everyday English ("pension", "chair"), unlike names and jargon ("midjourney", "deepseek")
  that an AI question may well use although the pack does not;
* ``missing_informative``: the most informative (rarest in everyday English) question word the
  best section lacks, relative to the question's most informative word ("builder day",
  "interns": the one word that asks what the pack does not say);
* ``unanswered_kind``: the question asks for an amount, a time or money (general English
  question forms: "how much", "how many X", "cost", "when", "deadline", "pay for", "expense")
  and the best section states none (a figure with a unit, a figure counting X, a duration, a
  date, a frequency, a word of payment; list numbering is no figure);
* ``asked_thing_missing``: the words a "which/what" question names ("which *version* of…",
  "what *font size*…") are not in the best section: it is about the subject, not the ask;
* ``intro``: the best section is a policy's overview (the text before its first heading): a
  question that finds no specific section but the overview is more often a near miss;
* ``heading_coverage``: the rarity-weighted share of the question's words the best section's
  heading path holds (a heading is the pack author's summary of what the section answers);
* ``question_length``: log of one plus the number of the question's words searched (one or two
  words match by chance more easily than five);
* ``asks_procedure`` / ``asks_person``: the question asks how to do something or where to go
  ("how do i request…", "where can i…"), or who someone is, in general English question forms:
  what a near miss often asks and a policy seldom sets out.

The coefficients are trained leave-one-pack-out over real public policy packs by
``bench/policy_packs.py --write-model`` (scikit-learn) and ship as data in
``knowledge/data/abstain.json``; nothing is pickled and nothing is learnt at run time.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from knowledge.asks import ASKS_PERSON, ASKS_PROCEDURE, asked_thing_missing, unanswered_kind
from knowledge.passages import passages, plain
from knowledge.query import EXPANSION_WEIGHT, QueryPlan, TermGroup, Vocabulary
from knowledge.search import Ranked, index_tokens
from knowledge.text import stems

MODEL_FILE = Path(__file__).resolve().parent / "data" / "abstain.json"

FEATURES: tuple[str, ...] = (
    "margin",
    "coverage",
    "specific_coverage",
    "topicality",
    "foreign",
    "informative_coverage",
    "foreign_everyday",
    "passage_coverage",
    "topical_mass",
    "missing_informative",
    "unanswered_kind",
    "intro",
    "heading_coverage",
    "question_length",
    "asks_procedure",
    "asks_person",
    "asked_thing_missing",
)

# A word no section uses counts like a moderately specific word in the specificity-weighted
# shares, so a question mostly about something else is not covered by its one policy word.
FOREIGN_SPECIFICITY = 2.0
# Specificity is log10(pack share / English share); everyday words sit near 0 to 2.
SPECIFICITY_FLOOR = 1.0

# Specificity above which a word adds to ``topical_mass`` (a thousand times more common in the
# pack than in everyday English).
MASS_ABOVE = 3.0
# -log10 share of the commonest content words ("get", "use" sit near 3): they say little.
INFORMATIVE_FLOOR = 3.0

Verdict = Literal["answer", "related", "no_match"]


@dataclass(frozen=True)
class Decision:
    """What to tell the user, the probability it was decided on, and the features."""

    verdict: Verdict
    probability: float
    features: dict[str, float]


@dataclass(frozen=True)
class Model:
    """A fitted logistic regression as plain numbers: standardise, dot, sigmoid."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    answer_at: float
    related_at: float

    def probability(self, values: dict[str, float]) -> float:
        z = self.intercept
        for name, mean, scale, coef in zip(self.features, self.mean, self.scale, self.coef, strict=True):
            z += coef * (values[name] - mean) / (scale or 1.0)
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Model:
        return cls(
            features=tuple(data["features"]),
            mean=tuple(data["mean"]),
            scale=tuple(data["scale"]),
            coef=tuple(data["coef"]),
            intercept=float(data["intercept"]),
            answer_at=float(data["answer_at"]),
            related_at=float(data["related_at"]),
        )


@cache
def shipped_model() -> Model:
    """The model in ``knowledge/data/abstain.json`` (read once)."""
    return Model.from_dict(json.loads(MODEL_FILE.read_text(encoding="utf-8")))


def _specific(vocabulary: Vocabulary, word: str) -> float:
    value = vocabulary.specificity(word)
    if value is None:
        return FOREIGN_SPECIFICITY
    return max(0.0, value - SPECIFICITY_FLOOR)


def _informative(vocabulary: Vocabulary, word: str) -> float:
    """How much a word says, from general English alone: -log10 of its share, less a floor."""
    if vocabulary.english is None or word.isdigit():
        return 1.0
    return max(0.5, -math.log10(vocabulary.english.share(word)) - INFORMATIVE_FLOOR)


def _passage_coverage(groups: Sequence[TermGroup], best: Ranked, vocabulary: Vocabulary) -> float:
    """The largest rarity-weighted share of the question's words that one passage of the best
    section holds (its heading path counts in every passage): words scattered over a long
    section answer less than words found together."""
    weights = {g.text: vocabulary.idf(g.text) or vocabulary.unknown_weight for g in groups}
    total = sum(weights.values()) or 1.0
    heading = set(stems(best.candidate.path))
    best_share = 0.0
    for passage in passages(best.candidate.body) or []:
        held = heading | set(stems(plain(passage.text())))
        share = sum(w for text, w in weights.items() if set(stems(text)) <= held and stems(text))
        best_share = max(best_share, share / total)
    return best_share


def features(plan: QueryPlan, ranked: Sequence[Ranked], vocabulary: Vocabulary) -> dict[str, float]:
    """The features of an analysed question and its ranked sections (at least one)."""
    best = ranked[0]
    second = ranked[1].score if len(ranked) > 1 else 0.0
    groups = [g for g in plan.groups if not g.text.isdigit()] or list(plan.groups)
    known_everything = set(stems(best.candidate.body)) | set(stems(best.candidate.path))
    total = held = 0.0
    info_total = info_held = 0.0
    foreign = everyday = 0
    topical = mass = 0.0
    for group in groups:
        weight = _specific(vocabulary, group.text)
        if vocabulary.specificity(group.text) is None:
            foreign += 1
            everyday += vocabulary.is_real_word(group.text)
        else:
            topical = max(topical, vocabulary.specificity(group.text) or 0.0)
            mass += max(0.0, (vocabulary.specificity(group.text) or 0.0) - MASS_ABOVE)
        total += weight
        own = set(stems(group.text))
        info = _informative(vocabulary, group.text)
        info_total += info
        if own and own <= known_everything:
            info_held += info
            held += weight
        else:
            for term in group.expansions:
                term_stems = set(index_tokens(term))
                if term_stems and term_stems <= known_everything:
                    held += EXPANSION_WEIGHT * weight
                    break
    passage = _passage_coverage(groups, best, vocabulary)
    missing = [
        _informative(vocabulary, g.text)
        for g in groups
        if not (set(stems(g.text)) and set(stems(g.text)) <= known_everything)
    ]
    most = max((_informative(vocabulary, g.text) for g in groups), default=1.0) or 1.0
    rarity = {g.text: vocabulary.idf(g.text) or vocabulary.unknown_weight for g in groups}
    heading = set(stems(best.candidate.path))
    in_heading = sum(w for text, w in rarity.items() if set(stems(text)) and set(stems(text)) <= heading)
    question = plan.text.lower()
    return {
        "heading_coverage": in_heading / (sum(rarity.values()) or 1.0),
        "question_length": math.log1p(len(groups)),
        "asks_procedure": float(bool(ASKS_PROCEDURE.search(question))),
        "asks_person": float(bool(ASKS_PERSON.search(question))),
        "asked_thing_missing": asked_thing_missing(plan.text, known_everything),
        "missing_informative": max(missing, default=0.0) / most,
        "unanswered_kind": unanswered_kind(plan.text, best),
        "intro": float(best.candidate.is_intro),
        "passage_coverage": passage,
        "margin": (best.score - second) / best.score if best.score > 0 else 0.0,
        "coverage": best.coverage,
        "specific_coverage": held / total if total else 0.0,
        "topicality": topical,
        "foreign": foreign / len(groups) if groups else 1.0,
        "informative_coverage": info_held / info_total if info_total else 0.0,
        "foreign_everyday": everyday / len(groups) if groups else 1.0,
        "topical_mass": mass / (1 + foreign),
    }


def decide(
    plan: QueryPlan,
    ranked: Sequence[Ranked],
    vocabulary: Vocabulary,
    model: Model | None = None,
) -> Decision:
    """Answer, related or no match for an analysed question and its ranked sections."""
    if not ranked:
        return Decision("no_match", 0.0, {})
    model = model or shipped_model()
    values = features(plan, ranked, vocabulary)
    p = model.probability(values)
    if p >= model.answer_at:
        return Decision("answer", p, values)
    if p >= model.related_at and ranked[0].matched_groups:
        return Decision("related", p, values)
    return Decision("no_match", p, values)
