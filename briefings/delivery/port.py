"""The delivery port: what delivery needs of a front door, in briefings' own terms.

Delivery decides *when* to post, retry, search, pause and tell the admins (exactly once across
replicas: see the package docstring); a sink only carries messages. Slack's implementation is
``bot.delivery.SlackSink`` (Web API calls, message metadata, channel history, retry handlers,
error codes); a second front door implements these few methods and nothing in ``briefings``
changes.

Every method but ``permalink``, ``classify``, ``kind_of``, ``is_person`` and ``words`` raises
what its transport raises; delivery hands that exception back to ``classify``. Sinks are shared
by the tick's worker threads: they must be thread-safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal, NamedTuple, Protocol

from briefings.assembly.briefing import Briefing
from briefings.slots.slot import Due


class FailureKind(StrEnum):
    """What a failed call means for the slot."""

    NOT_SENT = "not sent"  # the door never had the whole request: post again after a pause
    AMBIGUOUS = "ambiguous"  # the door may have stored it: search before posting again
    PAUSE = "pause"  # the door refused the destination: pause the subscription, tell the admins
    PERSISTENT = "persistent"  # every later call will fail the same way (a dead token): tell once


@dataclass(frozen=True)
class Failure:
    """A failed call, classified. ``kind`` None: none of the above (an ordinary refusal or a bug:
    the slot is left ``failed`` for a later tick). ``error``: the door's code for it
    (``not_in_channel``), else the exception; it is what the slot row records. ``answered``: the
    door gave an answer (logged as a warning, not with a traceback)."""

    kind: FailureKind | None
    error: str
    answered: bool = False
    status: int | None = None  # the HTTP status, when there was one (log lines)


@dataclass(frozen=True)
class Outgoing:
    """One slot's briefing as posted: its key (stable across attempts and processes, carried with
    the message so ``find`` can recognise it) and the story IDs the message stands for."""

    key: str
    briefing: Briefing
    story_ids: list[int]


class Posted(NamedTuple):
    """A slot's message found at the destination: its ID and the story IDs it carried (as
    stored with the message: unchecked)."""

    message_id: str
    story_ids: object


@dataclass(frozen=True)
class Unreadable:
    """The destination's past messages could not be searched: why, and what would fix it."""

    reason: str
    hint: str = ""


@dataclass(frozen=True)
class Notice:
    """Something the admins (or the person who asked for a one-off send) are told.

    ``paused``: the door refused the destination; ``failing``: deliveries keep failing (``cause``
    says why: a persistent error or retries exhausted); ``refused``: a send asked for now was not
    taken (the error text its sender reads; ``cause`` is the slot's status, ``failed`` or
    ``paused``)."""

    kind: Literal["paused", "failing", "refused"]
    due: Due
    error: str
    cause: str | None = None


class BriefingSink(Protocol):
    """Where briefings go: post one, find one already posted, and reach people."""

    def post(self, destination: str, message: Outgoing) -> str | None:
        """Post once (no retry that could post twice); the new message's ID."""

    def find(self, destination: str, key: str, *, since: datetime) -> Posted | Unreadable | None:
        """Our own message carrying ``key`` posted at ``destination`` since ``since``, newest
        first; None when there is none; ``Unreadable`` when the past cannot be searched."""

    def permalink(self, destination: str, message_id: str) -> str | None:
        """A link to a posted message, None when there is none (never raises)."""

    def direct(self, person: str) -> str | None:
        """The destination of a private message to ``person``."""

    def say(self, destination: str, text: str) -> None:
        """Post a plain notice."""

    def is_person(self, ref: str) -> bool:
        """Whether ``ref`` (a subscription's creator, say) names a person who can be told."""

    def classify(self, error: BaseException) -> Failure:
        """How a call failed (see ``FailureKind``)."""

    def kind_of(self, error: str) -> FailureKind | None:
        """The kind of a failure recorded earlier as ``Failure.error`` (PAUSE or PERSISTENT)."""

    def words(self, notice: Notice) -> str:
        """The notice as this door writes it."""


class Destinations(Protocol):
    """The door's rule for naming a destination (a channel): checked before anything is stored."""

    def check(self, ref: str) -> str:
        """``ref`` in canonical form; ``InvalidChannel`` with a message fit to show otherwise."""
