"""The settings the briefings service is built with."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BriefingConfig:
    """The settings the briefings service needs (built from ``Settings`` by ``make_services``).

    ``grace_hours``: how late a slot may still be delivered; ``admin_ids``: who is DMed about
    paused or failing deliveries; ``retention_days``: how long delivery rows are kept;
    ``delivery_lease_seconds``: how long a slot's claim holds without renewal (renewed while
    the slot is delivered, so a crashed replica's slot is taken over soon after)."""

    profiles_file: Path | None = None
    grace_hours: float = 6.0
    admin_ids: frozenset[str] = frozenset()
    retention_days: int = 90
    delivery_lease_seconds: float = 90.0
    # The longest a briefing waits for the optional model's texts (then: the deterministic ones).
    model_deadline_seconds: float = 16.0
