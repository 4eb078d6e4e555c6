"""The root of user-facing errors: each carries a message fit to show a user as it is."""


class BriefbotError(Exception):
    """An error whose message is shown to the user (CLI line or Slack reply), never a traceback."""


class ConfigurationError(BriefbotError):
    """A required setting is missing or Slack refused the credentials."""


class UnknownDepartment(BriefbotError, ValueError):
    """A department name or alias the department registry does not know."""
