"""Ranking: precision on labelled headlines, scoring rules, diversity and explanations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from briefings.assembly.profile_file import load_profiles
from briefings.assembly.rank import Ranker
from briefings.assembly.ranked import Candidate, RankingConfig
from briefings.assembly.scoring import near_duplicate, recency, title_words
from briefings.assembly.semantic import TrainingConfig, load_training, train_for

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
HEADLINES = Path(__file__).resolve().parents[2] / "data" / "ranking_headlines.yaml"


def cand(
    title: str,
    summary: str = "",
    *,
    key: str | None = None,
    source: str = "Source",
    age_hours: float = 1,
    tags: frozenset[str] = frozenset(),
    story_id: int | None = None,
) -> Candidate:
    return Candidate(
        key=key or title,
        story_id=story_id,
        title=title,
        summary=summary,
        url="https://example.com/x",
        sources=(source,),
        source_keys=(source,),
        published_at=NOW - timedelta(hours=age_hours),
        feed_departments=tags,
    )


@pytest.fixture(scope="module")
def ranker() -> Ranker:
    return Ranker(load_profiles())


@pytest.fixture(scope="module")
def phrases() -> Ranker:
    """The phrase-and-meaning path, as departments without corpus labels (custom ones) are ranked."""
    return Ranker(load_profiles(), RankingConfig(use_model=False, ai_gate=False))


@pytest.fixture(scope="module")
def labelled() -> list[dict[str, Any]]:
    return yaml.safe_load(HEADLINES.read_text(encoding="utf-8"))


def _belongs(row: dict[str, Any], dept: str) -> bool:
    return row["department"] == dept or dept in (row.get("also") or [])


@pytest.mark.parametrize("dept", ["finance", "legal", "operations", "hr"])
def test_top_five_of_the_labelled_headlines_are_mostly_the_departments_own(
    ranker: Ranker, labelled: list[dict[str, Any]], dept: str
) -> None:
    # Each headline from its own source, all equally fresh: only the words decide.
    candidates = [
        cand(row["title"], row["summary"], key=str(i), source=f"s{i}", story_id=i)
        for i, row in enumerate(labelled)
    ]
    top = ranker.rank(candidates, dept, now=NOW, top_n=5)
    assert len(top) == 5
    own = [s for s in top if _belongs(labelled[s.candidate.story_id or 0], dept)]
    # Measured 5/5 for every department on the labelled set; allow one miss for profile edits.
    assert len(own) >= 4, [s.candidate.title for s in top]
    general = [r for r in labelled if r["department"] == "none"]
    assert general, "the set needs general AI news to be meaningful"


def test_general_ai_news_mostly_stays_below_the_bar(ranker: Ranker, labelled: list[dict[str, Any]]) -> None:
    general = [
        cand(r["title"], r["summary"], key=str(i), source=f"s{i}")
        for i, r in enumerate(labelled)
        if r["department"] == "none"
    ]
    above = {
        c.candidate.key
        for d in ("finance", "legal", "operations", "hr")
        for c in ranker.score(general, d, now=NOW)
    }
    assert len(above) <= len(general) // 4


def test_title_counts_more_than_summary_and_each_phrase_once(phrases: Ranker) -> None:
    in_title = cand("EU AI Act obligations start", "A quiet update.")
    in_summary = cand("A quiet update", "EU AI Act obligations start.")
    repeated = cand("A quiet update", "EU AI Act. EU AI Act. The EU AI Act again, and the AI Act.")
    scored = {
        s.candidate.key: s.relevance
        for s in phrases.score([in_title, in_summary, repeated], "legal", now=NOW)
    }
    assert scored[in_title.key] > scored[in_summary.key]
    assert scored[repeated.key] == scored[in_summary.key]  # a phrase counts once however often


def test_matching_respects_word_boundaries(phrases: Ranker) -> None:
    # "fines" is a legal phrase, "finest" is not; "court" is, "courtyard" is not.
    assert not phrases.score([cand("The finest courtyard gardens of the year")], "legal", now=NOW)
    assert phrases.score([cand("Regulator fines chatbot maker over court ruling")], "legal", now=NOW)


def test_longest_match_wins_inside_a_department(phrases: Ranker) -> None:
    # "AI agents" is one phrase (0.9); it must not also count as the weaker "agents" (0.6).
    story = phrases.rank([cand("AI agents take over ticket triage")], "operations", now=NOW)[0]
    assert "AI agents" in story.matched
    assert "agents" not in [m.lower() for m in story.matched if m != "AI agents"]


def test_excluded_phrase_drops_the_story(phrases: Ranker) -> None:
    review = cand("Hands-on review: the AI budget laptop that cut costs", "Cost savings for students.")
    assert phrases.score([review], "finance", now=NOW) == []


def test_recency_decays_but_never_below_half() -> None:
    assert recency(NOW, NOW, 72) == pytest.approx(1.0)
    assert recency(NOW - timedelta(hours=72), NOW, 72) == pytest.approx(0.75)
    assert 0.5 < recency(NOW - timedelta(days=30), NOW, 72) < 0.51


def test_fresher_story_wins_a_tie(phrases: Ranker) -> None:
    old = cand("Layoffs announced in Berlin", key="old", age_hours=100, source="a")
    new = cand("Layoffs hit Tokyo office", key="new", age_hours=2, source="b")
    assert [s.candidate.key for s in phrases.rank([old, new], "hr", now=NOW)] == ["new", "old"]


def test_feed_tag_adds_a_bonus_but_not_enough_alone(phrases: Ranker) -> None:
    tagged = cand("Banks cut costs with AI", key="tagged", tags=frozenset({"finance"}), source="a")
    plain = cand("Banks cut costs with AI", key="plain", source="b")
    scored = {s.candidate.key: s for s in phrases.score([tagged, plain], "finance", now=NOW)}
    assert scored["tagged"].relevance == pytest.approx(scored["plain"].relevance + 0.3)
    assert scored["tagged"].tagged and not scored["plain"].tagged
    assert "from a feed tagged" in phrases.explain(scored["tagged"], "finance").explanation
    nothing = cand("A new phone camera", key="x", tags=frozenset({"finance"}))
    assert phrases.score([nothing], "finance", now=NOW) == []


def test_diversity_is_a_preference_and_the_briefing_fills_up(ranker: Ranker) -> None:
    # Five HR stories from one loud feed, two from a quiet one (older, so scoring lower): the
    # briefing of five takes both quiet ones and three loud ones, never fewer than five.
    loud = [
        "Amazon to cut 14,000 corporate jobs as it leans on AI",
        "Klarna's AI assistant does the work of 700 staff, chief executive says",
        "IBM pauses hiring for back-office roles AI could replace",
        "Companies rush to train staff in AI skills as managers lag behind",
        "Workers hide their use of AI tools from their bosses, survey finds",
    ]
    quiet = [
        "Unions demand a say over AI monitoring of warehouse workers",
        "HR teams use AI to screen job applicants",
    ]
    same = [cand(t, key=f"a{i}", source="Loud Feed") for i, t in enumerate(loud)]
    other = [cand(t, key=f"b{i}", source="Quiet Feed", age_hours=30) for i, t in enumerate(quiet)]
    scored = ranker.score(same + other, "hr", now=NOW)
    assert len(scored) == 7, [
        a.story.candidate.title for a in ranker.assess(same + other, "hr", now=NOW) if a.fails
    ]
    chosen = ranker.rank(same + other, "hr", now=NOW, top_n=5)
    per_source = [s.candidate.sources[0] for s in chosen]
    assert len(chosen) == 5
    assert "Quiet Feed" in per_source  # the other source is in, though the loud feed scored higher
    # With only the loud feed, all five of its stories are shown: diversity never shortens.
    assert len(ranker.rank(same, "hr", now=NOW, top_n=5)) == 5
    # The old hard cap ("at most two per source") is still a setting.
    capped = Ranker(ranker.profiles, RankingConfig(per_source=2), model=ranker.model)
    assert len(capped.rank(same, "hr", now=NOW, top_n=5)) == 2


def test_skipped_stories_are_not_chosen(phrases: Ranker) -> None:
    stories = [
        cand("Layoffs hit support", story_id=1, source="a"),
        cand("Hiring freeze spreads", story_id=2, source="b"),
    ]
    chosen = phrases.rank(stories, "hr", now=NOW, skip_story_ids={1})
    assert [s.candidate.story_id for s in chosen] == [2]


def test_explanation_names_the_words_as_written_and_why(ranker: Ranker) -> None:
    story = ranker.rank(
        [cand("EU's AI Act: regulator fines chatbot maker", "The GDPR case is the first of its kind.")],
        "legal",
        now=NOW,
    )[0]
    assert story.matched[0] == "EU's AI Act"  # possessives fold: matches the phrase "eu ai act"
    assert "fines" in story.matched and "GDPR" in story.matched
    assert story.explanation.startswith("matched: EU's AI Act")
    # The sentence: the story's own fact, then the strongest phrase's concern.
    assert (
        story.why
        == "EU's AI Act: regulator fines chatbot maker — it bears on new legal obligations and fines."
    )


def test_a_phrase_alone_no_longer_makes_a_story_relevant(ranker: Ranker, phrases: Ranker) -> None:
    # Finance words, no AI: the phrase path lets it in, the model and the AI gate do not.
    story = cand(
        "CFOs cut costs and trim capex as interest rates stay high",
        "Finance chiefs plan cost savings and tighter budgets for next year, a survey of 300 CFOs finds.",
    )
    assert phrases.score([story], "finance", now=NOW)
    (judged,) = ranker.assess([story], "finance", now=NOW)
    assert judged.fails == "not_about_ai"
    # An agent research result full of operations words is not an operations story.
    paper = cand(
        "Researchers unveil agentic AI benchmark as new model doubles throughput on multi-step tasks",
        "The open-source agent framework scored highest on the benchmark, the lab said.",
    )
    assert phrases.score([paper], "operations", now=NOW)
    (judged,) = ranker.assess([paper], "operations", now=NOW)
    assert judged.fails == "below_bar"


def test_scoring_is_deterministic_for_equal_scores() -> None:
    # Equal scores need a scorer blind to the city names: the bag of words alone (the sentence
    # embeddings tell Oslo from Rome).
    profiles = load_profiles()
    words_only = train_for(profiles, load_training(), TrainingConfig(embedding_weight=0.0))
    phrases = Ranker(profiles, RankingConfig(use_model=False, ai_gate=False), semantic=words_only)
    stories = [
        cand(f"Layoffs in {c}", key=k, source=k) for k, c in (("c", "Oslo"), ("a", "Rome"), ("b", "Kyiv"))
    ]
    assert [s.candidate.key for s in phrases.rank(stories, "hr", now=NOW)] == ["a", "b", "c"]


def test_same_news_under_another_headline_is_one_entry_naming_both_sources(ranker: Ranker) -> None:
    first = cand(
        "EU AI Act GPAI code of practice: what providers must publish", story_id=1, source="Reg Watch"
    )
    retold = cand(
        "EU AI Act: GPAI code of practice - what providers must publish",
        story_id=2,
        source="AI News",
        age_hours=2,
    )
    other = cand("Court rules on AI copyright lawsuit", story_id=3, source="AI News")
    chosen = ranker.rank([first, retold, other], "legal", now=NOW)
    assert len(chosen) == 2
    merged = next(s for s in chosen if s.candidate.story_id == 1)
    assert merged.candidate.sources == ("Reg Watch", "AI News")
    assert [(a.source, a.title) for a in merged.candidate.also] == [("AI News", retold.title)]
    assert merged.candidate.story_ids == (1, 2)


LL144 = (
    "Under NYC Local Law 144, employers using an automated employment decision tool "
    "must publish a bias audit."
)


def test_a_retelling_in_other_words_is_collapsed_into_the_better_ranked_story(phrases: Ranker) -> None:
    kept = cand(
        "Audit finds most automated hiring tools in NYC lack a published bias audit",
        LL144 + " A university team found only 18% of 400 employers complied.",
        story_id=1,
        source="Future of Work",
        tags=frozenset({"hr"}),
    )
    retold = cand(
        "NYC Local Law 144 review: bias audit disclosures patchy, hiring tools under scrutiny",
        "Researchers found fewer than one in five of 400 New York City employers using an automated "
        "employment decision tool had posted the required bias audit summary.",
        story_id=2,
        source="Reg Watch",
        age_hours=100,
    )
    other = cand(
        "EEOC charge alleges AI screening tool filtered out applicants over 50",
        "A job seeker says a hiring tool rejected him; employers answer for vendor tools.",
        story_id=3,
        source="AI News",
    )
    chosen = phrases.rank([kept, retold, other], "hr", now=NOW)
    assert [s.candidate.story_id for s in chosen] == [1, 3]
    assert chosen[0].candidate.story_ids == (1, 2)
    also = chosen[0].candidate.also
    assert [(a.source, a.url) for a in also] == [("Reg Watch", "https://example.com/x")]


def test_two_different_stories_on_the_same_topic_both_stay(phrases: Ranker) -> None:
    prices = cand(
        "OpenAI halves API prices for its flagship model, lifting AI ROI",
        "Input tokens now cost $1.25 per million, a 50% cut that lowers the cloud spend of finance teams.",
        story_id=1,
        source="a",
    )
    plan = cand(
        "OpenAI launches $200-a-month Pro plan as AI budgets grow",
        "The new subscription offers unlimited access to OpenAI's most capable models, "
        "a new line in software spend.",
        story_id=2,
        source="b",
    )
    chosen = phrases.rank([prices, plan], "finance", now=NOW)
    assert sorted(s.candidate.story_id for s in chosen) == [1, 2]
    assert all(not s.candidate.also for s in chosen)


def test_retellings_ranked_below_a_full_briefing_are_still_collapsed(phrases: Ranker) -> None:
    # top_n=1: the retelling scores lower than the chosen story but still joins it (and its ID
    # is remembered with it), so it cannot come back as news tomorrow.
    kept = cand(
        "Regulator fines chatbot maker EUR 15 million under GDPR",
        "The Garante said the chatbot was trained on personal data without a legal basis.",
        story_id=1,
        source="a",
    )
    filler = [
        cand(f"Court hears AI copyright case {c}", story_id=10 + i, source=c) for i, c in enumerate("xyz")
    ]
    retold = cand(
        "Garante hits chatbot company with €15m penalty",
        "Italy's authority found the chatbot trained on personal data without a legal basis.",
        story_id=2,
        source="b",
        age_hours=30,
    )
    chosen = phrases.rank([kept, *filler, retold], "legal", now=NOW, top_n=1)
    assert [s.candidate.story_id for s in chosen] == [1]
    assert chosen[0].candidate.story_ids == (1, 2)


def test_retelling_of_an_already_delivered_headline_is_skipped(ranker: Ranker) -> None:
    retold = cand("EU AI Act: GPAI code of practice - what providers must publish", story_id=2)
    delivered = ["EU AI Act GPAI code of practice: what providers must publish"]
    assert ranker.rank([retold], "legal", now=NOW, skip_titles=delivered) == []
    assert near_duplicate(title_words("Layoffs in Berlin"), title_words("Layoffs in Berlin"))
    assert not near_duplicate(title_words("Layoffs in Berlin"), title_words("Layoffs in Tokyo"))


def test_one_window_assessed_for_every_department_scores_as_separate_calls_would() -> None:
    # Building a briefing assesses the same candidate list once per department; the ranker looks
    # the stories up once for all of them. A later moment, or a list that changed, is worked out
    # afresh: a story a day older scores lower, and an added story is ranked too.
    shared = Ranker(load_profiles())
    window = [
        cand("Regulator fines chatbot maker over training data under GDPR", age_hours=2),
        cand("CFOs say generative AI budgets will be frozen until pilots show a return", age_hours=30),
        cand("Union wins right to be consulted before AI monitoring of warehouse staff", age_hours=5),
    ]
    for dept in ("legal", "finance", "hr", "operations"):
        fresh = Ranker(load_profiles()).assess(list(window), dept, now=NOW)
        assert shared.assess(window, dept, now=NOW) == fresh
    later = shared.assess(window, "legal", now=NOW + timedelta(days=1))
    before = {a.story.candidate.key: a.story.score for a in shared.assess(window, "legal", now=NOW)}
    assert all(a.story.score < before[a.story.candidate.key] for a in later)
    window.append(cand("Court sanctions lawyers for AI-invented citations", age_hours=1))
    assert len(shared.assess(window, "legal", now=NOW)) == 4
