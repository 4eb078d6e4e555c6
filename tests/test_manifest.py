"""slack/manifest.yml stays in step with what the bot answers and what it calls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MANIFEST = Path(__file__).resolve().parents[1] / "slack" / "manifest.yml"

# Subcommands each slash command answers (the README's documented commands plus what we added).
SUBCOMMANDS = {
    "/ai-brief": [
        "help",
        "now",
        "subscribe",
        "unsubscribe",
        "pause",
        "resume",
        "status",
        "mute",
        "unmute",
        "boost",
        "unboost",
        "filters",
    ],
    "/ai-feeds": ["add", "list", "tag", "rename", "remove", "pause", "resume", "test"],
}


def manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_declares_the_four_commands_at_the_events_endpoint() -> None:
    commands = {c["command"]: c for c in manifest()["features"]["slash_commands"]}
    assert set(commands) == {"/ai-brief", "/ai-policy", "/ai-certs", "/ai-feeds"}
    for command in commands.values():
        assert command["url"].endswith("/slack/events")
        assert command["description"] and command["usage_hint"]
    for name, subcommands in SUBCOMMANDS.items():
        hint = commands[name]["usage_hint"]
        missing = [s for s in subcommands if s not in hint.replace("|", " ").split()]
        assert missing == [], f"{name} usage hint lacks {missing}"


def test_scopes_cover_every_web_api_method_the_bot_calls() -> None:
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    needed = {
        "commands",  # slash commands
        "chat:write",  # chat.postMessage / postEphemeral
        "users:read",  # users.info: admin checks, timezones
        "channels:read",  # conversations.info
        "channels:history",  # conversations.history after a crash
        "groups:history",
        "im:write",  # conversations.open to DM admins
    }
    assert needed <= scopes


def test_interactivity_and_socket_mode_settings() -> None:
    settings = manifest()["settings"]
    assert settings["interactivity"]["request_url"].endswith("/slack/events")
    # External selects (more than 100 departments) load their options from here.
    assert settings["interactivity"]["message_menu_options_url"].endswith("/slack/events")
    assert settings["socket_mode_enabled"] is True


def test_doctor_checks_exactly_the_manifest_scopes() -> None:
    from bot.scopes import OPTIONAL_SCOPES, REQUIRED_SCOPES

    assert set(REQUIRED_SCOPES) | set(OPTIONAL_SCOPES) == set(manifest()["oauth_config"]["scopes"]["bot"])


def test_the_assistant_pane_is_declared_with_its_events_and_scopes() -> None:
    data = manifest()
    assert data["features"]["assistant_view"]["assistant_description"]
    # People type their questions in the pane's thread: the Messages tab must take messages.
    assert data["features"]["app_home"]["messages_tab_read_only_enabled"] is False
    events = set(data["settings"]["event_subscriptions"]["bot_events"])
    assert {"assistant_thread_started", "assistant_thread_context_changed", "message.im"} <= events
    assert {"assistant:write", "im:history"} <= set(data["oauth_config"]["scopes"]["bot"])


def test_app_home_event_and_the_ask_policy_shortcut_are_declared() -> None:
    data = manifest()
    features, settings = data["features"], data["settings"]
    assert features["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in settings["event_subscriptions"]["bot_events"]
    assert settings["event_subscriptions"]["request_url"].endswith("/slack/events")
    [shortcut] = features["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", "ask_policy")
    assert len(shortcut["name"]) <= 24 and shortcut["description"]
    scopes = set(data["oauth_config"]["scopes"]["bot"])
    # Shortcuts need "commands"; users.conversations (a reader's channels) needs the read scopes.
    assert {"commands", "channels:read", "groups:read"} <= scopes


def test_the_invite_hint_names_the_app_as_slack_shows_it() -> None:
    from bot.delivery.channels import APP_NAME, INVITE

    app = manifest()
    assert APP_NAME == app["display_information"]["name"] == app["features"]["bot_user"]["display_name"]
    assert f"/invite @{APP_NAME}" == INVITE
