"""Slack's limits held on every surface: modal state that cannot overflow ``private_metadata``,
department pickers past 100 departments, labels escaped for mrkdwn, message size budgets, and
views that a late update cannot overwrite. Driven through signed requests into the real Bolt app
against the strict fake Slack."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from foundation.settings import Settings
from tests.bot.test_app_home import click
from tests.bot.test_modals import LEGAL_ITEMS, feed_values, submit, subscribe_values, updated
from tests.conftest import SIGNING_SECRET, BotServer, serve_app
from tests.feeds.conftest import FeedServer, Reply, feed_reply
from tests.mock_web_api_server import FakeSlack, validate_blocks, validate_options, validate_view
from tests.mock_web_api_server.server import PRIVATE_METADATA
from tests.slack_requests import SignedSlackClient, block_actions


@pytest.fixture
def site() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


def test_a_long_url_and_a_non_ascii_name_preview_and_save(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    # Near the stored URL's 2,048-character cap, and a 255-character name that JSON's ASCII
    # escapes would have blown up six-fold.
    url = site.route("/feed", feed_reply(LEGAL_ITEMS, title="Policy Watch")) + "?" + "q=1&" * 500
    name = "Ü" + "新闻监测" * 63 + "!"
    ack = submit(bot_server, "add_feed", feed_values(url, ["legal", "finance", "hr"], name))
    assert ack["response_action"] == "update"
    assert len(ack["view"]["private_metadata"]) <= PRIVATE_METADATA
    assert validate_view(ack["view"]) == []
    preview = updated(fake_slack, 1)
    assert "*Policy Watch*: 4 items" in str(preview["blocks"])
    assert len(preview["private_metadata"]) <= PRIVATE_METADATA

    submit(bot_server, "add_feed_preview", {}, private_metadata=preview["private_metadata"])
    done = updated(fake_slack, 2)
    assert "Added *#1" in str(done["blocks"])
    [feed] = bot_server.services.feeds.list()
    assert (feed.url, feed.name, set(feed.departments)) == (url, name, {"legal", "finance", "hr"})


def test_a_draft_that_cannot_fit_is_a_field_error_not_a_500(bot_server: BotServer, site: FeedServer) -> None:
    url = site.route("/feed", feed_reply(LEGAL_ITEMS)) + "?" + "q=1&" * 500
    ack = submit(bot_server, "add_feed", feed_values(url, ["legal", "finance"] * 60, "n" * 255))
    assert ack["response_action"] == "errors"
    assert "more departments than one feed can carry" in ack["errors"]["departments"]
    assert site.hits("/feed") == []


# ---------------------------------------------------------------- more than 100 departments

MANY_DEPARTMENTS = 130


def many_profiles(path: Path, count: int = MANY_DEPARTMENTS) -> Path:
    """``count`` custom departments (plus the four bundled), names with mrkdwn control characters."""
    lines = []
    for i in range(count):
        lines += [
            f"team-{i:03d}:",
            f'  name: "R&D <Lab {i:03d}> & Co"',
            f"  aliases: [lab-{i:03d}-research-group]",
            f"  concerns: Research lab {i}.",
            "  phrases:",
            f"    - phrase: lab{i} research",
            "      weight: 1.0",
            "      why: the lab's work",
        ]
    # The bundled legal department renamed by the admin, with every mrkdwn control character.
    lines += [
        "legal:",
        '  name: "Legal & <!channel> <Compliance>"',
        "  aliases: [law]",
        "  concerns: Compliance.",
        "  phrases:",
        "    - phrase: regulation",
        "      weight: 1.0",
        "      why: rules that bind us",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def many_bot(settings: Settings, fake_slack: FakeSlack, tmp_path: Path) -> Iterator[BotServer]:
    from briefbot.services import make_services

    custom = settings.model_copy(update={"briefbot_profiles_file": many_profiles(tmp_path / "profiles.yaml")})
    services = make_services(custom).build_all()
    app, server, thread = serve_app(services)
    client = SignedSlackClient(
        f"http://127.0.0.1:{server.effective_port}",
        SIGNING_SECRET,
        response_url_factory=fake_slack.response_url,
    )
    yield BotServer(url="", slack=client, app=app, services=services)
    client.close()
    server.close()
    thread.join(timeout=5)
    services.close()


def block_suggestion(action_id: str, typed: str, *, user_id: str = "UADMIN") -> dict[str, Any]:
    """What Slack sends to load an external select's options as the user types."""
    return {
        "type": "block_suggestion",
        "team": {"id": "T0001", "domain": "example"},
        "user": {"id": user_id, "name": user_id.lower(), "team_id": "T0001"},
        "api_app_id": "A0001",
        "token": "legacy-unused",
        "container": {"type": "view", "view_id": "VMODAL"},
        "action_id": action_id,
        "block_id": action_id,
        "value": typed,
        "view": {"id": "VMODAL", "type": "modal", "callback_id": "add_feed", "state": {"values": {}}},
    }


def element_of(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)["element"]  # type: ignore[no-any-return]


def test_both_modals_open_with_more_than_100_departments(many_bot: BotServer, fake_slack: FakeSlack) -> None:
    click(many_bot, "home_add_feed")
    add_feed = fake_slack.wait_for("views.open").args["view"]
    assert element_of(add_feed, "departments")["type"] == "multi_external_select"
    click(many_bot, "home_subscribe")
    subscribe = fake_slack.wait_for("views.open", count=2).args["view"]
    assert element_of(subscribe, "department")["type"] == "external_select"
    assert [c.method for c in fake_slack.calls if c.method.startswith("views.open")] == ["views.open"] * 2


@pytest.mark.parametrize("action_id", ["departments", "department"])
def test_department_options_load_filtered_and_within_slacks_limits(
    many_bot: BotServer, action_id: str
) -> None:
    everything = many_bot.slack.interaction(block_suggestion(action_id, ""))
    assert everything.status_code == 200
    assert validate_options(everything.json()) == []
    assert len(everything.json()["options"]) == 100  # Slack shows at most 100: type to narrow
    typed = many_bot.slack.interaction(block_suggestion(action_id, "Lab 012")).json()
    assert validate_options(typed) == []
    assert [o["value"] for o in typed["options"]] == ["team-012"]
    assert typed["options"][0]["text"]["text"] == "R&D <Lab 012> & Co"  # plain_text: no escaping
    legal = many_bot.slack.interaction(block_suggestion(action_id, "LEG")).json()
    assert [o["value"] for o in legal["options"]] == ["legal"]


def test_an_external_department_pick_is_saved(
    many_bot: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    # A feed that is down, saved anyway: no preview ranks it (with 134 departments the first
    # ranking trains the semantic model for tens of seconds; see the report).
    url = site.route("/down", Reply(status=503))
    values = feed_values(url, [])
    values["departments"] = {
        "departments": {
            "type": "multi_external_select",
            "selected_options": [{"value": "team-101", "text": {"type": "plain_text", "text": "R&D"}}],
        }
    }
    ack = submit(many_bot, "add_feed", values)
    assert ack["response_action"] == "update", ack
    preview = updated(fake_slack, 1)
    submit(many_bot, "add_feed_preview", {}, private_metadata=preview["private_metadata"])
    updated(fake_slack, 2)
    assert many_bot.services.feeds.list()[0].departments == ("team-101",)

    chosen = subscribe_values(department=None)
    chosen["department"] = {
        "department": {
            "type": "external_select",
            "selected_option": {"value": "team-042", "text": {"type": "plain_text", "text": "x"}},
        }
    }
    ack = submit(many_bot, "subscribe_channel", chosen)
    assert ack["response_action"] == "update", ack
    assert "R&amp;D &lt;Lab 042&gt; &amp; Co" in str(ack["view"]["blocks"])
    updated(fake_slack, 3)
    assert [s.department for s in many_bot.services.briefings.subscriptions("CLEGAL")] == ["team-042"]


def test_help_keeps_every_text_object_within_slacks_limit(many_bot: BotServer) -> None:
    response = many_bot.slack.command("/ai-brief", "help", user_id="UADMIN")
    blocks = response.json()["blocks"]
    assert validate_blocks(blocks) == []
    for block in blocks:
        for text in [block.get("text"), *block.get("elements", [])]:
            assert text is None or len(text["text"]) <= 3000
    shown = str(blocks)
    assert "`team-000`" in shown and "more" in shown


# ---------------------------------------------------------------- labels escaped for mrkdwn

RAW = "Legal & <!channel> <Compliance>"
ESCAPED = "Legal &amp; &lt;!channel&gt; &lt;Compliance&gt;"
LAB = "R&amp;D &lt;Lab 007&gt; &amp; Co"


def said(bot: BotServer, fake: FakeSlack, command: str, text: str, **kw: Any) -> dict[str, Any]:
    """What the user reads: the ack's own answer, else the next message to the response URL."""
    before = len(fake.calls_to("response_url"))
    response = bot.slack.command(command, text, **kw)
    assert response.status_code == 200
    body = response.json() if response.content else {}
    if body.get("text") and "Queued" not in body["text"]:
        return body  # type: ignore[no-any-return]
    return fake.wait_for("response_url", count=before + 1, timeout=10).args  # type: ignore[no-any-return]


def test_department_labels_are_escaped_in_certs_and_ai_brief(
    many_bot: BotServer, fake_slack: FakeSlack
) -> None:
    overview = said(many_bot, fake_slack, "/ai-certs", "", user_id="U1")
    assert validate_blocks(overview["blocks"]) == []
    assert ESCAPED in str(overview["blocks"]) and RAW not in str(overview["blocks"])

    here = {"user_id": "UADMIN", "channel_id": "CLAB"}
    assert (
        LAB in said(many_bot, fake_slack, "/ai-brief", "subscribe team-007 daily 09:00 UTC", **here)["text"]
    )
    assert (
        ESCAPED in said(many_bot, fake_slack, "/ai-brief", "subscribe legal daily 09:00 UTC", **here)["text"]
    )
    status = said(many_bot, fake_slack, "/ai-brief", "status", **here)["text"]
    assert LAB in status and ESCAPED in status and RAW not in status
    assert ESCAPED in said(many_bot, fake_slack, "/ai-brief", "unsubscribe legal", **here)["text"]
    assert "<!channel>" not in said(many_bot, fake_slack, "/ai-brief", "subscribe", **here)["text"]
    assert "<!channel>" not in said(many_bot, fake_slack, "/ai-brief", "subscribe nosuch", **here)["text"]


# ---------------------------------------------------------------- re-rendered forms, late updates


@pytest.mark.parametrize(("typed", "shown"), [("0", "1"), ("99", "10"), ("-3", "1"), ("2.7", "2"), ("", "5")])
def test_a_rerendered_subscribe_form_clamps_top_into_its_bounds(
    bot_server: BotServer, fake_slack: FakeSlack, typed: str, shown: str
) -> None:
    form = {"id": "VSUB", "type": "modal", "callback_id": "subscribe_channel", "hash": "h9"}
    form["state"] = {"values": subscribe_values(top=typed)}
    bot_server.slack.interaction(
        block_actions("cadence", user_id="UADMIN", view=form, action_type="static_select")
    )
    refreshed = updated(fake_slack, 1)  # the fake refuses an initial_value outside min..max
    assert element_of(refreshed, "top")["initial_value"] == shown


def test_a_late_preview_never_overwrites_a_newer_view(
    bot_server: BotServer, fake_slack: FakeSlack, site: FeedServer
) -> None:
    # The first Preview's ack reached Slack too late, so the admin pressed Preview again with
    # another URL: the first fetch (slow) finishes after the second one was shown and saved.
    slow = site.route(
        "/slow",
        Reply(
            body=feed_reply(LEGAL_ITEMS, title="Slow Feed").body,
            delay=2.0,
            headers=feed_reply(LEGAL_ITEMS).headers,
        ),
    )
    fast = site.route("/fast", feed_reply(LEGAL_ITEMS, title="Fast Feed"))
    first = submit(bot_server, "add_feed", feed_values(slow, ["legal"]), view_id="VADD")
    fake_slack.acked_update("VADD", first["view"])
    second = submit(bot_server, "add_feed", feed_values(fast, ["legal"]), view_id="VADD")
    fake_slack.acked_update("VADD", second["view"])
    preview = updated(fake_slack, 1)
    assert "*Fast Feed*" in str(preview["blocks"])
    ack = submit(
        bot_server, "add_feed_preview", {}, private_metadata=preview["private_metadata"], view_id="VADD"
    )
    fake_slack.acked_update("VADD", ack["view"])
    done = updated(fake_slack, 2)
    assert "Added *#1" in str(done["blocks"])
    time.sleep(3.0)  # the slow fetch has finished by now
    assert "Slow Feed" not in str(fake_slack.views["VADD"]["blocks"])
    assert "Added *#1" in str(fake_slack.views["VADD"]["blocks"])
    assert [f.url for f in bot_server.services.feeds.list()] == [fast]


def test_a_late_form_refresh_never_overwrites_the_saved_view(
    bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    form = {"id": "VSUB", "type": "modal", "callback_id": "subscribe_channel", "hash": "h9"}
    form["state"] = {"values": subscribe_values()}
    fake_slack.acked_update("VSUB", {**form, "blocks": []}, hash="h9")
    ack = submit(bot_server, "subscribe_channel", subscribe_values(), view_id="VSUB")
    fake_slack.acked_update("VSUB", ack["view"])
    assert "Subscribed <#CLEGAL>" in str(updated(fake_slack, 1)["blocks"])
    # The cadence change made before submitting arrives late (a retried delivery).
    bot_server.slack.interaction(
        block_actions("cadence", user_id="UADMIN", view=form, action_type="static_select")
    )
    fake_slack.wait_for("views.update!error", timeout=10)
    assert "Subscribed <#CLEGAL>" in str(fake_slack.views["VSUB"]["blocks"])
