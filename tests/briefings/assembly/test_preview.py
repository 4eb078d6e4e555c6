"""A feed's preview ranked for the departments it is to be tagged with (``briefings.assembly.preview``):
the real ranker over the bundled profiles, no Slack and no network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from briefings.assembly.preview import rank_preview
from briefings.assembly.profile_file import load_profiles
from briefings.assembly.profiles import Profiles
from briefings.assembly.rank import Ranker
from feeds.records import FeedPreview, PreviewItem

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TITLES = [
    "EU AI Act obligations for general-purpose models start in August",
    "Regulator fines company under GDPR for chatbot privacy breach",
    "Copyright lawsuit against AI image generator goes to trial",
    "Companies retrain staff as AI tools change hiring and skills",
    "A new open-weights model tops the leaderboard",
    "Local bakery wins the regional bread prize",
]


@pytest.fixture(scope="module")
def profiles() -> Profiles:
    return load_profiles(None)


@pytest.fixture(scope="module")
def ranker(profiles: Profiles) -> Ranker:
    return Ranker(profiles)


def _preview(titles: list[str]) -> FeedPreview:
    items = tuple(
        PreviewItem(
            title=title,
            link=f"https://news.example.com/{i}",
            published_at=NOW - timedelta(hours=i + 1),
            dated=True,
            summary=title,
        )
        for i, title in enumerate(titles)
    )
    return FeedPreview(
        url="https://news.example.com/feed",
        final_url="https://news.example.com/feed",
        title="Policy Watch",
        item_count=len(items),
        items=items,
        warning=None,
    )


def test_the_best_three_for_the_tagged_departments_each_say_which_and_why(
    ranker: Ranker, profiles: Profiles
) -> None:
    picks = rank_preview(_preview(TITLES), ["legal", "hr"], ranker=ranker, profiles=profiles, now=NOW)
    assert 1 <= len(picks) <= 3
    assert {p.department for p in picks} <= {profiles.get("legal").name, profiles.get("hr").name}
    assert all(p.why and p.url and p.url.startswith("https://news.example.com/") for p in picks)
    titles = [p.title for p in picks]
    assert "Local bakery wins the regional bread prize" not in titles
    assert len(set(titles)) == len(titles)  # an item shown once, under its best department


def test_an_alias_names_the_same_department_and_an_unrelated_feed_gives_no_picks(
    ranker: Ranker, profiles: Profiles
) -> None:
    by_key = rank_preview(_preview(TITLES), ["hr"], ranker=ranker, profiles=profiles, now=NOW)
    by_alias = rank_preview(_preview(TITLES), ["people"], ranker=ranker, profiles=profiles, now=NOW)
    assert by_alias == by_key
    unrelated = _preview(["Local bakery wins the regional bread prize", "Rain expected on Sunday"])
    assert rank_preview(unrelated, ["legal"], ranker=ranker, profiles=profiles, now=NOW) == []
