"""Shared CLI plumbing: error handling, service construction, JSON output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

import click

from foundation.errors import BriefbotError
from foundation.ids import parse_id

if TYPE_CHECKING:
    from briefbot.services import Services
    from foundation.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


class BriefbotGroup(click.Group):
    """Turns known failures into one clear line on stderr and exit status 1 (no traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            message = _known_failure(exc)
            if message is None:
                raise
            raise click.ClickException(message) from exc


def _known_failure(exc: Exception) -> str | None:
    """The one line for a failure users can act on; None for a bug (its traceback is wanted).

    pydantic and SQLAlchemy are looked up only if already imported: an exception of theirs
    cannot exist otherwise, and ``briefbot --help`` should not import them just to check.
    """
    if isinstance(exc, BriefbotError):  # StorageError, FeedError, ... derive from it
        return str(exc)
    pydantic = sys.modules.get("pydantic")
    if pydantic is not None and isinstance(exc, pydantic.ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]).upper()
        return f"invalid setting {where}: {first['msg']}"
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is not None and isinstance(exc, sa_exc.SQLAlchemyError):
        return f"database error: {type(exc).__name__}: {exc.args[0]}"
    return None


class IdType(click.ParamType[int, Any]):
    """A database id: ASCII digits within a 64-bit integer (``²`` or 25 digits are refused)."""

    name = "id"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        number = parse_id(value)
        if number is None:
            self.fail(f"{str(value)[:40]!r} is not an id (a whole number such as 3).", param, ctx)
        return number


ID = IdType()


def settings_from(ctx: click.Context) -> Settings:
    from foundation.settings import load_settings

    obj = ctx.ensure_object(dict)
    if "settings" not in obj:
        obj["settings"] = load_settings()
    settings: Settings = obj["settings"]
    return settings


def services_from(ctx: click.Context) -> Services:
    """Build (once per invocation) the services; closed when the command ends."""
    from briefbot.services import make_services

    obj = ctx.ensure_object(dict)
    if "services" not in obj:
        services = make_services(settings_from(ctx))
        obj["services"] = services
        ctx.call_on_close(services.close)
    built: Services = obj["services"]
    return built


def with_services(func: F) -> F:
    """Decorator: pass ``services`` as the first argument."""

    @wraps(func)
    @click.pass_context
    def wrapper(ctx: click.Context, *args: Any, **kwargs: Any) -> Any:
        return func(services_from(ctx), *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _default(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def echo_json(data: Any) -> None:
    """Print one JSON document on stdout."""
    click.echo(json.dumps(data, default=_default, indent=2, ensure_ascii=False))
