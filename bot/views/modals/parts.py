"""What every modal is built from: mrkdwn sections within Slack's limits, option lists, the
department picker, reading a submitted view's state, a one-message notice.

Pure builders and parsers: block and action ids are the contract in DESIGN.md ("Interactive
surfaces"), input block_id = action_id.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ExternalDataMultiSelectElement,
    ExternalDataSelectElement,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

SECTION_MAX = 2900
# Slack's select menus: "Maximum number of options is 100" (static selects, and the answer to an
# external select's options request); option text "Maximum length ... is 75 characters".
MAX_OPTIONS = 100
OPTION_TEXT_MAX = 75


def md(text: str) -> MarkdownTextObject:
    return MarkdownTextObject(text=cut(text, SECTION_MAX))


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def options_of(pairs: Sequence[tuple[str, str]]) -> list[Option]:
    return [Option(value=value, text=cut(label, OPTION_TEXT_MAX)) for value, label in pairs]


def department_element(
    action_id: str,
    departments: Sequence[tuple[str, str]],
    *,
    multi: bool = False,
    chosen: str | None = None,
    placeholder: str | None = None,
) -> Any:
    """The department picker: a static select while the departments fit in one (100 options),
    else an external select whose options the ``block_suggestion`` listener answers, filtered by
    what the user types (:func:`department_suggestions`)."""
    pairs = list(departments)
    if len(pairs) <= MAX_OPTIONS:
        options = options_of(pairs)
        if multi:
            return StaticMultiSelectElement(action_id=action_id, options=options, placeholder=placeholder)
        return StaticSelectElement(
            action_id=action_id,
            options=options,
            initial_option=initial_option(options, chosen),
            placeholder=placeholder,
        )
    if multi:
        return ExternalDataMultiSelectElement(
            action_id=action_id, min_query_length=0, placeholder=placeholder
        )
    initial = initial_option(options_of(pairs), chosen)
    return ExternalDataSelectElement(
        action_id=action_id, min_query_length=0, initial_option=initial, placeholder=placeholder
    )


def department_suggestions(departments: Sequence[tuple[str, str]], typed: str) -> list[dict[str, Any]]:
    """The options an external department select shows for ``typed``: departments whose key or
    name contains every typed word (any case), those starting with it first, at most 100."""
    words = typed.lower().split()
    found: list[tuple[bool, int, tuple[str, str]]] = []
    for position, (key, name) in enumerate(departments):
        haystack = f"{key} {name}".lower()
        if all(word in haystack for word in words):
            starts = bool(words) and (key.startswith(words[0]) or name.lower().startswith(words[0]))
            found.append((not starts, position, (key, name)))
    found.sort()
    return [o.to_dict() for o in options_of([pair for _rank, _pos, pair in found[:MAX_OPTIONS]])]


def modal(callback_id: str, title: str, blocks: list[Block], **kwargs: Any) -> dict[str, Any]:
    return View(type="modal", callback_id=callback_id, title=title, blocks=blocks, **kwargs).to_dict()


def values_of(state: Mapping[str, Any]) -> dict[str, Any]:
    """``view.state.values`` flattened to ``{block_id: value}`` (block_id = action_id here)."""
    out: dict[str, Any] = {}
    for block_id, actions in (state or {}).items():
        element: dict[str, Any] = (actions or {}).get(block_id) or next(iter((actions or {}).values()), {})
        kind = element.get("type")
        if kind in ("multi_static_select", "multi_external_select"):
            out[block_id] = [o["value"] for o in element.get("selected_options") or []]
        elif kind in ("static_select", "external_select", "radio_buttons"):
            out[block_id] = (element.get("selected_option") or {}).get("value")
        elif kind == "conversations_select":
            out[block_id] = element.get("selected_conversation")
        elif kind == "timepicker":
            out[block_id] = element.get("selected_time")
        else:
            out[block_id] = element.get("value")
    return out


def initial_option(options: list[Option], value: str | None) -> Option | None:
    return next((o for o in options if o.value == value), None)


def notice_modal(callback_id: str, title: str, text: str) -> dict[str, Any]:
    """A one-message modal (``text`` is mrkdwn-safe already)."""
    return modal(callback_id, title, [SectionBlock(text=md(text))], close="Close")
