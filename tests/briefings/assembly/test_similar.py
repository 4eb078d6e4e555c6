"""Retelling detection: precision and recall on labelled story pairs, and the rule's guards.

The thresholds in ``briefings.assembly.similar`` were chosen on the ``tune`` pairs of
tests/data/story_pairs.yaml. ``holdout`` was scored once with the first version of the rule; it
showed three false merges (two companies doing the same kind of thing), so the rule gained its
figure and name guards and ``holdout`` became tuning data too. ``holdout2`` was written before
that change and scored once afterwards. Measured (also printed with ``pytest -s``):

    tune      precision 1.00 (17/17)  recall 0.77 (17/22)
    holdout   precision 1.00 (7/7)    recall 0.70 (7/10)   [first rule: 0.75 (9/12), 0.90]
    holdout2  precision 1.00 (4/4)    recall 0.67 (4/6)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from briefings.assembly.scoring import near_duplicate, title_words
from briefings.assembly.similar import (
    Rarity,
    SimilarityConfig,
    StoryTerms,
    conflicting_figures,
    retelling,
    similarity,
    story_terms,
)

PAIRS = Path(__file__).resolve().parents[2] / "data" / "story_pairs.yaml"
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def pairs() -> list[dict[str, Any]]:
    return yaml.safe_load(PAIRS.read_text(encoding="utf-8"))


def judge(pairs: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Confusion counts per split, with the rule a briefing uses (near-identical headline, or a
    retelling); word rarity comes from every story in the file, as from a week's candidates."""
    cfg = SimilarityConfig()
    terms = [story_terms(p[s]["title"], p[s]["summary"]) for p in pairs for s in "ab"]
    rarity = Rarity(terms, prior_docs=cfg.prior_docs)
    out: dict[str, dict[str, int]] = {}
    for i, pair in enumerate(pairs):
        merged = near_duplicate(
            title_words(pair["a"]["title"]), title_words(pair["b"]["title"])
        ) or retelling(
            terms[2 * i],
            terms[2 * i + 1],
            a_published=T0,
            b_published=T0 + timedelta(hours=pair["hours_apart"]),
            rarity=rarity,
            config=cfg,
        )
        counts = out.setdefault(pair["split"], {"tp": 0, "fp": 0, "fn": 0, "tn": 0})
        counts[("t" if merged == pair["same"] else "f") + ("p" if merged else "n")] += 1
    return out


def test_the_labelled_set_is_big_and_balanced(pairs: list[dict[str, Any]]) -> None:
    assert len(pairs) >= 40
    for split in ("tune", "holdout", "holdout2"):
        same = [p for p in pairs if p["split"] == split and p["same"]]
        different = [p for p in pairs if p["split"] == split and not p["same"]]
        assert same and len(same) == len(different), split
    assert len({p["id"] for p in pairs}) == len(pairs)


@pytest.mark.parametrize("split", ["tune", "holdout", "holdout2"])
def test_no_different_stories_are_merged_and_most_retellings_are(
    pairs: list[dict[str, Any]], split: str
) -> None:
    c = judge(pairs)[split]
    precision = c["tp"] / max(1, c["tp"] + c["fp"])
    recall = c["tp"] / max(1, c["tp"] + c["fn"])
    print(f"{split}: precision {precision:.2f}, recall {recall:.2f}, {c}")
    # A wrong merge hides news: none allowed. A missed one shows the news twice: tolerated.
    assert c["fp"] == 0, c
    assert recall >= 0.6, c


def test_retellings_further_apart_need_more_and_a_week_apart_never_merge() -> None:
    a = story_terms("Bank to train 12,000 staff in AI", "Nordbank makes AI literacy compulsory for 12,000.")
    b = story_terms("Nordbank trains 12,000 staff in AI", "The bank makes AI literacy compulsory for 12,000.")
    rarity = Rarity([a, b])
    score = similarity(a, b, rarity)
    cfg = SimilarityConfig(threshold=score - 0.01, late_threshold=score + 0.01)
    assert retelling(a, b, a_published=T0, b_published=T0 + timedelta(hours=70), rarity=rarity, config=cfg)
    assert not retelling(
        a, b, a_published=T0, b_published=T0 + timedelta(hours=80), rarity=rarity, config=cfg
    )
    cfg = SimilarityConfig(threshold=0.0, late_threshold=0.0)
    assert not retelling(a, b, a_published=T0, b_published=T0 + timedelta(days=8), rarity=rarity, config=cfg)


def test_different_figures_mean_different_news() -> None:
    amazon = story_terms("Amazon invests $4bn more in Anthropic", "Its total stake rises to $8 billion.")
    google = story_terms("Google invests $1 billion more in Anthropic", "On top of $2 billion before.")
    retold = story_terms("Anthropic gets another $4 billion from Amazon", "Amazon's stake reaches $8bn.")
    assert conflicting_figures(amazon, google)
    assert not conflicting_figures(amazon, retold)
    assert not conflicting_figures(amazon, story_terms("Amazon backs Anthropic", "No figures here."))


def test_stop_words_and_filler_do_not_count() -> None:
    terms = story_terms("The AI company says it will use new tools", "")
    assert terms.words == frozenset({"tool"})
    assert isinstance(terms, StoryTerms)
