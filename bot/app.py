"""The Bolt app factory (the starter template's tiny app.py, with our services injected)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.authz import AdminChecker
from bot.client import make_web_client
from bot.listeners import register_listeners
from bot.users import UserDirectory
from bot.work import SlowWork
from foundation.errors import ConfigurationError
from foundation.settings import Settings
from storage.audit import Actor, record

if TYPE_CHECKING:
    from bot.context import BotServices

log = logging.getLogger(__name__)

FRIENDLY_ERROR = (
    "Sorry, something went wrong while handling that. The error has been logged for the admins; "
    "please try again in a minute."
)


def check_slack_settings(settings: Settings) -> None:
    """Fail with one line naming the missing variable."""
    if not settings.slack_bot_token:
        raise ConfigurationError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-...)")
    if not settings.slack_app_token and not settings.slack_signing_secret:
        raise ConfigurationError(
            "SLACK_SIGNING_SECRET is not set (needed for HTTP mode; set SLACK_APP_TOKEN for Socket Mode)"
        )


LISTENER_WORKERS = 16


def build_app(
    services: BotServices,
    *,
    client: WebClient | None = None,
    listener_workers: int = LISTENER_WORKERS,
    slow_work: SlowWork | None = None,
) -> App:
    """Build the Bolt app. Raises ``ConfigurationError`` with one clear line on bad settings.

    Listeners ack on Bolt's listener threads and hand what can wait to ``slow_work``
    (``bot.work``), put in every request's context as ``context["slow_work"]``.
    """
    settings = services.settings
    check_slack_settings(settings)
    client = client or make_web_client(settings)
    try:
        app = App(
            client=client,
            signing_secret=settings.slack_signing_secret or "socket-mode-unused",
            token_verification_enabled=True,
            # Bolt's default pool has 5 threads: under a burst of commands every ack queued behind it.
            listener_executor=ThreadPoolExecutor(max_workers=listener_workers, thread_name_prefix="listener"),
            logger=logging.getLogger("bot.bolt"),
        )
    except (BoltError, SlackApiError) as exc:
        raise ConfigurationError(f"Slack rejected SLACK_BOT_TOKEN: {exc}") from exc
    except Exception as exc:  # network errors from auth.test surface as several types
        raise ConfigurationError(f"cannot reach Slack at {settings.slack_api_url}: {exc}") from exc

    users = UserDirectory(make_web_client(settings, quick=True))
    slow = slow_work or SlowWork()

    def audit_refusal(user_id: str, attempt: str, reason: str) -> None:
        with services.db.session() as session:
            record(session, Actor.slack(user_id), "refused", attempt, reason=reason)

    admin_checker = AdminChecker(settings, users, on_refused=audit_refusal)

    @app.middleware
    def inject_services(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
        context["services"] = services
        context["admin_checker"] = admin_checker
        context["users"] = users
        context["slow_work"] = slow
        return next()

    @app.error
    def on_error(error: Exception, body: dict[str, Any], respond: Any, logger: logging.Logger) -> None:
        logger.exception("listener failed: %s", error)
        if body.get("response_url"):
            try:
                respond(text=FRIENDLY_ERROR, response_type="ephemeral", replace_original=False)
            except Exception:  # the user may simply not be reachable; nothing more to do
                logger.warning("could not tell the user about the failure")

    register_listeners(app)
    return app
