"""User-facing briefing errors (each message is fit to show as it is)."""

from __future__ import annotations

from foundation.errors import BriefbotError
from foundation.errors import UnknownDepartment as UnknownDepartment  # the one class, re-exported


class BriefingError(BriefbotError):
    """Root of the briefings package's user-facing errors."""


class InvalidSchedule(BriefingError, ValueError):
    """A schedule or timezone the grammar does not accept; the message shows examples."""


class InvalidProfiles(BriefingError, ValueError):
    """A department profiles YAML file that cannot be used; the message names the line."""


class InvalidChannel(BriefingError, ValueError):
    """Something that is not a Slack channel ID."""


class SubscriptionNotFound(BriefingError, LookupError):
    """No subscription with that ID (or for that channel and department)."""


class DeliveryError(BriefingError, RuntimeError):
    """A briefing could not be posted; the slot stays failed and is retried on the next tick."""
