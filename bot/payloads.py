"""The shape of every Slack payload the listeners read, checked before Bolt sees it.

Slack never sends a list where a string belongs, but anyone holding the signing secret (or a
test) can, and each such payload used to end in a 500 and a logged traceback somewhere inside
Bolt or a listener. Checking the fields we read once, at the door, keeps every listener simple:
a payload that passes has the types the listeners expect; one that does not gets a polite 400
and one log line. Unknown fields are allowed (Slack adds them all the time), and so are payload
types we do not handle (Bolt answers those itself).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

# Slack's ids: users (U…, W…), channels (C…, G…, D…), teams, views: upper-case letters and digits.
SlackId = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9_]{0,39}$")]
# Block Kit limits: action_id and block_id 255 characters, a button's value 2,000, an option's 150
# (values of our own making stay far below them).
ActionId = Annotated[str, StringConstraints(max_length=255)]
Value = Annotated[str, StringConstraints(max_length=2000)]
OptionValue = Annotated[str, StringConstraints(max_length=150)]
Url = Annotated[str, StringConstraints(max_length=2000)]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class User(_Open):
    id: SlackId


class Channel(_Open):
    id: SlackId


class Option(_Open):
    value: OptionValue


class Action(_Open):
    action_id: ActionId
    block_id: ActionId | None = None
    value: Value | None = None
    selected_option: Option | None = None
    selected_options: list[Option] | None = None
    selected_conversation: SlackId | None = None
    selected_time: Annotated[str, StringConstraints(max_length=10)] | None = None


class ElementState(_Open):
    type: str | None = None
    value: Annotated[str, StringConstraints(max_length=3000)] | None = None
    selected_option: Option | None = None
    selected_options: list[Option] | None = None
    # What a person picked is checked by the form itself (a field error, not a refused request).
    selected_conversation: Annotated[str, StringConstraints(max_length=100)] | None = None
    selected_channel: Annotated[str, StringConstraints(max_length=100)] | None = None
    selected_time: Annotated[str, StringConstraints(max_length=10)] | None = None


class ViewState(_Open):
    values: dict[ActionId, dict[ActionId, ElementState]] = Field(default_factory=dict)


class View(_Open):
    id: SlackId
    type: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    callback_id: ActionId | None = None
    private_metadata: Annotated[str, StringConstraints(max_length=3000)] | None = None
    hash: Annotated[str, StringConstraints(max_length=200)] | None = None
    state: ViewState | None = None


class Message(_Open):
    text: Annotated[str, StringConstraints(max_length=40_000)] | None = None
    ts: str | None = None


class BlockActions(_Open):
    user: User
    actions: Annotated[list[Action], Field(min_length=1)]
    trigger_id: str | None = None
    view: View | None = None
    channel: Channel | None = None
    container: dict[str, Any] | None = None
    response_url: Url | None = None


class ViewSubmission(_Open):
    user: User
    view: View


class MessageShortcut(_Open):
    user: User
    callback_id: ActionId
    message: Message
    channel: Channel | None = None
    trigger_id: str | None = None
    response_url: Url | None = None


class GlobalShortcut(_Open):
    user: User
    callback_id: ActionId
    trigger_id: str | None = None


class BlockSuggestion(_Open):
    user: User
    action_id: ActionId
    value: Annotated[str, StringConstraints(max_length=500)] = ""
    view: View | None = None


class Event(_Open):
    type: Annotated[str, StringConstraints(min_length=1, max_length=100)]


class EventCallback(_Open):
    event: Event


class AppHomeOpened(_Open):
    type: str
    user: SlackId
    tab: Annotated[str, StringConstraints(max_length=40)] | None = None


# Events whose fields a listener reads (other events' fields are Slack's business, not ours).
EVENT_SHAPES: dict[str, type[BaseModel]] = {"app_home_opened": AppHomeOpened}


SHAPES: dict[str, type[BaseModel]] = {
    "block_actions": BlockActions,
    "view_submission": ViewSubmission,
    "view_closed": ViewSubmission,
    "message_action": MessageShortcut,
    "shortcut": GlobalShortcut,
    "block_suggestion": BlockSuggestion,
    "event_callback": EventCallback,
}


def payload_problem(payload: dict[str, Any]) -> str | None:
    """What is wrong with ``payload``'s shape, in one short line for the log; None when it is fine."""
    kind = str(payload.get("type") or "")[:40]
    shape = SHAPES.get(kind)
    if shape is None:
        return None
    try:
        shape.model_validate(payload)
        if kind == "event_callback":
            event = payload["event"]
            inner = EVENT_SHAPES.get(event["type"])
            if inner is not None:
                kind = f"{kind} {event['type']}"
                inner.model_validate(event)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])[:120]
        return f"{kind} payload: {where}: {first['msg'][:120]} ({exc.error_count()} problem(s))"
    return None
