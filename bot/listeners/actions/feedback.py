"""The ``story_useful`` / ``story_not_useful`` buttons under each story of a briefing.

The click is acked at once; on the slow-work pool (``bot.work``: a ``chat.postEphemeral`` 429
storm must not hold the listener threads every other user's ack needs) the vote is stored (one
per user per story, a second click replaces the first) and the clicker alone is thanked with an
ephemeral message (``chat.postEphemeral``, else the click's response URL). The briefing itself is
never re-posted or edited: the buttons stay for everyone else in the channel.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.text import escape_mrkdwn
from foundation.errors import BriefbotError

FEEDBACK_ACTIONS = {"story_useful": True, "story_not_useful": False}


def story_vote_callback(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: Respond,
    client: WebClient,
    context: BoltContext,
    logger: logging.Logger,
) -> None:
    """Store the vote, then thank the clicker (or say why it could not be stored)."""
    ack()
    user_id = (body.get("user") or {}).get("id", "")
    channel_id = (body.get("channel") or {}).get("id", "")
    services = context["services"]

    def vote() -> None:
        try:
            outcome = services.briefings.feedback.vote(
                channel_id,
                str(action.get("value", "")),
                user_id=user_id,
                useful=FEEDBACK_ACTIONS[action["action_id"]],
            )
            text = outcome.thanks
        except BriefbotError as exc:
            text = f":warning: {escape_mrkdwn(str(exc)[:500])}"
        try:
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
        except SlackApiError as exc:
            # E.g. the bot left the channel: the click's response URL still reaches the clicker.
            logger.info(
                "chat.postEphemeral refused (%s); answering on the response URL", exc.response.get("error")
            )
            if body.get("response_url"):
                respond(text=text, response_type="ephemeral", replace_original=False)

    context["slow_work"].submit(user_id, vote, logger=logger)


def register(app: App) -> None:
    for action_id in FEEDBACK_ACTIONS:
        app.action(action_id)(story_vote_callback)
