"""The fake Slack must refuse what real Slack refuses, or the end-to-end tests prove nothing."""

from __future__ import annotations

from http.client import RemoteDisconnected

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from tests.mock_web_api_server import FakeSlack, validate_blocks, validate_view
from tests.mock_web_api_server.server import validate_ack, validate_options


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_valid_message_is_accepted_and_recorded(fake_slack: FakeSlack) -> None:
    client = WebClient(token="xoxb-t", base_url=fake_slack.url)
    response = client.chat_postMessage(channel="C1", text="hi", blocks=[section("hello")])
    assert response["ts"]
    [call] = fake_slack.calls_to("chat.postMessage")
    assert call.args["channel"] == "C1"


@pytest.mark.parametrize(
    ("blocks", "problem"),
    [
        ([section("x")] * 51, "51 blocks"),
        ([section("x" * 3001)], "section text"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "header"),
        ([{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}], "context"),
        ([section("x" * 2900)] * 5, "budget"),
        ([{"type": "fancy"}], "unknown type"),
    ],
)
def test_block_kit_limits_are_enforced(blocks: list[dict], problem: str) -> None:
    assert any(problem in p for p in validate_blocks(blocks))


def test_broken_blocks_get_invalid_blocks(fake_slack: FakeSlack) -> None:
    client = WebClient(token="xoxb-t", base_url=fake_slack.url)
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="hi", blocks=[section("x")] * 51)
    assert info.value.response["error"] == "invalid_blocks"


def test_injected_failures_then_recovery(fake_slack: FakeSlack) -> None:
    client = WebClient(
        token="xoxb-t",
        base_url=fake_slack.url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    fake_slack.rate_limit("chat.postMessage", times=1, retry_after=0)
    assert client.chat_postMessage(channel="C1", text="after 429")["ok"]
    assert [c.method for c in fake_slack.calls] == ["chat.postMessage!429", "chat.postMessage"]

    fake_slack.fail("chat.postMessage", "channel_not_found")
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C404", text="x")
    assert info.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="C1", text="recovered")["ok"]


def test_requests_without_token_are_refused(fake_slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as info:
        WebClient(base_url=fake_slack.url).chat_postMessage(channel="C1", text="x")
    assert info.value.response["error"] == "not_authed"


def test_history_answers_from_recorded_posts_like_slack(fake_slack: FakeSlack) -> None:
    client = WebClient(token="xoxb-t", base_url=fake_slack.url)
    posted = [
        client.chat_postMessage(
            channel="C1", text=f"m{i}", metadata={"event_type": "e", "event_payload": {"n": i}}
        )["ts"]
        for i in range(5)
    ]
    client.chat_postMessage(channel="C2", text="elsewhere")
    first = client.conversations_history(channel="C1", oldest=posted[1], limit=2, include_all_metadata=True)
    # Newest first, strictly after `oldest`, metadata included on request.
    assert [m["text"] for m in first["messages"]] == ["m4", "m3"]
    assert first["messages"][0]["metadata"] == {"event_type": "e", "event_payload": {"n": 4}}
    assert first["has_more"] and first["response_metadata"]["next_cursor"]
    second = client.conversations_history(
        channel="C1", oldest=posted[1], limit=2, cursor=first["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in second["messages"]] == ["m2"]
    assert "metadata" not in second["messages"][0]  # not asked for
    assert (second["has_more"], second["response_metadata"]["next_cursor"]) == (False, "")
    inclusive = client.conversations_history(channel="C1", oldest=posted[3], inclusive=True)
    assert [m["ts"] for m in inclusive["messages"]] == [posted[4], posted[3]]
    assert [m["text"] for m in client.conversations_history(channel="C2")["messages"]] == ["elsewhere"]


def test_history_errors_can_be_injected(fake_slack: FakeSlack) -> None:
    client = WebClient(token="xoxb-t", base_url=fake_slack.url)
    fake_slack.fail("conversations.history", "missing_scope")
    with pytest.raises(SlackApiError) as info:
        client.conversations_history(channel="C1")
    assert info.value.response["error"] == "missing_scope"
    assert client.conversations_history(channel="C1")["messages"] == []
    assert [c.method for c in fake_slack.calls] == ["conversations.history!error", "conversations.history"]


def test_apps_connections_open_wants_an_app_token(fake_slack: FakeSlack) -> None:
    fake_slack.socket_mode_url = "ws://127.0.0.1:1/link/"
    with pytest.raises(SlackApiError) as info:
        WebClient(token="xoxb-t", base_url=fake_slack.url).apps_connections_open(app_token="xoxb-t")
    assert info.value.response["error"] == "not_allowed_token_type"
    opened = WebClient(base_url=fake_slack.url).apps_connections_open(app_token="xapp-t")
    assert opened["url"] == "ws://127.0.0.1:1/link/"
    fake_slack.fail("apps.connections.open", "invalid_auth")
    with pytest.raises(SlackApiError) as info:
        WebClient(base_url=fake_slack.url).apps_connections_open(app_token="xapp-t")
    assert info.value.response["error"] == "invalid_auth"


def test_accept_then_drop_stores_the_message_and_answers_nothing(fake_slack: FakeSlack) -> None:
    client = WebClient(token="xoxb-t", base_url=fake_slack.url, retry_handlers=[])
    fake_slack.accept_then_drop("chat.postMessage")
    with pytest.raises(RemoteDisconnected):
        client.chat_postMessage(channel="C1", text="lost answer")
    assert [m["text"] for m in fake_slack.messages["C1"]] == ["lost answer"]
    assert [c.method for c in fake_slack.calls] == ["chat.postMessage", "chat.postMessage!drop"]
    assert client.chat_postMessage(channel="C1", text="answered")["ok"]
    # What delivery must avoid: slack_sdk's connection-error handler re-sends the post.
    retrying = WebClient(
        token="xoxb-t", base_url=fake_slack.url, retry_handlers=[ConnectionErrorRetryHandler()]
    )
    fake_slack.accept_then_drop("chat.postMessage")
    assert retrying.chat_postMessage(channel="C2", text="twice")["ok"]
    assert [m["text"] for m in fake_slack.messages["C2"]] == ["twice", "twice"]


def test_accept_then_server_error_stores_the_message_and_answers_5xx(fake_slack: FakeSlack) -> None:
    client = WebClient(token="xoxb-t", base_url=fake_slack.url, retry_handlers=[])
    fake_slack.accept_then_server_error("chat.postMessage", status=503)
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="stored anyway")
    assert info.value.response.status_code == 503
    assert [m["text"] for m in fake_slack.messages["C1"]] == ["stored anyway"]
    assert [c.method for c in fake_slack.calls] == ["chat.postMessage", "chat.postMessage!accepted-5xx"]
    fake_slack.server_error("chat.postMessage", status=503)  # the plain 5xx stores nothing
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="not stored")
    assert len(fake_slack.messages["C1"]) == 1


def test_auth_test_and_posted_messages_name_the_posting_bot(fake_slack: FakeSlack) -> None:
    fake_slack.bots["xoxb-other"] = {"user_id": "UOTHER", "bot_id": "B0OTHER", "app_id": "A0OTHER"}
    ours = WebClient(token="xoxb-t", base_url=fake_slack.url)
    other = WebClient(token="xoxb-other", base_url=fake_slack.url)
    assert (ours.auth_test()["bot_id"], ours.auth_test()["user_id"]) == ("B0001", "UBOT")
    assert (other.auth_test()["bot_id"], other.auth_test()["user_id"]) == ("B0OTHER", "UOTHER")
    ours.chat_postMessage(channel="C1", text="ours")
    other.chat_postMessage(channel="C1", text="theirs")
    history = ours.conversations_history(channel="C1")["messages"]
    assert [(m["text"], m["bot_id"], m["app_id"], m["user"]) for m in history] == [
        ("theirs", "B0OTHER", "A0OTHER", "UOTHER"),
        ("ours", "B0001", "A0001", "UBOT"),
    ]


def test_message_timestamps_follow_the_fake_clock(fake_slack: FakeSlack) -> None:
    fake_slack.clock = lambda: 1_800_000_000.5
    ts = WebClient(token="xoxb-t", base_url=fake_slack.url).chat_postMessage(channel="C1", text="x")["ts"]
    assert ts.startswith("1800000000.")


def option(value: str, text: str | None = None) -> dict:
    return {"text": {"type": "plain_text", "text": text or value}, "value": value}


def input_block(element: dict, block_id: str = "in") -> dict:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": "L"},
        "element": element,
    }


def modal(*blocks: dict) -> dict:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "T"},
        "submit": {"type": "plain_text", "text": "OK"},
        "blocks": list(blocks),
    }


MANY = [option(f"d{i}") for i in range(101)]


@pytest.mark.parametrize(
    ("view", "problem"),
    [
        (modal(input_block({"type": "static_select", "action_id": "a", "options": MANY})), "101 options"),
        (
            modal(input_block({"type": "multi_static_select", "action_id": "a", "options": MANY})),
            "101 options",
        ),
        (
            modal(
                input_block(
                    {
                        "type": "static_select",
                        "action_id": "a",
                        "options": [option("x")],
                        "initial_option": option("y"),
                    }
                )
            ),
            "initial_option",
        ),
        (
            modal(
                input_block(
                    {
                        "type": "multi_static_select",
                        "action_id": "a",
                        "options": [option("x")],
                        "initial_options": [option("x", "other label")],
                    }
                )
            ),
            "initial_option",
        ),
        (
            modal(
                input_block(
                    {
                        "type": "radio_buttons",
                        "action_id": "a",
                        "options": [option("x")],
                        "initial_option": option("y"),
                    }
                )
            ),
            "initial_option",
        ),
        (
            modal(
                input_block({"type": "static_select", "action_id": "a", "options": [option("x", "o" * 76)]})
            ),
            "option text",
        ),
        (modal({"type": "context", "elements": [{"type": "mrkdwn", "text": "c" * 3001}]}), "context element"),
        (
            modal(
                input_block(
                    {
                        "type": "plain_text_input",
                        "action_id": "a",
                        "max_length": 10,
                        "initial_value": "x" * 11,
                    }
                )
            ),
            "max_length",
        ),
        (
            modal(
                input_block(
                    {
                        "type": "number_input",
                        "action_id": "a",
                        "is_decimal_allowed": False,
                        "min_value": "1",
                        "max_value": "10",
                        "initial_value": "11",
                    }
                )
            ),
            "outside",
        ),
        (
            modal(
                input_block(
                    {
                        "type": "number_input",
                        "action_id": "a",
                        "is_decimal_allowed": False,
                        "initial_value": "x",
                    }
                )
            ),
            "not a number",
        ),
        (modal({"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}), "field"),
        (modal({"type": "section", "text": {"type": "mrkdwn", "text": "s" * 3001}}), "section text"),
        (
            modal(input_block({"type": "external_select", "action_id": "a", "options": [option("x")]})),
            "external",
        ),
    ],
)
def test_views_with_elements_slack_refuses_are_refused(view: dict, problem: str) -> None:
    problems = validate_view(view)
    assert any(problem in p for p in problems), problems


def test_valid_selects_and_inputs_pass() -> None:
    view = modal(
        input_block(
            {
                "type": "static_select",
                "action_id": "a",
                "options": MANY[:100],
                "initial_option": option("d7"),
            },
            "a",
        ),
        input_block(
            {
                "type": "external_select",
                "action_id": "b",
                "initial_option": option("z"),
                "min_query_length": 0,
            },
            "b",
        ),
        input_block(
            {
                "type": "number_input",
                "action_id": "c",
                "is_decimal_allowed": False,
                "min_value": "1",
                "max_value": "10",
                "initial_value": "10",
            },
            "c",
        ),
        input_block(
            {"type": "plain_text_input", "action_id": "d", "max_length": 10, "initial_value": "x" * 10}, "d"
        ),
    )
    assert validate_view(view) == []


def test_views_update_with_a_stale_hash_is_a_hash_conflict(fake_slack: FakeSlack) -> None:
    client = WebClient(token="xoxb-t", base_url=fake_slack.url)
    opened = client.views_open(trigger_id="t", view=modal(section("one")))["view"]
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal(section("two")))[
        "view"
    ]
    with pytest.raises(SlackApiError) as info:  # the hash of the view before the update
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal(section("late")))
    assert info.value.response["error"] == "hash_conflict"
    fake_slack.acked_update(opened["id"], modal(section("acked")))  # a response_action: update
    with pytest.raises(SlackApiError):
        client.views_update(view_id=opened["id"], hash=updated["hash"], view=modal(section("late")))
    assert client.views_update(view_id=opened["id"], view=modal(section("unguarded")))["ok"]
    assert fake_slack.views[opened["id"]]["blocks"][0]["text"]["text"] == "unguarded"


def test_options_responses_are_checked_like_slack() -> None:
    assert validate_options({"options": MANY[:100]}) == []
    assert any("101 options" in p for p in validate_options({"options": MANY}))
    assert any("option text" in p for p in validate_options({"options": [option("x", "o" * 76)]}))


def test_acks_are_checked_like_slack() -> None:
    assert validate_ack({"response_action": "update", "view": modal(section("ok"))}) == []
    refused = validate_ack({"response_action": "update", "view": modal(section("x" * 3001))})
    assert any("section text" in p for p in refused)
    assert any("101 options" in p for p in validate_ack({"options": MANY}))
    assert validate_ack({"text": "hi", "blocks": [section("x" * 3001)]}) != []
    assert validate_ack({"response_action": "errors", "errors": {"url": "bad"}}) == []
