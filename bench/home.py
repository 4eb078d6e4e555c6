"""Benchmark: an admin's App Home with 300 feeds and 200 subscriptions.

Builds the admin Home from the database (feeds with health, items of the last week, every
subscription, knowledge pack status, recent audit rows) and publishes it through the real
slack_sdk client to the fake Slack Web API, which validates the view. Targets: < 100 blocks and
a median build + publish time < 200 ms.

Run:  .venv/bin/python bench/home.py [--runs 15]     (SQLite file in a temporary folder)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.authz import AdminChecker  # noqa: E402
from bot.client import make_web_client  # noqa: E402
from bot.home import publish_home  # noqa: E402
from bot.users import UserDirectory  # noqa: E402
from briefbot.services import make_services  # noqa: E402
from foundation.settings import Settings  # noqa: E402
from storage.audit import Actor  # noqa: E402
from storage.models import Feed, FeedDepartment, Item  # noqa: E402
from tests.mock_web_api_server import FakeSlack, validate_view  # noqa: E402

FEEDS, SUBSCRIPTIONS = 300, 200
DEPARTMENTS = ("finance", "legal", "operations", "hr")
TARGET_BLOCKS, TARGET_MS = 100, 200.0


def seed(services: object, now: datetime) -> None:
    """300 feeds (one in 20 failing, one in 30 paused) with 10 items each; 200 subscriptions."""
    db = services.db  # type: ignore[attr-defined]
    with db.session() as session:
        for n in range(1, FEEDS + 1):
            failing = n % 20 == 0
            feed = Feed(
                url=f"https://news{n}.example.com/feed.xml",
                name=f"Bench feed {n}",
                status="paused" if n % 30 == 0 else "active",
                last_success_at=now - timedelta(hours=3 if failing else 1),
                next_fetch_at=now + timedelta(minutes=30),
                error_count=3 if failing else 0,
                last_error="HTTP 503 Service Unavailable" if failing else None,
                departments=[FeedDepartment(department=DEPARTMENTS[n % 4])],
            )
            session.add(feed)
            session.flush()
            for i in range(10):
                session.add(
                    Item(
                        feed_id=feed.id,
                        entry_key=f"{n}-{i}",
                        guid=f"urn:{n}:{i}",
                        title=f"Story {i} of feed {n}",
                        link=f"https://news{n}.example.com/{i}",
                        summary="",
                        published_at=now - timedelta(days=i),
                        first_seen_at=now - timedelta(days=i),
                    )
                )
    for n in range(SUBSCRIPTIONS):
        services.briefings.subscribe(  # type: ignore[attr-defined]
            f"C{n // 2:08d}",
            DEPARTMENTS[n % 4] if n % 2 else DEPARTMENTS[(n + 1) % 4],
            "weekdays 09:00",
            timezone="Europe/Berlin",
            actor=Actor.slack("UADMIN"),
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-home-") as tmp, FakeSlack() as fake:
        settings = Settings(
            database_url=f"sqlite:///{Path(tmp) / 'bench.db'}",
            slack_bot_token="xoxb-bench",
            slack_signing_secret="bench",
            slack_api_url=fake.url,
            briefbot_admins="UADMIN",
        )
        services = make_services(settings)
        try:
            services.db.upgrade()
            seed(services, datetime.now(UTC))
            client = make_web_client(settings)
            checker = AdminChecker(settings, UserDirectory(client))
            timings = []
            for _ in range(args.runs):
                started = time.perf_counter()
                view = publish_home(client, services, "UADMIN", admin_checker=checker)
                timings.append((time.perf_counter() - started) * 1000)
        finally:
            services.close()
        published = fake.calls_to("views.publish")
        problems = validate_view(published[-1].args["view"]) if published else ["nothing published"]
    blocks = len(view["blocks"])
    median = statistics.median(timings)
    verdict = {True: "ok", False: "MISSED"}
    print(f"App Home for {FEEDS} feeds and {SUBSCRIPTIONS} subscriptions, {args.runs} runs")
    blocks_ok, time_ok = verdict[blocks < TARGET_BLOCKS], verdict[median < TARGET_MS]
    print(f"  blocks:                 {blocks:>6}     target < {TARGET_BLOCKS}     {blocks_ok}")
    print(f"  build + publish median: {median:>6.1f} ms  target < {TARGET_MS:.0f} ms  {time_ok}")
    print(f"  build + publish max:    {max(timings):>6.1f} ms")
    print(f"  fake Slack validation:  {problems or 'ok'}")
    return 0 if blocks < TARGET_BLOCKS and median < TARGET_MS and not problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
