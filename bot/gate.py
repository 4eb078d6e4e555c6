"""The one admin gate: Bolt listener middleware on every listener that changes curation.

``AdminGate`` is a ``slack_bolt.middleware.Middleware``, as bolt-python's own (``RequestVerification``,
``IgnoringSelfEvents``): the listener runs only if the user may make the change. Otherwise nothing
of the listener runs; the refusal is audited once (``bot.refusals.record_refusal``) and answered
in the surface's own way, with the text from ``bot.refusals.REFUSALS``:

- a slash command: an ephemeral reply in the ack;
- a modal submission: a field error on ``field``, or (without one) the modal turned into a notice;
- an App Home button: the ack, then a notice modal opened with the click's ``trigger_id`` (on
  Bolt's listener threads, through the quick client, as a listener would) and the user's Home
  republished on the slow-work pool, so admin controls a stale Home still shows disappear.

The check runs in the ack path (cached ``users.info``, never retried); when Slack cannot say, the
user is asked to retry (never told "not an admin"). Without a checker in the context nobody
curates (fail closed).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.authz import AdminChecker, attempt_of, user_of
from bot.context import BotServices
from bot.home import publish_home
from bot.refusals import CHECK_FAILED, NOT_ADMIN, Subject, Surface, record_refusal, refusal_text
from bot.views.modals.parts import notice_modal

log = logging.getLogger(__name__)

REFUSED_CALLBACK = "refused"
REFUSED_TITLE = "Not allowed"


class Rule(Enum):
    """Who may pass."""

    ADMINS = "admins"
    # Subscribing a channel: anyone, unless BRIEFBOT_SUBSCRIBE_ADMINS_ONLY makes it admins only.
    SUBSCRIBERS = "subscribers"


def surface_of(body: dict[str, Any]) -> Surface:
    """Which kind of surface a request comes from (how its refusal is shown)."""
    if body.get("command"):
        return Surface.SLASH_COMMAND
    if body.get("type") == "view_submission":
        return Surface.MODAL
    return Surface.APP_HOME


class AdminGate(Middleware):
    """Lets the listener run only for users who may change ``subject`` (see the module's docs)."""

    def __init__(
        self,
        subject: Subject,
        *,
        rule: Rule = Rule.ADMINS,
        applies: Callable[[dict[str, Any]], bool] | None = None,
        field: str | None = None,
        with_value: bool = False,
    ) -> None:
        """``applies``: whether a request changes anything (a command's read-only subcommands pass
        unchecked); ``field``: the modal input a refusal is shown on; ``with_value``: audit the
        button's value with its action id (which feed, which subscription)."""
        self.subject = subject
        self.rule = rule
        self.applies = applies
        self.field = field
        self.with_value = with_value

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        body, context = req.body, req.context
        if self.applies is not None and not self.applies(body):
            return next()
        services: BotServices = context["services"]
        if self.rule is Rule.SUBSCRIBERS and not services.settings.briefbot_subscribe_admins_only:
            return next()
        checker = context.get("admin_checker")
        user_id = user_of(body)
        allowed = checker.answer(user_id) if isinstance(checker, AdminChecker) else False
        if allowed:
            return next()
        surface = surface_of(body)
        attempt = attempt_of(body, with_value=self.with_value)
        reason = CHECK_FAILED if allowed is None else NOT_ADMIN
        record_refusal(services.db, user_id, attempt, surface=surface, reason=reason)
        text = refusal_text(surface, self.subject, checked=allowed is not None)
        return self._refuse(context, body, surface, text, user_id)

    def _refuse(
        self, context: BoltContext, body: dict[str, Any], surface: Surface, text: str, user_id: str
    ) -> BoltResponse | None:
        ack = context.ack
        if surface is Surface.SLASH_COMMAND:
            ack(text=text, response_type="ephemeral")
        elif surface is Surface.MODAL and self.field:
            ack(response_action="errors", errors={self.field: text})
        elif surface is Surface.MODAL:
            ack(response_action="update", view=notice_modal(REFUSED_CALLBACK, REFUSED_TITLE, text))
        else:
            ack()
            _explain_on_home(context, body, text, user_id)
        # A listener middleware that skips next() returns the response, or Bolt answers 404.
        return ack.response

    @property
    def name(self) -> str:
        return f"{super().name}({self.subject})"


def _explain_on_home(context: BoltContext, body: dict[str, Any], text: str, user_id: str) -> None:
    """After the ack: a notice with the click's trigger_id, then the user's Home republished."""
    quick: WebClient = context["quick_client"]
    client: WebClient = context["client"]
    services: BotServices = context["services"]
    checker = context.get("admin_checker")
    trigger_id = body.get("trigger_id")

    def explain() -> None:
        if trigger_id:
            try:
                quick.views_open(
                    trigger_id=trigger_id, view=notice_modal(REFUSED_CALLBACK, REFUSED_TITLE, text)
                )
            except SlackApiError as exc:  # an expired trigger: the click was too old for a modal
                log.warning("views.open failed: %s", exc.response.get("error"))
            except Exception:  # nothing else may be lost silently in the executor
                log.exception("could not explain a refusal to %s", user_id)
        context["slow_work"].submit(
            user_id,
            lambda: publish_home(client, services, user_id, admin_checker=checker),
            logger=log,
        )

    # Bolt's listener threads, as a listener's own work after its ack: the trigger_id expires in
    # three seconds, so the notice never waits in the slow-work queue.
    context.listener_runner.listener_executor.submit(explain)
