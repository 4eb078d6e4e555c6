"""Process logging: readable lines by default, one JSON object per line for log pipelines.

``BRIEFBOT_LOG_FORMAT=json`` selects JSON (fields ``ts``, ``level``, ``logger``, ``message`` and,
for failures, ``exc_type`` and ``exc``), so a log shipper needs no multi-line parsing.
``BRIEFBOT_LOG_LEVEL`` (``DEBUG``, ``INFO``, ``WARNING``, ``ERROR``) sets briefbot's own level.

Libraries stay at WARNING (``BRIEFBOT_LIBRARY_LOG_LEVEL`` lowers them to INFO, never further), or
at our level when that is higher: APScheduler logs two INFO lines per job run (every minute),
httpx one per feed fetch, and Slack's SDKs log whole payloads at DEBUG, which is why libraries
never go below INFO. No request body is ever logged: Bolt's signature check logs a refused
request's whole body at INFO, and its "middleware gave no response" warning the parsed body;
those records are dropped at the handler (``bot.http`` logs each refused request once, without
its body).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
FORMATS = ("text", "json")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

# Third-party loggers held at WARNING (or our level, when that is higher). "bot.bolt" is the
# logger our Bolt app is given (bot/app.py); Bolt's component loggers copy its level.
LIBRARY_LOGGERS = (
    "apscheduler",
    "httpx",
    "httpcore",
    "slack_bolt",
    "slack_sdk",
    "bot.bolt",
    "waitress",
    "alembic",
)

# Bolt's messages that carry a request's body (slack_bolt.logger.messages), and one that only
# says our App was handed a client as designed (bot/app.py gives Bolt our counting client while
# SLACK_BOT_TOKEN is set in the environment, which Bolt reads on its own).
_BODY_LOGGERS = frozenset({"slack_bolt.RequestVerification", "slack_bolt.AsyncRequestVerification"})
_DROPPED_MESSAGES = (
    "without providing a response for the request (",
    "As you gave `client` as well, `token` will be unused.",
)


class DropRequestBodies(logging.Filter):
    """Drop the library records that would print a request's body, and Bolt's token notice."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name in _BODY_LOGGERS:
            return False
        if record.name.startswith(("slack_bolt", "bot.bolt")):
            message = record.getMessage()
            return not any(part in message for part in _DROPPED_MESSAGES)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record; a traceback stays inside its record's ``exc`` field."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc_type"] = record.exc_info[0].__name__
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def parse_level(value: str, variable: str = "BRIEFBOT_LOG_LEVEL") -> int:
    """``variable``'s value as a logging level; ``ValueError`` names the valid ones."""
    name = value.strip().upper()
    if name == "WARN":
        name = "WARNING"
    if name not in LEVELS:
        raise ValueError(f"{variable} must be one of {', '.join(LEVELS)}, not {value.strip()!r}")
    return int(logging.getLevelName(name))


def choose_level(*, verbose: int, env_value: str | None, default: int) -> int:
    """``-v``/``-vv`` win, then ``BRIEFBOT_LOG_LEVEL``, then the command's default."""
    if verbose:
        return logging.WARNING - 10 * min(verbose, 2)
    if env_value and env_value.strip():
        return parse_level(env_value)
    return default


def configure_logging(level: int, fmt: str = "text", *, library_level: int = logging.WARNING) -> None:
    """Install one stderr handler on the root logger in ``fmt`` ("text" or "json"); third-party
    loggers at ``library_level`` (or ``level`` when higher)."""
    if fmt not in FORMATS:
        raise ValueError(f"BRIEFBOT_LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}")
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(DropRequestBodies())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(max(level, library_level, logging.INFO))
