"""The Slack half of ``briefbot doctor``: the token, its scopes, and the subscribed channels.

Each check is one line an admin can act on; nothing here changes anything in Slack.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.scopes import OPTIONAL_SCOPES, REQUIRED_SCOPES

OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass(frozen=True)
class Check:
    """One doctor line: ``check`` names what was looked at, ``detail`` says what to do."""

    check: str
    status: str  # ok | warn | fail
    detail: str


def _slack_error(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or exc.response.status_code)
    return type(exc).__name__


def token_checks(client: WebClient) -> list[Check]:
    """``auth.test`` and the granted scopes (Slack sends them in the ``x-oauth-scopes`` header)."""
    try:
        answer = client.auth_test()
    except Exception as exc:  # any refusal or network failure is this check's finding
        return [
            Check("slack token", FAIL, f"auth.test failed ({_slack_error(exc)}): check SLACK_BOT_TOKEN"),
            Check("token scopes", FAIL, "not checked: the token was refused"),
        ]
    who = f"bot {answer.get('user_id')} in {answer.get('team') or answer.get('team_id')}"
    checks = [Check("slack token", OK, who)]
    header = next((v for k, v in answer.headers.items() if k.lower() == "x-oauth-scopes"), None)
    if header is None:
        checks.append(Check("token scopes", WARN, "Slack did not say which scopes the token has"))
        return checks
    granted = {s.strip() for s in str(header).split(",") if s.strip()}
    missing = [s for s in REQUIRED_SCOPES if s not in granted]
    if missing:
        needs = "; ".join(f"{s} ({REQUIRED_SCOPES[s]})" for s in missing)
        checks.append(Check("token scopes", FAIL, f"missing {needs}: add them and reinstall the app"))
    else:
        checks.append(Check("token scopes", OK, f"all {len(REQUIRED_SCOPES)} required scopes granted"))
    optional = [s for s in OPTIONAL_SCOPES if s not in granted]
    if optional:
        off = "; ".join(f"{s} ({OPTIONAL_SCOPES[s]})" for s in optional)
        checks.append(Check("optional scopes", WARN, f"not granted, so these are off: {off}"))
    return checks


def channel_checks(client: WebClient, channels: Iterable[str]) -> list[Check]:
    """For every subscribed channel: it exists, is not archived, and the bot can post there."""
    checks = []
    for channel_id in sorted(set(channels)):
        name = f"channel {channel_id}"
        try:
            info = client.conversations_info(channel=channel_id)["channel"]
        except Exception as exc:  # channel_not_found, missing_scope, network: all reported
            checks.append(Check(name, FAIL, f"cannot read the channel ({_slack_error(exc)})"))
            continue
        label = f"#{info.get('name', channel_id)}"
        if info.get("is_archived"):
            checks.append(Check(name, FAIL, f"{label} is archived: unsubscribe it or unarchive it"))
        elif info.get("is_member"):
            checks.append(Check(name, OK, f"{label}: the bot is a member"))
        elif info.get("is_private"):
            checks.append(Check(name, FAIL, f"{label} is private and the bot is not in it: /invite the bot"))
        else:
            checks.append(
                Check(
                    name,
                    WARN,
                    f"{label}: the bot is not a member (posts rely on chat:write.public); /invite it",
                )
            )
    return checks
