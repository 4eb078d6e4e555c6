"""Signed requests into the real Bolt app over HTTP, as Slack sends them."""

from __future__ import annotations

import json
import threading
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from tests.mock_web_api_server.server import validate_ack


def command_payload(
    command: str, text: str = "", *, user_id: str = "U1", channel_id: str = "C1", response_url: str = ""
) -> dict[str, str]:
    """The fields Slack sends with a slash command (form body over HTTP, payload in Socket Mode)."""
    return {
        "token": "legacy-unused",
        "team_id": "T0001",
        "team_domain": "example",
        "channel_id": channel_id,
        "channel_name": channel_id.lower(),
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0001",
        "response_url": response_url,
        "trigger_id": "1.2.3",
    }


class SignedSlackClient:
    """Sends slash commands and interactions signed with the app's signing secret."""

    def __init__(self, base_url: str, secret: str, *, response_url_factory: Any = None) -> None:
        self.url = base_url.rstrip("/") + "/slack/events"
        self.secret = secret
        self.response_url_factory = response_url_factory
        # One connection pool per thread: the load tests send from dozens of threads at once,
        # and a pool shared between them has been seen to read from a socket another closed.
        self._local = threading.local()
        self._clients: list[httpx.Client] = []
        self._lock = threading.Lock()

    @property
    def http(self) -> httpx.Client:
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = httpx.Client(timeout=10)
            with self._lock:
                self._clients.append(client)
        return client

    @http.setter
    def http(self, client: httpx.Client) -> None:
        """Use ``client`` (say, one that trusts a test certificate) in this thread."""
        self._local.client = client
        with self._lock:
            self._clients.append(client)

    def signed_headers(self, body: str, *, timestamp: int | None = None, content_type: str) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signature = SignatureVerifier(self.secret).generate_signature(timestamp=ts, body=body)
        return {
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature or "",
            "Content-Type": content_type,
        }

    def command_body(
        self,
        command: str,
        text: str = "",
        *,
        user_id: str = "U1",
        channel_id: str = "C1",
        response_url: str | None = None,
    ) -> str:
        if response_url is None and self.response_url_factory is not None:
            response_url = self.response_url_factory()
        form = command_payload(
            command, text, user_id=user_id, channel_id=channel_id, response_url=response_url or ""
        )
        return urlencode(form)

    def command(self, command: str, text: str = "", **kwargs: Any) -> httpx.Response:
        """POST a signed slash command; returns the ack response."""
        timestamp = kwargs.pop("timestamp", None)
        body = self.command_body(command, text, **kwargs)
        headers = self.signed_headers(
            body, timestamp=timestamp, content_type="application/x-www-form-urlencoded"
        )
        return _checked(self.http.post(self.url, content=body, headers=headers))

    def interaction(self, payload: dict[str, Any]) -> httpx.Response:
        """POST a signed interactivity payload (block_actions, view_submission, ...)."""
        body = urlencode({"payload": json.dumps(payload)})
        headers = self.signed_headers(body, content_type="application/x-www-form-urlencoded")
        return _checked(self.http.post(self.url, content=body, headers=headers))

    def event(self, payload: dict[str, Any]) -> httpx.Response:
        """POST a signed Events API body (JSON), e.g. ``app_home_opened(...)``."""
        body = json.dumps(payload)
        headers = self.signed_headers(body, content_type="application/json")
        return self.http.post(self.url, content=body, headers=headers)

    def close(self) -> None:
        with self._lock:
            for client in self._clients:
                client.close()
            self._clients.clear()


def _checked(response: httpx.Response) -> httpx.Response:
    """The ack, after checking it as Slack would (an ack Slack refuses fails the test here)."""
    if response.status_code == 200 and "json" in response.headers.get("content-type", ""):
        problems = validate_ack(response.json())
        if problems:
            raise AssertionError(f"Slack would refuse this ack: {problems}")
    return response


# ----- interactivity and events payloads (what Slack sends; see DESIGN.md "Interactive surfaces")
TEAM = {"id": "T0001", "domain": "example"}


def _user(user_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_id.lower(), "name": user_id.lower(), "team_id": "T0001"}


def event_callback(event: dict[str, Any], *, event_id: str = "Ev0001") -> dict[str, Any]:
    """An Events API envelope (HTTP body, or a Socket Mode ``events_api`` payload)."""
    return {
        "token": "legacy-unused",
        "team_id": "T0001",
        "api_app_id": "A0001",
        "event": {"event_ts": f"{time.time():.6f}", **event},
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [{"team_id": "T0001", "user_id": "UBOT", "is_bot": True}],
    }


def app_home_opened(user_id: str, *, tab: str = "home") -> dict[str, Any]:
    return event_callback({"type": "app_home_opened", "user": user_id, "channel": f"D{user_id}", "tab": tab})


def assistant_thread_started(
    user_id: str, *, thread_ts: str = "1765000000.000100", context_channel: str | None = None
) -> dict[str, Any]:
    """Someone opened the app's assistant pane (``context_channel``: the channel they were in)."""
    thread = {
        "user_id": user_id,
        "channel_id": f"D{user_id}",
        "thread_ts": thread_ts,
        "context": {"channel_id": context_channel, "team_id": "T0001", "enterprise_id": None}
        if context_channel
        else {},
    }
    return event_callback({"type": "assistant_thread_started", "assistant_thread": thread})


def assistant_message(
    user_id: str, text: str, *, thread_ts: str = "1765000000.000100", event_id: str = "Ev0002"
) -> dict[str, Any]:
    """A message typed in the assistant pane's thread (a DM thread with the app)."""
    event = {
        "type": "message",
        "user": user_id,
        "text": text,
        "ts": f"{time.time():.6f}",
        "thread_ts": thread_ts,
        "channel": f"D{user_id}",
        "channel_type": "im",
    }
    return event_callback(event, event_id=event_id)


def _envelope(user_id: str) -> dict[str, Any]:
    """The fields every interaction payload carries: team, user, app and the legacy token."""
    return {"team": TEAM, "user": _user(user_id), "api_app_id": "A0001", "token": "legacy-unused"}


def _action(
    action_id: str, value: str | None, *, block_id: str = "b", action_type: str = "button"
) -> dict[str, Any]:
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id,
        "type": action_type,
        "action_ts": f"{time.time():.6f}",
    }
    if value is not None:
        action["value"] = value
    return action


def block_actions(
    action_id: str,
    *,
    user_id: str = "U1",
    value: str | None = None,
    block_id: str = "b",
    view: dict[str, Any] | None = None,
    trigger_id: str = "13345.trigger",
    action_type: str = "button",
) -> dict[str, Any]:
    """A click in a view (App Home or a modal): carries a trigger_id, no response_url."""
    action = _action(action_id, value, block_id=block_id, action_type=action_type)
    shown = view or {"id": "VHOME", "type": "home", "hash": "h0", "state": {"values": {}}}
    return {
        "type": "block_actions",
        **_envelope(user_id),
        "container": {"type": "view", "view_id": shown["id"]},
        "trigger_id": trigger_id,
        "view": shown,
        "actions": [action],
    }


def message_block_actions(
    action_id: str,
    *,
    channel_id: str,
    message_ts: str,
    value: str,
    user_id: str = "U1",
    response_url: str = "",
) -> dict[str, Any]:
    """A click on a button in a posted message: carries the channel, the message and a response_url."""
    return {
        "type": "block_actions",
        **_envelope(user_id),
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel_id},
        "channel": {"id": channel_id, "name": channel_id.lower()},
        "message": {"type": "message", "ts": message_ts},
        "trigger_id": "13345.trigger",
        "response_url": response_url,
        "actions": [_action(action_id, value)],
    }


def view_submission(
    callback_id: str,
    values: dict[str, dict[str, Any]],
    *,
    user_id: str = "U1",
    private_metadata: str = "",
    view_id: str = "VMODAL",
) -> dict[str, Any]:
    """A modal submitted; ``values`` is ``view.state.values`` ({block_id: {action_id: element state}})."""
    return {
        "type": "view_submission",
        **_envelope(user_id),
        "trigger_id": "13346.trigger",
        "view": {
            "id": view_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "hash": "h1",
            "state": {"values": values},
        },
    }


def message_action(
    callback_id: str,
    text: str,
    *,
    user_id: str = "U1",
    channel_id: str = "C1",
    response_url: str = "",
) -> dict[str, Any]:
    """A message shortcut on someone's message in ``channel_id``."""
    return {
        "type": "message_action",
        "callback_id": callback_id,
        "trigger_id": "13347.trigger",
        "response_url": response_url,
        **_envelope(user_id),
        "channel": {"id": channel_id, "name": channel_id.lower()},
        "message_ts": "1700000000.000100",
        "message": {"type": "message", "user": "UOTHER", "text": text, "ts": "1700000000.000100"},
    }
