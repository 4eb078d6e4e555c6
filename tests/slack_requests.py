"""Signed requests into the real Bolt app over HTTP, as Slack sends them."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier


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
        self.http = httpx.Client(timeout=10)

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
        return self.http.post(self.url, content=body, headers=headers)

    def interaction(self, payload: dict[str, Any]) -> httpx.Response:
        """POST a signed interactivity payload (block_actions, view_submission, ...)."""
        body = urlencode({"payload": json.dumps(payload)})
        headers = self.signed_headers(body, content_type="application/x-www-form-urlencoded")
        return self.http.post(self.url, content=body, headers=headers)

    def close(self) -> None:
        self.http.close()
