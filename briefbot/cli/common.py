"""Shared CLI plumbing: error handling, service construction, JSON output."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

import click
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from foundation.errors import BriefbotError
from foundation.settings import Settings, load_settings
from storage import StorageError

if TYPE_CHECKING:
    from briefbot.services import Services

F = TypeVar("F", bound=Callable[..., Any])


class BriefbotGroup(click.Group):
    """Turns known failures into one clear line on stderr and exit status 1 (no traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (BriefbotError, StorageError) as exc:
            raise click.ClickException(str(exc)) from exc
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]).upper()
            raise click.ClickException(f"invalid setting {where}: {first['msg']}") from exc
        except SQLAlchemyError as exc:
            raise click.ClickException(f"database error: {type(exc).__name__}: {exc.args[0]}") from exc


def settings_from(ctx: click.Context) -> Settings:
    obj = ctx.ensure_object(dict)
    if "settings" not in obj:
        obj["settings"] = load_settings()
    return obj["settings"]


def services_from(ctx: click.Context) -> Services:
    """Build (once per invocation) the services; closed when the command ends."""
    from briefbot.services import make_services

    obj = ctx.ensure_object(dict)
    if "services" not in obj:
        services = make_services(settings_from(ctx))
        obj["services"] = services
        ctx.call_on_close(services.close)
    return obj["services"]


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
