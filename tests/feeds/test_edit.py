"""Re-tagging and renaming a feed in place (SQLite and PostgreSQL): items and history stay, every
change is audited with its old and new values, refusals change nothing, and the next briefing
attributes the feed's stored items to its new departments."""

from __future__ import annotations

from typing import Any

import pytest

from feeds.errors import FeedError, FeedNotFound, UnknownDepartment
from feeds.service import FeedService
from storage import Database
from storage.audit import Actor, recent
from tests.feeds.conftest import FeedServer, feed_reply, item

ADMIN = Actor.slack("UADMIN")


def _audit(db: Database, n: int = 1) -> list[Any]:
    with db.read() as session:
        return recent(session, n)


def test_edit_replaces_adds_removes_and_renames_keeping_items_and_health(
    feed_service: FeedService, feed_server: FeedServer, db: Database
) -> None:
    url = feed_server.route("/feed", feed_reply([item(1), item(2)], title="Own Title"))
    before = feed_service.add(url, ["legal"], name="Reg Watch").feed

    result = feed_service.edit(before.id, departments=["Finance", "people"], actor=ADMIN)
    assert result.changed and result.departments_changed and not result.name_changed
    assert result.old_departments == ("legal",) and result.feed.departments == ("finance", "hr")
    entry = _audit(db)[0]
    assert (entry.action, entry.actor, entry.source, entry.target) == ("feed.edit", "UADMIN", "slack", url)
    assert entry.detail == {
        "feed_id": before.id,
        "old_departments": ["legal"],
        "departments": ["finance", "hr"],
    }

    result = feed_service.edit(
        f"#{before.id}", add_departments=["ops"], remove_departments=["finance"], name="  AI  Money  "
    )
    assert result.feed.departments == ("hr", "operations")
    assert (result.old_name, result.feed.name, result.feed.display_name) == (
        "Reg Watch",
        "AI Money",
        "AI Money",
    )
    entry = _audit(db)[0]
    assert entry.source == "cli" and entry.detail == {
        "feed_id": before.id,
        "old_departments": ["finance", "hr"],
        "departments": ["hr", "operations"],
        "old_name": "Reg Watch",
        "name": "AI Money",
    }

    # By URL, clearing the name: the feed's own title shows again.
    cleared = feed_service.edit(url, name="").feed
    assert cleared.name is None and cleared.display_name == "Own Title"

    after = feed_service.get(before.id)
    assert (after.item_count, after.health, after.created_at, after.last_success_at) == (
        2,
        "ok",
        before.created_at,
        before.last_success_at,
    )
    assert [e.action for e in _audit(db, 4)] == ["feed.edit", "feed.edit", "feed.edit", "feed.add"]


def test_an_edit_that_changes_nothing_is_not_audited(
    feed_service: FeedService, feed_server: FeedServer, db: Database
) -> None:
    feed = feed_service.add(feed_server.route("/feed", feed_reply([item(1)])), ["hr"], name="People AI").feed
    result = feed_service.edit(feed.id, departments=["people"], add_departments=["hr"], name="People AI")
    assert not result.changed and result.feed.departments == ("hr",)
    assert _audit(db)[0].action == "feed.add"


@pytest.mark.parametrize(
    ("ref", "change", "error", "message"),
    [
        ("9", {"departments": ["legal"]}, FeedNotFound, "no feed #9"),
        ("https://nowhere.example/rss", {"name": "X"}, FeedNotFound, "no feed"),
        ("1", {"departments": ["sales"]}, UnknownDepartment, "Unknown department 'sales'"),
        (
            "1",
            {"add_departments": ["marketing"]},
            UnknownDepartment,
            "finance (fin), legal (compliance), operations (ops), hr",
        ),
        ("1", {"remove_departments": ["legal"]}, FeedError, "would be left without a department"),
        ("1", {"departments": ["hr"], "remove_departments": ["people"]}, FeedError, "both added and removed"),
        ("1", {"departments": [" , "]}, FeedError, "at least one department"),
        ("1", {}, FeedError, "nothing to change"),
    ],
)
def test_refused_edits_say_why_and_change_nothing(
    feed_service: FeedService,
    feed_server: FeedServer,
    db: Database,
    ref: str,
    change: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    feed = feed_service.add(feed_server.route("/feed", feed_reply([item(1)])), ["legal"], name="Keep").feed
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        feed_service.edit(ref, actor=ADMIN, **change)
    after = feed_service.get(feed.id)
    assert (after.departments, after.name) == (("legal",), "Keep")
    assert _audit(db)[0].action == "feed.add"


def test_retagging_moves_the_feeds_tag_bonus_to_the_other_department(
    services: Any, feed_server: FeedServer
) -> None:
    # The model decides whether a story passes a department's bar; a feed's tags only reorder
    # what passes, and say so. Retagging moves that, from the items already stored.
    story = item(
        1,
        title="AI vendor raises price of the chatbot licence for every employee seat",
        description="The generative AI assistant now costs more per employee per month.",
    )
    url = feed_server.route("/feed", feed_reply([story]))
    feed = services.feeds.add(url, ["finance"]).feed
    tagged = "from a feed tagged for this department"

    def explanation(department: str) -> str:
        (shown,) = services.briefings.build(department).stories
        return str(shown.explanation)

    assert tagged in explanation("finance") and tagged not in explanation("hr")
    services.feeds.edit(feed.id, departments=["hr"], actor=ADMIN)
    assert tagged in explanation("hr") and tagged not in explanation("finance")
    assert len(feed_server.hits("/feed")) == 1  # the items already stored, not a refetch
