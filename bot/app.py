"""The Bolt app factory (the starter template's tiny app.py, with our services injected)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext, BoltResponse, Respond
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookResponse

from bot.authz import AdminChecker
from bot.client import make_web_client
from bot.listeners import register_listeners
from bot.outbound import clean_outbound
from bot.users import UserDirectory
from bot.work import SlowWork
from foundation.errors import ConfigurationError
from foundation.metrics import COMMAND_SECONDS
from foundation.settings import Settings

if TYPE_CHECKING:
    from bot.context import BotServices

log = logging.getLogger(__name__)

FRIENDLY_ERROR = (
    "Sorry, something went wrong while handling that. The error has been logged for the admins; "
    "please try again in a minute."
)


def request_label(body: dict[str, Any]) -> str:
    """The ``command`` label of a request: ``/ai-policy``, ``action:<action_id>``,
    ``view:<callback_id>``, ``shortcut:<callback_id>``, ``event:<type>`` (ids are our own, from the
    manifest and our views, so the label set stays small)."""
    kind = body.get("type")
    if body.get("command"):
        label = str(body["command"])
    elif kind == "block_actions" and body.get("actions"):
        label = f"action:{body['actions'][0].get('action_id', '?')}"
    elif kind in ("view_submission", "view_closed"):
        label = f"view:{(body.get('view') or {}).get('callback_id', '?')}"
    elif kind in ("shortcut", "message_action"):
        label = f"shortcut:{body.get('callback_id', '?')}"
    elif kind == "block_suggestion":
        label = f"options:{body.get('action_id', '?')}"
    elif kind == "event_callback":
        label = f"event:{(body.get('event') or {}).get('type', '?')}"
    else:
        label = str(kind or "other")
    return label[:80]


class TimedAck(Ack):
    """Bolt's ``ack`` that records the time from receiving the request to its first ack and
    cleans what it answers (``bot.outbound``)."""

    def __init__(self, label: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # slack_bolt leaves Ack.__init__ untyped
        self.label = label
        self.started = time.monotonic()

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        first = self.response is None
        response = super().__call__(*clean_outbound(list(args)), **clean_outbound(kwargs))
        if first:
            COMMAND_SECONDS.labels(self.label).observe(time.monotonic() - self.started)
        return response


class CleanRespond(Respond):
    """Bolt's ``respond`` (the response URL), cleaning what it sends (``bot.outbound``)."""

    def __call__(self, *args: Any, **kwargs: Any) -> WebhookResponse:
        return super().__call__(*clean_outbound(list(args)), **clean_outbound(kwargs))


def check_slack_settings(settings: Settings) -> None:
    """Fail with one line naming the missing variable."""
    if not settings.slack_bot_token:
        raise ConfigurationError("SLACK_BOT_TOKEN is not set (the bot token, xoxb-...)")
    if not settings.slack_app_token and not settings.slack_signing_secret:
        raise ConfigurationError(
            "SLACK_SIGNING_SECRET is not set (needed for HTTP mode; set SLACK_APP_TOKEN for Socket Mode)"
        )


LISTENER_WORKERS = 16


def _bolt_app(settings: Settings, client: WebClient, listener_workers: int) -> App:
    """Bolt's App on our client (its auth.test checks the token); one clear line if refused."""
    try:
        return App(
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
    app = _bolt_app(settings, client or make_web_client(settings), listener_workers)
    quick_client = make_web_client(settings, quick=True)
    users = UserDirectory(quick_client)
    slow = slow_work or SlowWork()

    # The admin gate (``bot.gate``, on each curation listener) asks this checker.
    admin_checker = AdminChecker(settings, users)

    @app.middleware
    def time_to_ack(
        body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        # Global middleware runs before the listener is even chosen (next() returns at once), so
        # the time is taken where the ack happens: the listener's ``ack`` is this timed one.
        context["ack"] = TimedAck(request_label(body))
        respond = context.respond  # Bolt makes it on first use: make it the cleaning kind now
        if isinstance(respond, Respond) and not isinstance(respond, CleanRespond):
            context["respond"] = CleanRespond(
                response_url=respond.response_url, proxy=respond.proxy, ssl=respond.ssl
            )
        return next()

    @app.middleware
    def inject_services(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
        # Bolt hands listeners a plain per-request copy of the client, whose calls our metrics
        # never saw; the app's own (counting, retrying) client is used after the ack instead, and
        # the quick one (no retries, short timeout) for what a trigger_id must not wait on.
        context["client"] = app.client
        context["quick_client"] = quick_client
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
