"""``block_suggestion`` for the department pickers of ``add_feed`` and ``subscribe_channel``.

With more than 100 departments (bundled plus ``BRIEFBOT_PROFILES_FILE``) the pickers are
external selects (a static select holds at most 100 options): Slack asks here as the user types
and shows what the ack carries. Department names are no secret (``/ai-brief help`` lists them),
so anyone may ask; the answer is pure and fast, within the ack.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.choices import department_options
from bot.views.modals.parts import department_suggestions

PICKERS = ("departments", "department")


def department_options_callback(ack: Ack, payload: dict[str, Any], context: BoltContext) -> None:
    """The departments matching what the user typed, at most 100."""
    typed = str(payload.get("value") or "")[:100]
    ack(options=department_suggestions(department_options(context["services"]), typed))


def register(app: App) -> None:
    for action_id in PICKERS:
        app.options(action_id)(department_options_callback)
