"""Learning from votes and keyword filters (pure), and the votes and filters store on both
databases, with migration 0010 from empty and from a populated 0009 database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import text

from briefings.assembly.ranked import Candidate, ScoredStory
from briefings.errors import BriefingError
from briefings.feedback.sql import SqlFeedback
from briefings.feedback.tuning import (
    FACTOR_RANGE,
    ChannelFilters,
    Vote,
    adjust,
    check_phrase,
    fill,
    headline_terms,
    learn,
)
from storage import Database
from storage.audit import Actor

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def scored(key: str, title: str, score: float, source: str = "Wire", summary: str = "") -> ScoredStory:
    cand = Candidate(
        key=key,
        story_id=int(key),
        title=title,
        summary=summary,
        url=None,
        sources=(source,),
        published_at=NOW,
    )
    return ScoredStory(candidate=cand, score=score, relevance=score, matched=(), why="", tagged=False)


def vote(
    story_id: int, title: str, useful: bool, *, days: float = 0, user: str = "U1", source: str = ""
) -> Vote:
    return Vote(
        story_id=story_id,
        user_id=user,
        useful=useful,
        terms=headline_terms(title),
        source=source,
        voted_at=NOW - timedelta(days=days),
    )


def test_headline_terms_are_stemmed_content_words_without_numbers() -> None:
    terms = headline_terms("OpenAI launches 3 new models for the enterprise")
    assert "the" not in terms and "3" not in terms and "for" not in terms
    assert any(t.startswith("launch") for t in terms)


def test_votes_decay_with_a_thirty_day_half_life() -> None:
    fresh = learn([vote(1, "Model launch week", False)], NOW)
    old = learn([vote(1, "Model launch week", False, days=30)], NOW)
    term = headline_terms("Model launch week")[0]
    assert fresh.terms[term] == pytest.approx(-1.0)
    assert old.terms[term] == pytest.approx(-0.5)


def test_down_votes_push_similar_stories_down_within_bounds_and_explain_it() -> None:
    prefs = learn([vote(i, f"Vendor model launch event {n}", False) for i, n in enumerate("abc")], NOW)
    stories = [
        scored("1", "Another vendor model launch today", 2.0),
        scored("2", "Finance teams close the books faster", 1.5),
    ]
    adjusted = adjust(stories, prefs, ChannelFilters())
    assert [s.candidate.key for s in adjusted.stories] == ["2", "1"]
    low, _ = FACTOR_RANGE
    assert adjusted.stories[1].score >= 2.0 * low
    assert adjusted.notes["1"] == "ranked down: 3 similar stories were not useful here"
    assert "2" not in adjusted.notes


def test_up_votes_and_source_prior_rank_up() -> None:
    prefs = learn([vote(9, "Close automation saves days", True, source="CFO Daily")], NOW)
    stories = [
        scored("1", "Chip export rules", 1.2),
        scored("2", "Close automation pilots", 1.0, "CFO Daily"),
    ]
    adjusted = adjust(stories, prefs, ChannelFilters())
    assert adjusted.stories[0].candidate.key == "2"
    assert adjusted.notes["2"] == "ranked up: 1 similar story was useful here"


def test_mute_matches_on_word_boundaries_and_boost_raises() -> None:
    stories = [
        scored("1", "Crypto exchange adopts AI", 3.0),
        scored("2", "Cryptography standard for AI models", 2.0),
        scored("3", "EU AI Act guidance", 1.0, summary="The AI Office published it."),
    ]
    filters = ChannelFilters(mutes=(check_phrase("Crypto"),), boosts=(check_phrase("AI office"),))
    adjusted = adjust(stories, learn([], NOW), filters)
    assert [s.candidate.key for s in adjusted.stories] == ["2", "3"]
    assert adjusted.muted == 1 and adjusted.notes["3"] == "boosted here: ai office"
    assert [s.candidate.key for s in adjusted.plain] == ["2", "3"]


def test_phrases_are_checked() -> None:
    assert check_phrase("  “EU  AI-Act” ") == "eu ai act"
    with pytest.raises(BriefingError, match="Which phrase"):
        check_phrase("  !! ")
    with pytest.raises(BriefingError, match="too long"):
        check_phrase("word " * 40)


def test_fill_tops_up_to_the_plain_count() -> None:
    a, b, c = scored("1", "a", 1), scored("2", "b", 1), scored("3", "c", 1)
    assert [s.candidate.key for s in fill([b], [a, b, c])] == ["2", "1", "3"]
    assert fill([a, b], [a]) == [a, b]


def test_store_keeps_one_changeable_vote_per_user_and_audits_filters(db: Database) -> None:
    store = SqlFeedback(db)
    store.record_vote("CA", "legal", vote(5, "Copyright lawsuit filed", True))
    store.record_vote("CA", "legal", vote(5, "Copyright lawsuit filed", False))
    store.record_vote("CA", "legal", vote(5, "Copyright lawsuit filed", True, user="U2"))
    store.record_vote("CB", "legal", vote(5, "Copyright lawsuit filed", True))
    votes = store.votes("CA", "legal")
    assert sorted((v.user_id, v.useful) for v in votes) == [("U1", False), ("U2", True)]
    assert store.voted_departments("CA") == ["legal"] and store.votes("CA", "finance") == []
    assert store.set_filter("CA", "mute", "crypto", on=True, actor=Actor.cli()) is True
    assert store.set_filter("CA", "mute", "crypto", on=True, actor=Actor.cli()) is False
    assert store.set_filter("CA", "boost", "gdpr", on=True, actor=Actor.cli()) is True
    assert store.filters("CA") == ChannelFilters(mutes=("crypto",), boosts=("gdpr",))
    assert store.filters("CB").empty
    assert store.set_filter("CA", "mute", "crypto", on=False, actor=Actor.cli()) is True
    assert store.set_filter("CA", "mute", "crypto", on=False, actor=Actor.cli()) is False
    with db.read() as s:
        actions = [r[0] for r in s.execute(text("SELECT action FROM audit_log ORDER BY id"))]
    assert actions == ["filter.mute", "filter.boost", "filter.unmute"]


@pytest.fixture
def old_db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    database.upgrade("0009_delivery_permalink")
    yield database
    database.dispose()


def test_migration_0010_from_empty_and_from_populated(old_db: Database) -> None:
    with old_db.session() as s:
        s.execute(
            text(
                "INSERT INTO subscriptions (channel_id, department, schedule, cron, timezone, status, "
                "quiet_mode, top_n, cert_rotation, created_by, created_at) VALUES ('CKEEP', 'legal', "
                "'daily 09:00', '0 9 * * *', 'UTC', 'active', 'post', 5, 0, 'cli:x', "
                "'2026-11-01 00:00:00+00:00')"
            )
        )
    old_db.upgrade()
    assert old_db.check()["ok"] is True
    store = SqlFeedback(old_db)
    store.record_vote("CKEEP", "legal", vote(1, "Copyright lawsuit filed", True))
    assert len(store.votes("CKEEP", "legal")) == 1
    with old_db.read() as s:
        assert s.execute(text("SELECT channel_id FROM subscriptions")).scalar_one() == "CKEEP"
    command.downgrade(old_db.alembic_config(), "0009_delivery_permalink")
    command.downgrade(old_db.alembic_config(), "base")
    old_db.upgrade()
    assert old_db.check()["ok"] is True
