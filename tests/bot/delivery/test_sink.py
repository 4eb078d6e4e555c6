"""The Slack sink's retry policy: which failed posts Slack may have stored, and the clients
delivery posts and reads through (moved from tests/briefings/delivery/test_lost_answers.py)."""

from __future__ import annotations

from http.client import IncompleteRead, RemoteDisconnected
from typing import Any
from urllib.error import URLError

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.web import SlackResponse

from bot.client import make_web_client
from bot.delivery import sink


def slack_error(status: int, error: str = "internal_error") -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers={},
        status_code=status,
    )
    return SlackApiError("failed", response)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (URLError(ConnectionRefusedError(111, "Connection refused")), sink.NOT_SENT),
        (URLError(TimeoutError("timed out")), sink.NOT_SENT),  # connecting or sending
        (URLError(ConnectionResetError(104, "reset")), sink.NOT_SENT),  # while sending
        (TimeoutError("timed out"), sink.AMBIGUOUS),  # waiting for the answer
        (ConnectionResetError(104, "reset"), sink.AMBIGUOUS),
        (RemoteDisconnected("Remote end closed connection without response"), sink.AMBIGUOUS),
        (IncompleteRead(b"{"), sink.AMBIGUOUS),
        (slack_error(503), sink.AMBIGUOUS),
        (slack_error(502), sink.AMBIGUOUS),
        (slack_error(429), None),  # rate limited: nothing happened, the 429 handler waits
        (slack_error(200, "internal_error"), None),  # left to the next tick's re-claim
        (ValueError("a bug"), None),
    ],
)
def test_post_failures_are_sorted_by_whether_slack_may_have_the_message(
    error: Exception, kind: str | None
) -> None:
    assert sink.post_failure(error) == kind


def test_posting_client_drops_resending_handlers_and_keeps_rate_limits(settings: Any) -> None:
    client = make_web_client(settings)
    poster = sink.posting_client(client)
    assert [type(h) for h in poster.retry_handlers] == [RateLimitErrorRetryHandler]
    assert (poster.token, poster.base_url, poster.timeout) == (client.token, client.base_url, client.timeout)
    assert len(client.retry_handlers) == 3  # the shared client keeps its handlers
    bare = sink.posting_client(WebClient(token="xoxb-t", retry_handlers=[]))
    assert [type(h) for h in bare.retry_handlers] == [RateLimitErrorRetryHandler]


def test_delivery_adds_its_retry_handlers_to_a_copy_never_to_the_bots_own_client() -> None:
    bots = WebClient(token="xoxb-t", retry_handlers=[])
    delivery = sink.ensure_retry_handlers(bots)
    assert bots.retry_handlers == []  # the Bolt app's client keeps its own policy
    assert {type(h).__name__ for h in delivery.retry_handlers} == {
        "RateLimitErrorRetryHandler",
        "ServerErrorRetryHandler",
        "ConnectionErrorRetryHandler",
    }
    assert sink.ensure_retry_handlers(delivery) is delivery  # nothing missing: no second copy
