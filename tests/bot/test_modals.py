"""The add_feed and subscribe_channel modals end to end: a Home button opens the modal with the
click's trigger_id, signed view_submission payloads drive each step, the fake Slack records the
views opened and updated, and the database holds what was saved."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from storage.audit import Actor
from storage.audit import recent_entries as recent_audit
from tests.bot.test_app_home import click, published
from tests.conftest import BotServer
from tests.feeds.conftest import FeedServer, Reply, feed_reply, item
from tests.mock_web_api_server import FakeSlack, validate_view
from tests.slack_requests import block_actions, view_submission


@pytest.fixture
def site() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


def submit(
    bot: BotServer, callback_id: str, values: dict[str, Any], user_id: str = "UADMIN", **kw: Any
) -> Any:
    """Send a signed view_submission; return the ack body ({} for a plain ack)."""
    started = time.monotonic()
    response = bot.slack.interaction(view_submission(callback_id, values, user_id=user_id, **kw))
    assert response.status_code == 200 and time.monotonic() - started < 3.0
    return response.json() if response.content else {}


def updated(fake: FakeSlack, count: int) -> dict[str, Any]:
    view: dict[str, Any] = fake.wait_for("views.update", count=count, timeout=15).args["view"]
    assert validate_view(view) == []
    return view


def feed_values(url: str, departments: list[str], name: str | None = None) -> dict[str, Any]:
    return {
        "url": {"url": {"type": "plain_text_input", "value": url}},
        "departments": {
            "departments": {
                "type": "multi_static_select",
                "selected_options": [
                    {"value": d, "text": {"type": "plain_text", "text": d}} for d in departments
                ],
            }
        },
        "name": {"name": {"type": "plain_text_input", "value": name}},
    }


def block_ids(view: dict[str, Any]) -> list[str]:
    return [b.get("block_id", "") for b in view["blocks"]]


LEGAL_ITEMS = [
    item(1, title="EU AI Act obligations for general-purpose models start in August"),
    item(2, title="Regulator fines company under GDPR for chatbot privacy breach"),
    item(3, title="A new open-weights model tops the leaderboard"),
    item(4, title="Copyright lawsuit against image generator goes to trial"),
]


def test_add_feed_opens_previews_then_saves_audited_and_republishes_home(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    url = site.route("/feed", feed_reply(LEGAL_ITEMS, title="Policy Watch"))
    click(bot_server, "home_add_feed")
    opened = fake_slack.wait_for("views.open").args
    assert opened["trigger_id"] == "13345.trigger"
    modal = opened["view"]
    assert validate_view(modal) == [] and modal["callback_id"] == "add_feed"
    assert block_ids(modal) == ["url", "departments", "name"]
    options = modal["blocks"][1]["element"]["options"]
    assert [o["value"] for o in options] == ["finance", "legal", "operations", "hr"]

    ack = submit(bot_server, "add_feed", feed_values(url, ["legal"], "Policy Watch"))
    assert ack["response_action"] == "update"
    assert ack["view"]["callback_id"] == "add_feed_preview"
    assert "Checking the feed" in str(ack["view"]["blocks"])

    preview = updated(fake_slack, 1)
    assert preview["callback_id"] == "add_feed_preview"
    shown = str(preview["blocks"])
    assert "*Policy Watch*: 4 items" in shown
    assert "What it would rank highest" in shown
    assert "EU AI Act obligations" in shown and "open-weights model" not in shown
    assert bot_server.services.feeds.list() == []  # nothing saved by the preview

    ack = submit(bot_server, "add_feed_preview", {}, private_metadata=preview["private_metadata"])
    assert ack["response_action"] == "update"
    done = updated(fake_slack, 2)
    assert "Added *#1 Policy Watch* · legal" in str(done["blocks"])
    [feed] = bot_server.services.feeds.list()
    assert (feed.url, feed.departments, feed.name) == (url, ("legal",), "Policy Watch")
    entry = recent_audit(bot_server.services.db, 1)[0]
    assert (entry.action, entry.actor, entry.source) == ("feed.add", "UADMIN", "slack")
    assert "Policy Watch" in str(published(fake_slack, "UADMIN")["blocks"])


@pytest.mark.parametrize(
    ("url", "problem"),
    [("not a url", "URL"), ("ftp://example.com/feed", "http"), ("http://169.254.169.254/latest/", "refused")],
)
def test_bad_or_refused_urls_come_back_at_once_on_the_url_field(
    bot_server: BotServer, fake_slack: FakeSlack, url: str, problem: str
) -> None:
    ack = submit(bot_server, "add_feed", feed_values(url, ["legal"]))
    assert ack["response_action"] == "errors"
    assert list(ack["errors"]) == ["url"]
    assert problem.lower() in ack["errors"]["url"].lower()
    time.sleep(0.2)
    assert fake_slack.calls_to("views.update") == []


def test_a_failed_fetch_is_shown_and_the_feed_can_be_saved_anyway(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    url = site.route("/down", Reply(status=503))
    submit(bot_server, "add_feed", feed_values(url, ["finance", "hr"]))
    failed = updated(fake_slack, 1)
    assert "The first fetch failed" in str(failed["blocks"]) and failed["submit"]["text"] == "Save anyway"
    submit(bot_server, "add_feed_preview", {}, private_metadata=failed["private_metadata"])
    assert "failing" in str(published(fake_slack, "UADMIN")["blocks"])
    assert bot_server.services.feeds.list()[0].departments == ("finance", "hr")


def test_non_admins_cannot_submit_admin_modals_and_are_audited(
    bot_server: BotServer, site: FeedServer
) -> None:
    url = site.route("/feed", feed_reply([item(1)]))
    ack = submit(bot_server, "add_feed", feed_values(url, ["legal"]), user_id="UREADER")
    assert ack["response_action"] == "errors" and "only briefing admins" in ack["errors"]["url"]
    ack = submit(
        bot_server, "add_feed_preview", {}, user_id="UREADER", private_metadata=json.dumps({"url": url})
    )
    assert ack["view"]["callback_id"] == "refused"
    assert bot_server.services.feeds.list() == [] and site.hits("/feed") == []
    refused = [e for e in recent_audit(bot_server.services.db, 5) if e.action == "refused"]
    assert {(e.actor, e.target) for e in refused} == {
        ("UREADER", "add_feed"),
        ("UREADER", "add_feed_preview"),
    }


def test_when_slack_cannot_say_who_is_admin_the_user_is_asked_to_retry(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    fake_slack.rate_limit("users.info", times=5, retry_after=30)
    url = site.route("/feed", feed_reply([item(1)]))
    started = time.monotonic()
    ack = submit(bot_server, "add_feed", feed_values(url, ["legal"]), user_id="UNKNOWN1")
    assert time.monotonic() - started < 3.0  # no sleeping through Retry-After in the ack
    assert ack["response_action"] == "errors"
    assert "couldn't check your admin rights" in ack["errors"]["url"]
    assert "only briefing admins" not in ack["errors"]["url"]
    refused = [e for e in recent_audit(bot_server.services.db, 5) if e.action == "refused"]
    assert [e.detail["reason"] for e in refused] == ["admin rights could not be checked"]


def subscribe_values(**overrides: Any) -> dict[str, Any]:
    chosen = {
        "channel": "CLEGAL",
        "department": "legal",
        "cadence": "weekly",
        "weekday": "fri",
        "time": "08:30",
        "cron": None,
        "timezone": "Europe/Berlin",
        "top": "3",
        "quiet": "skip",
        **overrides,
    }
    kinds = {
        "channel": ("conversations_select", "selected_conversation"),
        "time": ("timepicker", "selected_time"),
        "cron": ("plain_text_input", "value"),
        "timezone": ("plain_text_input", "value"),
        "top": ("number_input", "value"),
    }
    values: dict[str, Any] = {}
    for block_id, value in chosen.items():
        kind, key = kinds.get(block_id, ("static_select", "selected_option"))
        if block_id == "quiet":
            kind = "radio_buttons"
        state: dict[str, Any] = {"type": kind}
        state[key] = {"value": value} if key == "selected_option" and value else value
        values[block_id] = {block_id: state}
    return values


def test_subscribe_channel_shows_next_runs_checks_fields_then_saves(
    bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    fake_slack.users["UADMIN"] = {"tz": "Europe/Berlin"}
    click(bot_server, "home_subscribe")
    modal = fake_slack.wait_for("views.open").args["view"]
    assert validate_view(modal) == [] and modal["callback_id"] == "subscribe_channel"
    assert block_ids(modal) == [
        *("channel", "department", "cadence", "weekday", "time", "cron", "timezone", "top", "quiet"),
        "next_runs",
    ]
    timezone = next(b for b in modal["blocks"] if b["block_id"] == "timezone")
    assert timezone["element"]["initial_value"] == "Europe/Berlin"
    assert "Next briefings (Europe/Berlin)" in str(modal["blocks"][-1])

    # Changing the cadence in the open modal refreshes the next run times before saving.
    shown = {"id": "VSUB", "type": "modal", "callback_id": "subscribe_channel", "hash": "h9"}
    shown["state"] = {"values": subscribe_values()}
    bot_server.slack.interaction(
        block_actions("cadence", user_id="UADMIN", view=shown, action_type="static_select")
    )
    refreshed = updated(fake_slack, 1)
    assert fake_slack.calls_to("views.update")[0].args["view_id"] == "VSUB"
    assert str(refreshed["blocks"][-1]).count("Fri") == 3

    ack = submit(
        bot_server, "subscribe_channel", subscribe_values(cron="* * * * *", top="11", channel="#legal")
    )
    assert ack["response_action"] == "errors"
    assert set(ack["errors"]) == {"cron", "top", "channel"}

    ack = submit(bot_server, "subscribe_channel", subscribe_values())
    assert ack["response_action"] == "update" and "Subscribing <#CLEGAL>" in str(ack["view"]["blocks"])
    done = updated(fake_slack, 2)
    assert "Subscribed <#CLEGAL>" in str(done["blocks"])
    [sub] = bot_server.services.briefings.subscriptions("CLEGAL")
    assert (sub.department, sub.schedule, sub.timezone, sub.top_n, sub.quiet_mode) == (
        "legal",
        "weekly fri 08:30",
        "Europe/Berlin",
        3,
        "skip",
    )
    assert recent_audit(bot_server.services.db, 1)[0].actor == "UADMIN"
    assert "<#CLEGAL>" in str(published(fake_slack, "UADMIN")["blocks"])


def test_a_cron_expression_wins_over_the_pickers(bot_server: BotServer, fake_slack: FakeSlack) -> None:
    submit(bot_server, "subscribe_channel", subscribe_values(cron="30 7 * * 1-5", timezone="UTC"))
    published(fake_slack, "UADMIN")
    [sub] = bot_server.services.briefings.subscriptions("CLEGAL")
    assert (sub.schedule, sub.timezone) == ("30 7 * * 1-5", "UTC")


def test_the_form_on_a_paused_subscription_keeps_it_paused_and_says_how_to_resume(
    bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    briefings = bot_server.services.briefings
    sub, _ = briefings.subscribe("CLEGAL", "legal", "daily 09:00", actor=Actor.cli())
    briefings.set_paused(sub.id, paused=True, actor=Actor.cli())
    submit(bot_server, "subscribe_channel", subscribe_values())
    done = str(updated(fake_slack, 1)["blocks"])
    assert "Changed <#CLEGAL>" in done
    assert "It stays paused (paused by an admin): `/ai-brief resume legal` in <#CLEGAL> restarts it." in done
    [after] = briefings.subscriptions("CLEGAL")
    assert (after.status, after.schedule, after.timezone) == ("paused", "weekly fri 08:30", "Europe/Berlin")


def test_a_non_admin_may_only_subscribe_a_channel_they_are_in(
    bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    fake_slack.users["UREADER"] = {"tz": "UTC"}
    fake_slack.memberships["UREADER"] = ["CMINE"]
    ack = submit(bot_server, "subscribe_channel", subscribe_values(channel="CLEGAL"), user_id="UREADER")
    assert ack["response_action"] == "update"
    refused = updated(fake_slack, 1)
    assert "Only briefing admins can change the briefing of a channel they are not in" in str(refused)
    assert bot_server.services.briefings.subscriptions("CLEGAL") == []
    [entry] = [e for e in recent_audit(bot_server.services.db, 5) if e.action == "refused"]
    assert (entry.actor, entry.detail["reason"]) == ("UREADER", "not a member of the channel")

    submit(bot_server, "subscribe_channel", subscribe_values(channel="CMINE"), user_id="UREADER")
    assert "Subscribed <#CMINE>" in str(updated(fake_slack, 2)["blocks"])
    assert [s.department for s in bot_server.services.briefings.subscriptions("CMINE")] == ["legal"]


def test_a_schedule_that_never_fires_is_refused_on_the_field(bot_server: BotServer) -> None:
    ack = submit(bot_server, "subscribe_channel", subscribe_values(cron="0 0 30 2 *"))
    assert ack["response_action"] == "errors"
    assert "never happens" in ack["errors"]["cron"]
    assert bot_server.services.briefings.subscriptions("CLEGAL") == []


def test_edit_on_home_opens_the_form_filled_in_and_saving_it_as_is_changes_nothing(
    bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    briefings = bot_server.services.briefings
    sub, _ = briefings.subscribe(
        "CLEGAL",
        "legal",
        "weekly fri 16:00",
        timezone="Europe/Berlin",
        actor=Actor.cli(),
        top_n=3,
        quiet_mode="skip",
    )
    response = bot_server.slack.interaction(
        block_actions("home_edit_subscription", user_id="UADMIN", value=str(sub.id))
    )
    assert response.status_code == 200
    modal = fake_slack.wait_for("views.open", timeout=10).args["view"]
    assert validate_view(modal) == [] and modal["callback_id"] == "subscribe_channel"
    initial = {}
    for block in modal["blocks"]:
        element = block.get("element") or {}
        for key in ("initial_conversation", "initial_time", "initial_value"):
            if key in element:
                initial[block["block_id"]] = element[key]
        if "initial_option" in element:
            initial[block["block_id"]] = element["initial_option"]["value"]
    assert initial == {
        "channel": "CLEGAL",
        "department": "legal",
        "cadence": "weekly",
        "weekday": "fri",
        "time": "16:00",
        "timezone": "Europe/Berlin",
        "top": "3",
        "quiet": "skip",
    }
    submit(bot_server, "subscribe_channel", subscribe_values(**initial))
    (after,) = briefings.subscriptions("CLEGAL")
    assert (after.schedule, after.timezone, after.top_n, after.quiet_mode) == (
        "weekly fri 16:00",
        "Europe/Berlin",
        3,
        "skip",
    )
