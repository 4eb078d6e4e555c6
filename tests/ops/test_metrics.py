"""``GET /metrics`` through the real HTTP endpoint: command timings to the ack, feed refresh
outcomes and items stored (feeds over loopback), delivery outcomes (the fake Slack)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.client import make_web_client
from bot.delivery import SlackSink
from storage.audit import Actor
from tests.conftest import BotServer
from tests.feeds.conftest import FeedServer, Reply, feed_reply, feed_server, item

__all__ = ["feed_server"]  # the loopback feed server fixture


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(url + "/metrics", timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_commands_actions_refreshes_and_deliveries(
    bot_server: BotServer, settings: Any, feed_server: FeedServer
) -> None:
    before = scrape(bot_server.url)
    assert bot_server.slack.command("/ai-brief", "help").status_code == 200
    action = {
        "type": "block_actions",
        "user": {"id": "UADMIN"},
        "team": {"id": "T1"},
        "api_app_id": "A1",
        "token": "t",
        "trigger_id": "1.2.3",
        "container": {"type": "message"},
        "actions": [{"type": "button", "action_id": "open_link", "block_id": "b", "action_ts": "1"}],
    }
    assert bot_server.slack.interaction(action).status_code == 200

    services = bot_server.services
    good = feed_server.route("/good", feed_reply([item(1), item(2)]))
    services.feeds.add(good, ["legal"], actor=Actor.cli())
    services.feeds.add(feed_server.route("/bad", Reply(status=500)), ["legal"], actor=Actor.cli())
    services.briefings.send_now(SlackSink(make_web_client(settings)), "CMETRICS", "legal", actor=Actor.cli())

    after = scrape(bot_server.url)
    delta = {key: after[key] - before.get(key, 0.0) for key in after}
    assert value(delta, "briefbot_command_seconds_count", command="/ai-brief") == 1
    assert value(delta, "briefbot_command_seconds_count", command="action:open_link") == 1
    assert 0 < value(delta, "briefbot_command_seconds_sum", command="/ai-brief") < 3
    assert value(delta, "briefbot_feed_refresh_total", outcome="new") == 1
    assert value(delta, "briefbot_feed_refresh_total", outcome="failed") == 1
    assert value(delta, "briefbot_items_ingested_total") == 2
    assert sum(value(delta, "briefbot_deliveries_total", outcome=o) for o in ("sent", "quiet")) == 1
    assert ("briefbot_feeds_failing", ()) in after  # the failing feed is minutes old, not a day
    assert value(after, "briefbot_feeds_failing") == 0
    assert re.search(
        r'briefbot_slack_api_calls_total\{method="chat.postMessage",status="ok"\}',
        httpx.get(bot_server.url + "/metrics").text,
    )
    assert httpx.head(bot_server.url + "/metrics").status_code == 200
