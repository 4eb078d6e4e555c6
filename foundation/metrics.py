"""The process's Prometheus metrics, served at ``GET /metrics`` (names and labels: README, "Operations").

Defined once here, below every layer, so ingestion, delivery and the Slack front door each count
what they do without importing one another. One registry per process; tests read values from it.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

REGISTRY = CollectorRegistry(auto_describe=True)

FEED_REFRESHES = Counter(
    "briefbot_feed_refresh_total",
    "Feed fetches by outcome (new, updated, unchanged, not_modified, empty, failed, rate_limited, gone).",
    ["outcome"],
    registry=REGISTRY,
)
ITEMS_INGESTED = Counter("briefbot_items_ingested_total", "New feed items stored.", registry=REGISTRY)
FEEDS_FAILING = Gauge(
    "briefbot_feeds_failing",
    "Active feeds failing for more than a day (no success since), as of this process's last refresh.",
    registry=REGISTRY,
)
DELIVERIES = Counter(
    "briefbot_deliveries_total",
    "Briefing slots by outcome (sent, quiet, failed, paused, busy, recovered, skipped).",
    ["outcome"],
    registry=REGISTRY,
)
SLACK_API_CALLS = Counter(
    "briefbot_slack_api_calls_total",
    "Slack Web API calls by method and result (ok, the Slack error code, or the HTTP failure).",
    ["method", "status"],
    registry=REGISTRY,
)
COMMAND_SECONDS = Histogram(
    "briefbot_command_seconds",
    "Time from receiving a slash command or interaction to its ack.",
    ["command"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0),
    registry=REGISTRY,
)

MODEL_REQUESTS = Counter(
    "briefbot_llm_requests_total",
    "Optional language model requests by kind (why, intro, answer) and outcome (ok, fallback, "
    "timeout, budget): fallback covers errors and texts refused by the grounding check.",
    ["kind", "outcome"],
    registry=REGISTRY,
)
MODEL_TOKENS = Counter(
    "briefbot_llm_tokens_total", "Tokens the optional language model used.", registry=REGISTRY
)
MODEL_CACHE_HITS = Counter(
    "briefbot_llm_cache_hits_total",
    "Model-written texts found already stored (written once, by any replica).",
    ["kind"],
    registry=REGISTRY,
)

CONTENT_TYPE = CONTENT_TYPE_LATEST


def exposition() -> bytes:
    """The registry in Prometheus text format."""
    return generate_latest(REGISTRY)
