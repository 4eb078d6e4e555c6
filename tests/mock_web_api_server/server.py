"""Fake Slack Web API server (see package docstring)."""

from __future__ import annotations

import contextlib
import itertools
import json
import random
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from bot.scopes import REQUIRED_SCOPES

# Slack's documented Block Kit limits (see shared/reference/slack-platform.md).
MAX_BLOCKS = 50
VIEW_BLOCKS = 100  # Home tabs and modals
VIEW_TITLE = 24  # modal title, submit and close
PRIVATE_METADATA = 3000
INPUT_LABEL = 2000
SECTION_TEXT = 3000
FIELD_TEXT = 2000
MAX_FIELDS = 10
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_URL = 3000
BLOCK_ID = 255
# Text object: "The minimum length is 1 and maximum length is 3000 characters" (context elements too).
TEXT_OBJECT = 3000
# Select menus: "Maximum number of options is 100"; option object text: "Maximum length for the text
# in this field is 75 characters", value "Maximum length for this field is 150 characters".
MAX_OPTIONS = 100
OPTION_TEXT = 75
OPTION_VALUE = 150
# Radio buttons and checkboxes: "A maximum of 10 options are allowed."
MAX_CHOICES = 10
# Plain-text input: max_length "Acceptable values for this field are between 1 and 3000".
INPUT_MAX_LENGTH = 3000
STATIC_MENUS = frozenset({"static_select", "multi_static_select"})
EXTERNAL_MENUS = frozenset({"external_select", "multi_external_select"})
# Undocumented total cap reported near 13k characters of markdown: stay well below.
TOTAL_TEXT = 12000
MESSAGE_TEXT = 40000
# Injected outcomes that come after the call took effect; DROP: answer nothing, close the socket.
AFTER_EFFECT = frozenset({"drop", "accepted-5xx"})
DROP = 0
BRIEFBOT = {"user_id": "UBOT", "bot_id": "B0001", "app_id": "A0001"}


@dataclass
class Call:
    """One recorded request."""

    method: str
    args: dict[str, Any]
    at: float = field(default_factory=time.monotonic)
    headers: dict[str, str] = field(default_factory=dict)


def _text_of(obj: Any) -> str:
    if isinstance(obj, dict):
        return str(obj.get("text", ""))
    return "" if obj is None else str(obj)


def _option_problems(where: str, options: Any) -> list[str]:
    problems: list[str] = []
    for o in options if isinstance(options, list) else []:
        if not isinstance(o, dict):
            problems.append(f"{where} has an option that is not an object")
            continue
        if not 1 <= len(_text_of(o.get("text"))) <= OPTION_TEXT:
            problems.append(f"{where} option text {len(_text_of(o.get('text')))} chars (1..{OPTION_TEXT})")
        if not 1 <= len(str(o.get("value", ""))) <= OPTION_VALUE:
            problems.append(f"{where} option value must be 1..{OPTION_VALUE} characters")
    return problems


def _same_option(a: Any, b: Any) -> bool:
    # Slack: initial_option "exactly matches one of the options".
    return (
        isinstance(a, dict)
        and isinstance(b, dict)
        and (a.get("value"), _text_of(a.get("text")))
        == (
            b.get("value"),
            _text_of(b.get("text")),
        )
    )


def _number(text: Any, *, decimal: bool) -> float | None:
    try:
        return float(text) if decimal else int(str(text))
    except (TypeError, ValueError):
        return None


def validate_element(where: str, element: Any) -> list[str]:
    """Problems Slack would refuse an interactive element for (selects, inputs, buttons)."""
    if not isinstance(element, dict):
        return [f"{where} element is not an object"]
    kind = element.get("type")
    problems: list[str] = []
    if kind == "button":
        return _button(where, element)
    if kind in STATIC_MENUS or kind in ("radio_buttons", "checkboxes", "overflow"):
        options = element.get("options")
        if options is None and kind in STATIC_MENUS and element.get("option_groups"):
            options = [o for g in element["option_groups"] for o in g.get("options") or []]
            if len(element["option_groups"]) > MAX_OPTIONS:
                problems.append(
                    f"{where} has {len(element['option_groups'])} option groups (max {MAX_OPTIONS})"
                )
        options = options if isinstance(options, list) else []
        limit = MAX_OPTIONS if kind in STATIC_MENUS else MAX_CHOICES if kind != "overflow" else 5
        if not options or len(options) > limit:
            problems.append(f"{where} {kind} has {len(options)} options (1..{limit})")
        problems += _option_problems(where, options)
        chosen = [element["initial_option"]] if "initial_option" in element else []
        chosen += element.get("initial_options") or []
        for pick in chosen:
            if not any(_same_option(pick, o) for o in options):
                problems.append(f"{where} initial_option {pick!r:.80} is not among the options")
    elif kind in EXTERNAL_MENUS:
        if "options" in element or "option_groups" in element:
            problems.append(f"{where} external select carries options (they come from the options URL)")
    elif kind == "plain_text_input":
        limit = element.get("max_length", INPUT_MAX_LENGTH)
        if not isinstance(limit, int) or not 1 <= limit <= INPUT_MAX_LENGTH:
            problems.append(f"{where} max_length must be 1..{INPUT_MAX_LENGTH}")
        elif len(str(element.get("initial_value") or "")) > limit:
            problems.append(f"{where} initial_value is longer than its max_length {limit}")
    elif kind == "number_input":
        decimal = bool(element.get("is_decimal_allowed"))
        bounds = [_number(element.get(k), decimal=decimal) for k in ("min_value", "max_value")]
        if "initial_value" in element:
            value = _number(element["initial_value"], decimal=decimal)
            if value is None:
                problems.append(
                    f"{where} number_input initial_value {element['initial_value']!r:.40} is not a number"
                )
            elif (bounds[0] is not None and value < bounds[0]) or (
                bounds[1] is not None and value > bounds[1]
            ):
                problems.append(
                    f"{where} number_input initial_value {value} is outside {bounds[0]}..{bounds[1]}"
                )
    return problems


def validate_options(body: Any) -> list[str]:
    """Problems Slack would refuse an options-load (block_suggestion) answer for."""
    if not isinstance(body, dict):
        return ["options answer must be an object"]
    if "option_groups" in body:
        groups = body["option_groups"] or []
        problems = [f"{len(groups)} option groups (max {MAX_OPTIONS})"] if len(groups) > MAX_OPTIONS else []
        for group in groups:
            problems += _option_problems("options answer", group.get("options") or [])
        return problems
    options = body.get("options")
    if not isinstance(options, list):
        return ["options answer has neither options nor option_groups"]
    problems = [f"{len(options)} options (max {MAX_OPTIONS})"] if len(options) > MAX_OPTIONS else []
    return problems + _option_problems("options answer", options)


def validate_ack(body: Any) -> list[str]:
    """Problems Slack would refuse an app's HTTP ack for: the message of a slash command's ack,
    a modal's ``response_action`` view, an options-load answer (empty list when valid)."""
    if not isinstance(body, dict):
        return []
    if body.get("response_action") in ("update", "push"):
        return validate_view(body.get("view"))
    if "options" in body or "option_groups" in body:
        return validate_options(body)
    problems = validate_blocks(body["blocks"]) if "blocks" in body else []
    if len(str(body.get("text", ""))) > MESSAGE_TEXT:
        problems.append("msg_too_long")
    return problems


def validate_blocks(blocks: Any, *, max_blocks: int = MAX_BLOCKS) -> list[str]:
    """Problems Slack would reject the message (or view) for (empty list when valid)."""
    problems: list[str] = []
    if not isinstance(blocks, list):
        return ["blocks must be a list"]
    if len(blocks) > max_blocks:
        problems.append(f"{len(blocks)} blocks (max {max_blocks})")
    total = 0
    for i, block in enumerate(blocks):
        if not isinstance(block, dict) or "type" not in block:
            problems.append(f"block {i} has no type")
            continue
        kind = block["type"]
        if len(str(block.get("block_id", ""))) > BLOCK_ID:
            problems.append(f"block {i} block_id too long")
        if kind == "section":
            text = _text_of(block.get("text"))
            fields = block.get("fields") or []
            if not text and not fields:
                problems.append(f"block {i} section has neither text nor fields")
            if len(text) > SECTION_TEXT:
                problems.append(f"block {i} section text {len(text)} chars (max {SECTION_TEXT})")
            if len(fields) > MAX_FIELDS:
                problems.append(f"block {i} has {len(fields)} fields (max {MAX_FIELDS})")
            for f in fields:
                if len(_text_of(f)) > FIELD_TEXT:
                    problems.append(f"block {i} field too long")
            total += len(text) + sum(len(_text_of(f)) for f in fields)
            if isinstance(block.get("accessory"), dict):
                problems += validate_element(f"block {i}", block["accessory"])
        elif kind == "header":
            text = _text_of(block.get("text"))
            if not text or len(text) > HEADER_TEXT:
                problems.append(f"block {i} header text {len(text)} chars (1..{HEADER_TEXT})")
            if isinstance(block.get("text"), dict) and block["text"].get("type") != "plain_text":
                problems.append(f"block {i} header must be plain_text")
            total += len(text)
        elif kind == "context":
            elements = block.get("elements") or []
            if not elements or len(elements) > CONTEXT_ELEMENTS:
                problems.append(f"block {i} context has {len(elements)} elements (1..{CONTEXT_ELEMENTS})")
            for e in elements:
                texts = isinstance(e, dict) and e.get("type") in ("mrkdwn", "plain_text")
                if texts and not 1 <= len(_text_of(e)) <= TEXT_OBJECT:
                    problems.append(
                        f"block {i} context element text {len(_text_of(e))} chars (1..{TEXT_OBJECT})"
                    )
            total += sum(len(_text_of(e)) for e in elements)
        elif kind == "actions":
            elements = block.get("elements") or []
            if not elements or len(elements) > ACTIONS_ELEMENTS:
                problems.append(f"block {i} actions has {len(elements)} elements")
            for e in elements:
                problems += validate_element(f"block {i}", e)
        elif kind == "input":
            label = _text_of(block.get("label"))
            element = block.get("element")
            if not label or len(label) > INPUT_LABEL:
                problems.append(f"block {i} input label {len(label)} chars (1..{INPUT_LABEL})")
            if not isinstance(element, dict) or not element.get("type"):
                problems.append(f"block {i} input has no element")
            else:
                problems += validate_element(f"block {i}", element)
            if len(_text_of(block.get("hint"))) > INPUT_LABEL:
                problems.append(f"block {i} input hint too long")
        elif kind in ("divider", "image", "rich_text", "file", "video"):
            pass
        else:
            problems.append(f"block {i} unknown type {kind!r}")
    if total > TOTAL_TEXT:
        problems.append(f"blocks carry {total} characters of text (budget {TOTAL_TEXT})")
    return problems


def validate_view(view: Any) -> list[str]:
    """Problems Slack would reject a Home or modal view for (empty list when valid)."""
    if not isinstance(view, dict) or view.get("type") not in ("home", "modal"):
        return ["view must be a home or modal object"]
    blocks = view.get("blocks") or []
    problems = validate_blocks(blocks, max_blocks=VIEW_BLOCKS)
    ids = [b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("block_id")]
    if len(ids) != len(set(ids)):
        problems.append("duplicate block_id in view")
    if len(str(view.get("private_metadata") or "")) > PRIVATE_METADATA:
        problems.append("private_metadata too long")
    if view["type"] == "modal":
        for key in ("title", "submit", "close"):
            if key in view and not 1 <= len(_text_of(view[key])) <= VIEW_TITLE:
                problems.append(f"modal {key} must be 1..{VIEW_TITLE} characters")
        if "title" not in view:
            problems.append("modal has no title")
        has_input = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_input and "submit" not in view:
            problems.append("a modal with input blocks needs a submit button")
    return problems


def _button(where: str, button: dict[str, Any]) -> list[str]:
    problems = []
    if len(_text_of(button.get("text"))) > BUTTON_TEXT:
        problems.append(f"{where} button text too long")
    url = button.get("url")
    if url is not None and (len(url) > BUTTON_URL or not str(url).startswith(("http://", "https://"))):
        problems.append(f"{where} button url invalid")
    return problems


class FakeSlack:
    """The server plus its programmable behaviour. Use as a context manager or call close()."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        # Channels each user is in (users.conversations).
        self.memberships: dict[str, list[str]] = {}
        # Messages chat.postMessage accepted, per channel, oldest first (conversations.history).
        self.messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.rate_limit_ratio = 0.0
        self.retry_after = 1
        self.delay_seconds = 0.0
        # Per method: seconds to hold the answer *after* the call took effect (a client can die
        # between Slack accepting a message and hearing so).
        self.reply_delays: dict[str, float] = {}
        # Where apps.connections.open sends Socket Mode clients (tests/socket_mode_server.py).
        # Who each token is (auth.test, and the bot_id/app_id on the messages it posts); tokens not
        # listed are briefbot.
        self.bots: dict[str, dict[str, str]] = {}
        # The time in message ``ts`` values (tests on an injected clock set it to theirs).
        self.clock: Any = time.time
        self.socket_mode_url: str | None = None
        # What auth.test reports in its x-oauth-scopes header (None: no header at all).
        self.scopes: list[str] | None = list(REQUIRED_SCOPES)
        # The views Slack holds now, by view id, each with its current ``hash`` (views.update with
        # an older hash is a hash_conflict, as in Slack).
        self.views: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, deque[tuple[str, Any]]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._ts = itertools.count(1)
        self._random = random.Random(42)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, headers, body = fake._handle(self.path, dict(self.headers), raw)
                if status == DROP:  # close the connection without a word
                    self.close_connection = True
                    return
                payload = json.dumps(body).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self.url = f"{self.base}/api/"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    # ----- programming the fake -------------------------------------------------------------
    def fail(self, method: str, error: str, *, times: int = 1) -> None:
        """Answer ``method`` with ``{"ok": false, "error": error}`` the next ``times`` calls."""
        with self._lock:
            self._failures[method].extend([("error", error)] * times)

    def rate_limit(self, method: str, *, times: int = 1, retry_after: int = 1) -> None:
        """Answer HTTP 429 with Retry-After the next ``times`` calls."""
        with self._lock:
            self._failures[method].extend([("429", retry_after)] * times)

    def server_error(self, method: str, *, times: int = 1, status: int = 500) -> None:
        """Answer an HTTP 5xx the next ``times`` calls."""
        with self._lock:
            self._failures[method].extend([("5xx", status)] * times)

    def accept_then_drop(self, method: str, *, times: int = 1) -> None:
        """The next ``times`` calls take effect, then the connection closes without an answer."""
        with self._lock:
            self._failures[method].extend([("drop", None)] * times)

    def accept_then_server_error(self, method: str, *, times: int = 1, status: int = 503) -> None:
        """The next ``times`` calls take effect, then get an HTTP 5xx (an edge failing after Slack
        stored the message)."""
        with self._lock:
            self._failures[method].extend([("accepted-5xx", status)] * times)

    def response_url(self, name: str | None = None) -> str:
        """A response_url pointing back at this fake."""
        return f"{self.base}/response/{name or next(self._ts)}"

    def acked_update(self, view_id: str, view: dict[str, Any], *, hash: str | None = None) -> None:
        """What Slack does with a ``response_action: update`` ack: the view is replaced and gets a
        new hash (the app is not told it). ``hash``: the one to give it (a test's own payloads)."""
        with self._lock:
            self.views[view_id] = {**view, "id": view_id, "hash": hash or f"h{next(self._ts)}"}

    # ----- inspecting -----------------------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def response_to(self, name: str) -> Call | None:
        """The answer sent to ``response_url(name)``, if any has arrived."""
        with self._lock:
            return next(
                (c for c in self.calls if c.method == "response_url" and c.args.get("response_name") == name),
                None,
            )

    def wait_for(self, method: str, *, count: int = 1, timeout: float = 5.0) -> Call:
        """Wait until ``count`` successful calls to ``method`` were recorded; return the last."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found[count - 1]
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = sorted({c.method for c in self.calls})
                    raise AssertionError(f"no {method} call within {timeout}s; saw {seen}")
                self._cond.wait(left)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._failures.clear()
            self.messages.clear()
            self.views.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FakeSlack:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    # ----- serving --------------------------------------------------------------------------
    @staticmethod
    def _parse(headers: dict[str, str], raw: bytes) -> dict[str, Any]:
        ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        if not raw:
            return {}
        if "json" in ctype:
            return json.loads(raw)
        args: dict[str, Any] = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        for key in ("blocks", "attachments", "metadata"):
            if isinstance(args.get(key), str):
                with contextlib.suppress(ValueError):
                    args[key] = json.loads(args[key])
        return args

    def _handle(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict, dict]:
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        args = self._parse(headers, raw)
        path, _, query = path.partition("?")
        args.update({k: v[0] for k, v in parse_qs(query).items()})
        if path.startswith("/response/"):
            method = "response_url"
            args["response_name"] = path[len("/response/") :]  # which response_url was answered
        elif path.startswith("/api/"):
            method = path[len("/api/") :]
        else:
            return 404, {}, {"ok": False, "error": "unknown_path"}
        with self._lock:
            queued = self._failures[method].popleft() if self._failures[method] else None
            if (
                queued is None
                and method == "chat.postMessage"
                and self.rate_limit_ratio
                and self._random.random() < self.rate_limit_ratio
            ):
                queued = ("429", self.retry_after)
        if queued and queued[0] in AFTER_EFFECT:
            after, queued = queued, None
        else:
            after = None
        if queued:
            kind, value = queued
            self._record(Call(f"{method}!{kind}", args, headers=headers))
            if kind == "429":
                return 429, {"Retry-After": str(value)}, {"ok": False, "error": "ratelimited"}
            if kind == "5xx":
                return int(value), {}, {"ok": False, "error": "internal_error"}
            return 200, {}, {"ok": False, "error": value}
        status, body = self._answer(method, args, headers)
        if status == 200 and body.get("ok", True):
            self._record(Call(method, args, headers=headers))
        else:
            self._record(Call(f"{method}!error", args, headers=headers))
        if self.reply_delays.get(method):
            time.sleep(self.reply_delays[method])
        if after is not None:
            self._record(Call(f"{method}!{after[0]}", args, headers=headers))
            if after[0] == "drop":
                return DROP, {}, {}
            return int(after[1]), {}, {"ok": False, "error": "internal_error"}
        if method == "auth.test" and self.scopes is not None:
            return status, {"x-oauth-scopes": ",".join(self.scopes)}, body
        return status, {}, body

    def _record(self, call: Call) -> None:
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    def bot(self, headers: dict[str, str], args: dict[str, Any]) -> dict[str, str]:
        """The identity behind the request's token: user_id, bot_id and app_id."""
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else str(args.get("token", ""))
        return self.bots.get(token, BRIEFBOT)

    def _store_message(self, channel: str, ts: str, args: dict[str, Any], bot: dict[str, str]) -> None:
        # Like Slack, a bot's message names the bot, its app and its bot user.
        message = {
            "type": "message",
            "ts": ts,
            "text": args.get("text", ""),
            "bot_id": bot["bot_id"],
            "app_id": bot["app_id"],
            "user": bot["user_id"],
        }
        if args.get("blocks"):
            message["blocks"] = args["blocks"]
        if isinstance(args.get("metadata"), dict):
            message["metadata"] = args["metadata"]
        if args.get("thread_ts"):
            message["thread_ts"] = str(args["thread_ts"])
        with self._lock:
            self.messages[channel].append(message)

    def _replies(self, args: dict[str, Any]) -> dict[str, Any]:
        """conversations.replies: the thread under ``ts`` (oldest first, up to ``limit``), with
        metadata only when ``include_all_metadata`` is set."""
        thread = str(args.get("ts") or "")
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        with self._lock:
            stored = list(self.messages.get(str(args.get("channel", "")), ()))
        found = [m for m in stored if m.get("thread_ts") == thread or m["ts"] == thread]
        found = found[: max(1, min(int(args.get("limit") or 1000), 1000))]
        if str(args.get("include_all_metadata", "")) not in {"1", "true", "True"}:
            found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
        return {"ok": True, "messages": found, "has_more": False}

    def _history(self, args: dict[str, Any]) -> dict[str, Any]:
        """conversations.history like Slack: newest first, ``oldest``/``latest`` exclusive unless
        ``inclusive``, ``limit`` per page (default 100), an opaque cursor, metadata only when
        ``include_all_metadata`` is set."""
        flag = {"1", "true", "True"}
        inclusive = str(args.get("inclusive", "")) in flag
        oldest = float(args.get("oldest") or 0)
        latest = float(args["latest"]) if args.get("latest") else float("inf")
        with self._lock:
            stored = list(self.messages.get(str(args.get("channel", "")), ()))
        window = [
            m
            for m in reversed(stored)
            if (oldest <= float(m["ts"]) if inclusive else oldest < float(m["ts"]))
            and (float(m["ts"]) <= latest if inclusive else float(m["ts"]) < latest)
        ]
        limit = max(1, min(int(args.get("limit") or 100), 999))
        cursor = str(args.get("cursor") or "")
        start = int(cursor.removeprefix("bmV4dF90czo")) if cursor.startswith("bmV4dF90czo") else 0
        page = window[start : start + limit]
        if str(args.get("include_all_metadata", "")) not in flag:
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(window)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": f"bmV4dF90czo{start + limit}" if more else ""},
        }

    def _token_ok(self, headers: dict[str, str], args: dict[str, Any]) -> bool:
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        return (auth.startswith("Bearer ") and len(auth) > len("Bearer ")) or bool(args.get("token"))

    def _answer(self, method: str, args: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict]:
        if method == "response_url":
            problems = validate_blocks(args["blocks"]) if "blocks" in args else []
            if problems:
                return 200, {"ok": False, "error": "invalid_blocks", "errors": problems}
            return 200, {"ok": True}
        if not self._token_ok(headers, args):
            return 200, {"ok": False, "error": "not_authed"}
        if method == "apps.connections.open":
            auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
            if not auth.startswith("Bearer xapp-"):  # Slack opens sockets for app-level tokens only
                return 200, {"ok": False, "error": "not_allowed_token_type"}
            if self.socket_mode_url is None:
                return 200, {"ok": False, "error": "socket_mode_not_configured_in_fake"}
            return 200, {"ok": True, "url": self.socket_mode_url}
        if method == "auth.test":
            bot = self.bot(headers, args)
            return 200, {
                "ok": True,
                "url": "https://example.slack.com/",
                "team": "Example",
                "user": bot["user_id"].lower(),
                "team_id": "T0001",
                "user_id": bot["user_id"],
                "bot_id": bot["bot_id"],
            }
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            channel = args.get("channel")
            if not channel:
                return 200, {"ok": False, "error": "channel_not_found"}
            if "blocks" in args:
                problems = validate_blocks(args["blocks"])
                if problems:
                    return 200, {"ok": False, "error": "invalid_blocks", "errors": problems}
            if not args.get("text") and not args.get("blocks"):
                return 200, {"ok": False, "error": "no_text"}
            if len(str(args.get("text", ""))) > MESSAGE_TEXT:
                return 200, {"ok": False, "error": "msg_too_long"}
            ts = f"{int(self.clock())}.{next(self._ts):06d}"
            if method == "chat.postEphemeral":
                return 200, {"ok": True, "message_ts": ts}
            if method == "chat.postMessage":
                self._store_message(str(channel), ts, args, self.bot(headers, args))
            return 200, {"ok": True, "channel": channel, "ts": ts, "message": {"text": args.get("text")}}
        if method == "conversations.history":
            return 200, self._history(args)
        if method == "conversations.replies":
            return 200, self._replies(args)
        if method == "users.info":
            user_id = args.get("user", "")
            user = {
                "id": user_id,
                "name": user_id.lower(),
                "is_admin": False,
                "is_owner": False,
                "tz": "UTC",
            }
            user.update(self.users.get(user_id, {}))
            return 200, {"ok": True, "user": user}
        if method == "conversations.info":
            channel_id = args.get("channel", "")
            info = {"id": channel_id, "name": channel_id.lower(), "is_member": True, "is_archived": False}
            info.update(self.channels.get(channel_id, {}))
            return 200, {"ok": True, "channel": info}
        if method == "conversations.list":
            # Every channel set in ``channels`` that has a name, in pages of ``limit``.
            named = [{"id": cid, **info} for cid, info in sorted(self.channels.items()) if info.get("name")]
            start = int(args.get("cursor") or 0)
            size = int(args.get("limit") or 100)
            more = start + size < len(named)
            meta = {"next_cursor": str(start + size) if more else ""}
            return 200, {"ok": True, "channels": named[start : start + size], "response_metadata": meta}
        if method == "conversations.open":
            users = str(args.get("users", ""))
            return 200, {"ok": True, "channel": {"id": "D" + users.split(",")[0]}}
        if method in ("views.publish", "views.open", "views.update"):
            return 200, self._views(method, args)
        if method == "users.conversations":
            user_id = str(args.get("user", ""))
            channels = [
                {"id": c, "name": c.lower(), "is_member": True} for c in self.memberships.get(user_id, [])
            ]
            return 200, {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}
        if method.startswith("assistant.threads."):
            return 200, self._assistant(method, args)
        if method == "chat.getPermalink":
            channel, ts = args.get("channel"), str(args.get("message_ts", ""))
            if not channel or not ts:
                return 200, {"ok": False, "error": "message_not_found"}
            return 200, {
                "ok": True,
                "channel": channel,
                "permalink": f"https://example.slack.com/archives/{channel}/p{ts.replace('.', '')}",
            }
        return 200, {"ok": False, "error": "unknown_method"}

    def _assistant(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """assistant.threads.setStatus / setSuggestedPrompts / setTitle, checked as Slack documents
        them: a channel and thread, at most four prompts each with a title and a message."""
        if not args.get("channel_id"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("thread_ts"):
            return {"ok": False, "error": "invalid_thread_ts"}
        if method == "assistant.threads.setStatus":
            return {"ok": True} if "status" in args else {"ok": False, "error": "invalid_arguments"}
        if method == "assistant.threads.setTitle":
            return {"ok": True} if args.get("title") else {"ok": False, "error": "invalid_arguments"}
        if method == "assistant.threads.setSuggestedPrompts":
            prompts = args.get("prompts")
            if isinstance(prompts, str):
                prompts = json.loads(prompts)
            if not isinstance(prompts, list) or not 1 <= len(prompts) <= 4:
                return {"ok": False, "error": "invalid_arguments"}
            if not all(isinstance(p, dict) and p.get("title") and p.get("message") for p in prompts):
                return {"ok": False, "error": "invalid_arguments"}
            return {"ok": True}
        return {"ok": False, "error": "unknown_method"}

    def _views(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """views.publish / open / update: the view is validated like Slack does."""
        view = args.get("view")
        if isinstance(view, str):
            with contextlib.suppress(ValueError):
                view = json.loads(view)
            args["view"] = view
        if method == "views.publish" and not args.get("user_id"):
            return {"ok": False, "error": "invalid_arguments"}
        if method == "views.open" and not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        if method == "views.update" and not (args.get("view_id") or args.get("external_id")):
            return {"ok": False, "error": "invalid_arguments"}
        problems = validate_view(view)
        if problems:
            return {"ok": False, "error": "invalid_blocks", "errors": problems}
        if method == "views.publish":
            view_id = f"VHOME{args['user_id']}"
        else:
            view_id = str(args.get("view_id") or f"V{next(self._ts):06d}")
        with self._lock:
            held = self.views.get(view_id)
            # "hash: A string that represents view state to protect against possible race
            # conditions"; views.update answers hash_conflict "when the provided hash doesn't
            # match the current stored value".
            if args.get("hash") and held is not None and held["hash"] != args["hash"]:
                return {"ok": False, "error": "hash_conflict"}
            stored = {**view, "id": view_id, "hash": f"h{next(self._ts)}"}
            self.views[view_id] = stored
        return {"ok": True, "view": stored}
