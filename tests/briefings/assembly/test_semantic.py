"""The semantic scorer: stories found by meaning, traps damped, custom departments, no network."""

from __future__ import annotations

import logging
import socket
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from briefings.assembly import model as model_module
from briefings.assembly.profile_file import load_profiles
from briefings.assembly.rank import Ranker
from briefings.assembly.ranked import Candidate, RankingConfig
from briefings.assembly.semantic import TrainingConfig, features, load_training, model_for, train_for

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
DATA = Path(__file__).resolve().parents[2] / "data"


def cand(i: int, title: str, summary: str = "") -> Candidate:
    return Candidate(
        key=str(i),
        story_id=i,
        title=title,
        summary=summary,
        url=None,
        sources=(f"s{i}",),
        source_keys=(f"s{i}",),
        published_at=NOW - timedelta(hours=1),
    )


@pytest.fixture(scope="module")
def ranker() -> Ranker:
    # The meaning scorer ranks the departments the trained model has no labels for (custom
    # ones); here it ranks the bundled ones, as it did before the model, to test it alone.
    return Ranker(load_profiles(), RankingConfig(use_model=False, ai_gate=False))


def test_features_are_stems_and_word_pairs() -> None:
    assert {"pric", "per seat", "vendor"} <= features("Vendor moves to per-seat pricing")
    assert "the" not in features("the the the")


@pytest.mark.parametrize(
    ("title", "dept"),
    [
        ("Board asks when the pilots will earn their keep", "finance"),
        ("Bookkeepers finish month-end reporting in six days", "finance"),
        ("Lines stop less often as crews replace parts before they fail", "operations"),
    ],
)
def test_implicit_stories_reach_their_department(ranker: Ranker, title: str, dept: str) -> None:
    # None of these uses a phrase of the department's profile.
    d = ranker.profiles.keys.index(dept)
    m = ranker.match(title, "")[d]
    assert not (m.title or m.summary)
    (story,) = ranker.score([cand(1, title)], dept, now=NOW)
    assert "close in meaning" in ranker.explain(story, dept).explanation
    others = [k for k in ranker.profiles.keys if k != dept]
    assert not any(ranker.score([cand(1, title)], k, now=NOW) for k in others)


def test_phrase_matches_need_no_rewording(ranker: Ranker) -> None:
    # Explicit stories keep ranking as before: "controllers", "per seat" are finance phrases.
    for title in ("Controllers cut the close by four days", "Vendor moves to per-seat pricing"):
        (story,) = ranker.rank([cand(1, title)], "finance", now=NOW)
        assert story.matched


def test_a_phrase_used_in_another_sense_is_damped(ranker: Ranker) -> None:
    trap, real = cand(1, "Budget airline adds chatbot to its app"), cand(2, "CFOs freeze AI budgets")
    scored = {s.candidate.key: s.relevance for s in ranker.score([trap, real], "finance", now=NOW)}
    assert scored["2"] > 2 * scored.get("1", 0.0)


def test_explanations_still_name_the_phrases(ranker: Ranker) -> None:
    (story,) = ranker.rank([cand(1, "EU AI Act fines start next year")], "legal", now=NOW)
    assert story.matched[0] == "EU AI Act" and story.explanation.startswith("matched: ")


def test_held_out_finance_stories_rank_above_the_rest(ranker: Ranker) -> None:
    rows: list[dict[str, Any]] = yaml.safe_load((DATA / "relevance_heldout.yaml").read_text(encoding="utf-8"))
    cands = [cand(i, r["title"], r["summary"]) for i, r in enumerate(rows)]
    own = {i for i, r in enumerate(rows) if "finance" in {r["department"], *(r.get("also") or [])}}
    top = [s.candidate.story_id for s in ranker.score(cands, "finance", now=NOW)[: len(own)]]
    # bench/relevance.py measured R-precision 0.93 over rounds; the whole set: most of the top.
    assert len(own.intersection(top)) >= 0.7 * len(own)


def test_custom_department_from_a_description_ranks_its_stories_first() -> None:
    profiles = load_profiles(DATA / "security_profile.yaml")
    assert profiles.keys[-1] == "security" and not profiles.get("security").phrases
    rows: list[dict[str, Any]] = yaml.safe_load((DATA / "relevance_heldout.yaml").read_text(encoding="utf-8"))
    cands = [cand(i, r["title"], r["summary"]) for i, r in enumerate(rows)]
    ranker = Ranker(profiles)
    shown = ranker.score(cands, "security", now=NOW)[:5]
    hits = [rows[s.candidate.story_id or 0]["department"] == "security" for s in shown]
    # Measured: with the sentence embeddings a full top 5, all security (bench/relevance.py: P@5
    # 1.0; 0.6 without them, 3 stories passing the bar); by meaning alone 4 of the top 5 too.
    assert len(hits) == 5 and all(hits)
    d = profiles.keys.index("security")
    by_meaning = sorted(cands, key=lambda c: -ranker.match(c.title, c.summary)[d].meaning)[:5]
    assert sum(rows[c.story_id or 0]["department"] == "security" for c in by_meaning) >= 4


def test_training_and_scoring_touch_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the semantic scorer opened a socket")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    profiles = load_profiles()
    model = train_for(profiles, [{"title": "CFOs cut AI budgets", "summary": "", "department": "finance"}])
    assert len(model.scores("CFOs cut AI budgets")) == len(profiles.keys)
    assert model_for(profiles).scores("anything")


# A custom department's stories told in other words than its description and examples: what the
# bag of words misses and the sentence embeddings find (written before measuring, none dropped).
PARAPHRASED_SECURITY = [
    (
        "Hackers trick a chatbot into revealing its hidden system instructions",
        "A crafted message made the assistant ignore its rules.",
    ),
    (
        "Scammers fake a chief executive's voice to order an urgent payment",
        "The cloned voice message asked an employee to move funds.",
    ),
    (
        "Attackers slip malicious code into a popular open-source model library",
        "Thousands of developers downloaded the tainted package.",
    ),
    (
        "Chat logs from an AI companion app left open on the internet",
        "Researchers found millions of conversations and passwords in an unprotected server.",
    ),
    (
        "Defenders use a language model to triage alerts in the SOC",
        "Analysts say the assistant cut the time to investigate an intrusion.",
    ),
]


def test_a_custom_department_finds_its_stories_told_in_other_words() -> None:
    profiles = load_profiles(DATA / "security_profile.yaml")
    cands = [cand(i, t, s) for i, (t, s) in enumerate(PARAPHRASED_SECURITY)]
    with_embeddings = Ranker(profiles).assess(cands, "security", now=NOW)
    words_only = train_for(profiles, load_training(), TrainingConfig(embedding_weight=0.0))
    without = Ranker(profiles, semantic=words_only).assess(cands, "security", now=NOW)
    passed = [a.story.candidate.title for a in with_embeddings if a.fails is None]
    # Measured: 3 of the 5 pass the bar with the embeddings, 1 without.
    assert len(passed) >= 3
    assert len([a for a in without if a.fails is None]) < len(passed)


def test_without_the_embedding_model_custom_departments_still_rank_and_the_log_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    profiles = load_profiles(DATA / "security_profile.yaml")
    rows = load_training()
    words_only = train_for(profiles, rows, TrainingConfig(embedding_weight=0.0))
    # As if the package were not installed, in a process that has not loaded it yet.
    monkeypatch.setitem(sys.modules, "wordllama", None)
    monkeypatch.setattr(model_module, "_embedder", (False, None))
    with caplog.at_level(logging.WARNING, logger="briefings.assembly.model"):
        fallback = train_for(profiles, rows)
    assert "without the embedding models" in caplog.text
    title, summary = PARAPHRASED_SECURITY[0]
    assert fallback.scores(f"{title} {summary}") == words_only.scores(f"{title} {summary}")
    cands = [cand(i, t, s) for i, (t, s) in enumerate(PARAPHRASED_SECURITY)]
    assert Ranker(profiles, semantic=fallback).score(cands, "security", now=NOW)  # still ranks
