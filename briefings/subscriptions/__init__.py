"""Channel subscriptions: the model and its checks (``model``), the rows (``store``), and the
schedule grammar (``schedule``). The model's names are re-exported for the front doors."""

from briefings.subscriptions.model import (
    ACTIVE,
    DEFAULT_QUIET_MODE,
    DEFAULT_TOP_N,
    MANUAL,
    MAX_TOP_N,
    PAUSED,
    QUIET_MODES,
    SETTINGS,
    SubscriptionChange,
    SubscriptionView,
    change_summary,
    channel_subscription,
    check_quiet_mode,
    check_top_n,
    quiet_text,
    stories_text,
)

__all__ = [
    "ACTIVE",
    "DEFAULT_QUIET_MODE",
    "DEFAULT_TOP_N",
    "MANUAL",
    "MAX_TOP_N",
    "PAUSED",
    "QUIET_MODES",
    "SETTINGS",
    "SubscriptionChange",
    "SubscriptionView",
    "change_summary",
    "channel_subscription",
    "check_quiet_mode",
    "check_top_n",
    "quiet_text",
    "stories_text",
]
