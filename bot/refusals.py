"""What a refused user reads, and the one way a refusal is audited.

Every text shown to someone who may not curate lives in :data:`REFUSALS`, keyed by the kind of
surface that shows it (a slash command's ephemeral reply, a modal's field error or notice, a
notice opened from App Home) and by what was being changed (the feeds, or which briefings a
channel gets). A slash command's text may point at another command run in the same channel;
a modal or Home cannot, so theirs is shorter. When Slack could not say whether the user is an
admin, every surface says so instead (:data:`CANNOT_CHECK`): never "not an admin" unchecked.

Every refusal, whatever the surface, is recorded by :func:`record_refusal` as one ``refused``
audit row: who, what was attempted, on which surface, and why.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from storage import Database
from storage.audit import Actor, record

log = logging.getLogger(__name__)


class Surface(StrEnum):
    """Where a refusal is shown (also its audit row's ``surface``)."""

    SLASH_COMMAND = "slash_command"
    MODAL = "modal"
    APP_HOME = "app_home"


class Subject(StrEnum):
    """What the refused user tried to change."""

    FEEDS = "feeds"
    BRIEFINGS = "briefings"


_FEEDS = (
    "Sorry, only briefing admins can change feeds. "
    "Ask one of your workspace admins, or someone listed in BRIEFBOT_ADMINS."
)
_BRIEFINGS_HERE = (
    "Sorry, only briefing admins can change which briefings this channel gets. "
    "Ask a workspace admin or someone listed in BRIEFBOT_ADMINS; `/ai-brief status` shows what it gets now."
)
_BRIEFINGS = (
    "Sorry, only briefing admins can do that. Ask a workspace admin or someone listed in BRIEFBOT_ADMINS."
)

REFUSALS: dict[tuple[Surface, Subject], str] = {
    (Surface.SLASH_COMMAND, Subject.FEEDS): _FEEDS,
    (Surface.SLASH_COMMAND, Subject.BRIEFINGS): _BRIEFINGS_HERE,
    (Surface.MODAL, Subject.FEEDS): _FEEDS,
    (Surface.MODAL, Subject.BRIEFINGS): _BRIEFINGS,
    (Surface.APP_HOME, Subject.FEEDS): _FEEDS,
    (Surface.APP_HOME, Subject.BRIEFINGS): _BRIEFINGS,
}
CANNOT_CHECK = (
    ":hourglass: I couldn't check your admin rights just now (Slack is busy); please try again in a minute."
)
# A non-admin may subscribe only a channel they are in (the subscribe_channel modal, after its ack).
NOT_MEMBER = (
    "Only briefing admins can change the briefing of a channel they are not in. Join <#{channel}> "
    "first, or ask an admin."
)
MEMBERSHIP_UNCHECKED = (
    ":hourglass: I couldn't check your channels with Slack just now; please try again in a minute."
)

# Why, in the audit row.
NOT_ADMIN = "not an admin"
CHECK_FAILED = "admin rights could not be checked"
NOT_A_MEMBER = "not a member of the channel"
MEMBERSHIP_CHECK_FAILED = "channel membership could not be checked"


def refusal_text(surface: Surface, subject: Subject, *, checked: bool = True) -> str:
    """What the user reads; ``checked=False`` when Slack could not say who is an admin."""
    return REFUSALS[surface, subject] if checked else CANNOT_CHECK


def record_refusal(db: Database, user_id: str, attempt: str, *, surface: Surface, reason: str) -> None:
    """Audit a refused attempt. A failing write is logged, never shown: the refusal still stands."""
    try:
        with db.session() as session:
            record(session, Actor.slack(user_id), "refused", attempt, surface=str(surface), reason=reason)
    except Exception:
        log.exception("could not audit a refused attempt by %s", user_id)
