"""What the modals offer to pick, from the services: the departments, and a time zone to default to."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.context import BotServices


def department_options(services: BotServices) -> list[tuple[str, str]]:
    """``(key, name)`` per department, from the registry the briefings use."""
    return [(p.key, p.name) for p in services.briefings.profiles]


def valid_timezone(name: str) -> str:
    """``name`` when it is a time zone this machine knows, else UTC."""
    try:
        if name.strip():
            ZoneInfo(name.strip())
            return name.strip()
    except (ValueError, KeyError, OSError):
        pass
    return "UTC"
