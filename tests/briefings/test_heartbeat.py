"""A delivery's claim is renewed while its post runs (heartbeat), so a short lease does not let
another replica take a slot over from a live process that is merely slow."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.client import make_web_client
from bot.delivery import SlackSink
from briefings.delivery import ChannelPacer
from briefings.delivery.sql import SqlDeliveries
from briefings.slots.slot import Slot
from storage.audit import Actor
from storage.models import Delivery
from tests.mock_web_api_server import FakeSlack

LEASE = 1.5
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def db_url(postgres_url: str) -> str:
    """Replicas share PostgreSQL: this runs there only."""
    return postgres_url


@pytest.fixture
def settings(settings: Any) -> Any:
    return settings.model_copy(update={"briefbot_delivery_lease_seconds": LEASE})


def test_a_slow_post_keeps_its_short_lease_and_the_slot_is_posted_once(
    services: Any, settings: Any, fake_slack: FakeSlack
) -> None:
    services.briefings.deliverer.pacer = ChannelPacer(0)
    fake_slack.reply_delays["chat.postMessage"] = 2 * LEASE + 0.5  # Slack takes its time
    other = SqlDeliveries(services.db, worker="other:1")
    seen: dict[str, Any] = {}

    def replica_tries_to_take_over() -> None:
        fake_slack.wait_for("chat.postMessage", timeout=10)
        time.sleep(2 * LEASE)  # the first claim is long past its lease by now
        with services.db.read() as s:
            row = s.scalar(select(Delivery))
        seen["claimed_at"] = row.claimed_at
        slot = Slot(row.subscription_id, row.scheduled_for, row.channel_id)
        seen["taken"] = other.claim(
            slot, now=NOW + timedelta(seconds=2 * LEASE + 0.2), lease=timedelta(seconds=LEASE), started=0
        )

    thread = threading.Thread(target=replica_tries_to_take_over)
    thread.start()
    result = services.briefings.send_now(
        SlackSink(make_web_client(settings)), "CSLOW", "legal", actor=Actor.cli(), now=NOW
    )
    thread.join(timeout=20)
    assert seen["claimed_at"] > NOW  # renewed while posting
    assert seen["taken"] is None  # so the other replica could not take it over
    assert result.status in ("sent", "quiet")
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
