"""Fixtures of the delivery tests: services on an injected clock, the real slack_sdk client."""

from __future__ import annotations

from typing import Any

import pytest

from bot.client import make_web_client
from briefings.delivery import ChannelPacer
from tests.briefings.delivery.helpers import T0
from tests.briefings.factory import NewsFactory


@pytest.fixture
def settings(settings: Any) -> Any:
    """The lease and takeover tests below are written for a ten-minute delivery lease."""
    return settings.model_copy(update={"briefbot_delivery_lease_seconds": 600.0})


@pytest.fixture
def svc(services: Any) -> Any:
    services.briefings.deliverer.pacer = ChannelPacer(0)
    services.briefings.clock = lambda: T0
    return services


@pytest.fixture
def client(settings: Any) -> Any:
    return make_web_client(settings)


@pytest.fixture
def news(svc: Any) -> NewsFactory:
    return NewsFactory(svc.db)


@pytest.fixture
def pauses(svc: Any) -> list[float]:
    """The pauses delivery takes between post attempts (recorded, not slept)."""
    taken: list[float] = []
    svc.briefings.deliverer.sleep = taken.append
    return taken
