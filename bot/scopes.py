"""The bot token scopes the app needs, shipped inside the package.

``slack/manifest.yml`` is not installed with the package, so ``briefbot doctor`` compares the
token's granted scopes with this list; ``tests/test_manifest.py`` keeps the two in step.
"""

from __future__ import annotations

#: scope -> what breaks without it (shown by ``briefbot doctor``).
REQUIRED_SCOPES: dict[str, str] = {
    "commands": "slash commands",
    "chat:write": "posting briefings and replies",
    "chat:write.public": "posting in public channels the bot was not invited to",
    "users:read": "admin checks and subscribers' time zones",
    "channels:read": "checking public channels (archived, membership)",
    "groups:read": "checking private channels",
    "channels:history": "finding a briefing already posted after a crash (else it may post twice)",
    "groups:history": "the same in private channels",
    "im:write": "direct messages to admins about paused or failing subscriptions",
}

#: Scopes of optional features: without them the feature is off and nothing else breaks
#: (``briefbot doctor`` says which feature is off).
OPTIONAL_SCOPES: dict[str, str] = {
    "assistant:write": "the assistant pane (status line and suggested prompts)",
    "im:history": "the assistant pane (questions typed in its thread)",
}
