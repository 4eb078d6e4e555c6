"""Benchmark: briefings at scale, with the targets printed next to the figures.

1. Build: with 100,000 stored items (spread over the 90-day retention window, 10% of stories in
   two feeds), build all four department briefings. Target: < 1 s total (median).
2. Deliver: 1,000 subscriptions (250 channels x 4 departments) due at the same slot, posted
   through the real slack_sdk client to the fake Slack Web API, which answers 10% of posts with
   HTTP 429 (Retry-After: 1). Per-channel pacing on. Target: < 60 s wall time, zero duplicates,
   zero losses.

Run:  .venv/bin/python bench/briefings.py              (SQLite file in a temporary folder)
      .venv/bin/python bench/briefings.py --postgres   (fresh schema on TEST_DATABASE_URL)
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.client import make_web_client  # noqa: E402
from bot.delivery import SlackSink  # noqa: E402
from briefbot.services import Services, make_services  # noqa: E402
from briefings.assembly.profile_file import load_profiles  # noqa: E402
from foundation.settings import Settings  # noqa: E402
from storage.models import Delivery, Feed, FeedDepartment, Item, Story, Subscription  # noqa: E402
from tests.databases import postgres_schema  # noqa: E402
from tests.mock_web_api_server import FakeSlack  # noqa: E402

DEPARTMENTS = ("finance", "legal", "operations", "hr")
AS_OF = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
FILLER = (
    "startup unveils model for enterprise teams",
    "researchers publish benchmark results",
    "vendor expands partnership across Europe",
    "survey of 500 companies finds mixed results",
    "new features arrive in public preview",
    "open-source release draws developer interest",
    "executives debate next year's roadmap",
    "pilot programme reaches second phase",
)


@contextmanager
def database(postgres: bool) -> Iterator[str]:
    """A fresh database URL: a SQLite file, or a new schema on TEST_DATABASE_URL."""
    if not postgres:
        with tempfile.TemporaryDirectory(prefix="bench-briefings-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    base = os.environ.get(
        "TEST_DATABASE_URL", "postgresql+psycopg://briefbot:briefbot@127.0.0.1:5432/briefbot"
    )
    with postgres_schema(base, prefix="bench") as url:
        yield url


def headline(rng: random.Random, phrases: dict[str, list[str]]) -> tuple[str, str]:
    """A realistic-ish headline and summary: department phrases mixed with general filler."""
    kind = rng.random()
    filler = rng.choice(FILLER)
    if kind < 0.3:
        return f"AI {filler}", f"The {filler} story, with no particular department angle. " * 3
    dept = rng.choice(DEPARTMENTS)
    words = rng.sample(phrases[dept], 2)
    title = f"{words[0].capitalize()}: {filler}"
    summary = f"Analysts say {words[1]} matters as {filler}. " + f"More detail on {filler} follows. " * 3
    return title, summary


def seed(services: Services, items: int, rng: random.Random) -> tuple[int, float]:
    """Insert feeds, stories and items with executemany; returns (rows, seconds)."""
    started = time.monotonic()
    phrases = {p.key: [ph.phrase for ph in p.phrases] for p in load_profiles()}
    feeds = []
    tags = []
    for f in range(1, 41):
        feeds.append(
            {"id": f, "url": f"https://feed{f}.example.com/rss", "name": f"Feed {f}", "status": "active"}
        )
        tags.append({"feed_id": f, "department": DEPARTMENTS[f % 4]})
        if f % 5 == 0:
            tags.append({"feed_id": f, "department": DEPARTMENTS[(f + 1) % 4]})
    stories: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    window = timedelta(days=90).total_seconds()
    story_id = 0
    while len(rows) < items:
        story_id += 1
        published = AS_OF - timedelta(seconds=rng.random() * window)
        title, summary = headline(rng, phrases)
        stories.append(
            {
                "id": story_id,
                "canonical_url": f"https://news.example.com/{story_id}",
                "title_key": title.lower()[:200],
                "title": title,
                "first_seen_at": published,
                "published_at": published,
            }
        )
        for copy in range(2 if rng.random() < 0.1 else 1):
            n = len(rows) + 1
            seen = published + timedelta(minutes=10 + 30 * copy)
            rows.append(
                {
                    "id": n,
                    "feed_id": rng.randint(1, 40),
                    "entry_key": f"e{n}",
                    "guid": f"g{n}",
                    "link": f"https://news.example.com/{story_id}?via={copy}",
                    "canonical_url": f"https://news.example.com/{story_id}",
                    "title": title,
                    "summary": summary,
                    "categories": [],
                    "published_at": published,
                    "first_seen_at": seen,
                    "updated_at": seen,
                    "content_hash": "",
                    "is_backlog": False,
                    "story_id": story_id,
                }
            )
    rows = rows[:items]
    with services.db.session() as session:
        session.execute(insert(Feed), feeds)
        session.execute(insert(FeedDepartment), tags)
        for i in range(0, len(stories), 10_000):
            session.execute(insert(Story), stories[i : i + 10_000])
        for i in range(0, len(rows), 10_000):
            session.execute(insert(Item), rows[i : i + 10_000])
    if services.db.dialect == "postgresql":
        with services.db.session() as session:
            session.execute(text("ANALYZE"))
    return len(rows), time.monotonic() - started


def bench_build(services: Services, runs: int) -> dict[str, Any]:
    briefings = services.briefings
    timings = []
    result = []
    for _ in range(runs):
        started = time.perf_counter()
        result = briefings.build_all(DEPARTMENTS, as_of=AS_OF)
        timings.append(time.perf_counter() - started)
    separate = []
    for _ in range(max(3, runs // 2)):
        started = time.perf_counter()
        for dept in DEPARTMENTS:
            briefings.build(dept, as_of=AS_OF)
        separate.append(time.perf_counter() - started)
    return {
        "cold": timings[0],
        "median": statistics.median(timings[1:] or timings),
        "separate_median": statistics.median(separate),
        "considered": result[0].considered if result else 0,
        "stories": [len(b.stories) for b in result],
    }


def bench_deliver(services: Services, fake: FakeSlack, settings: Settings, count: int) -> dict[str, Any]:
    slot = AS_OF
    cron = f"{slot.minute} {slot.hour} * * *"
    channels = count // len(DEPARTMENTS)
    with services.db.session() as session:
        session.execute(
            insert(Subscription),
            [
                {
                    "channel_id": f"C{c:05d}",
                    "department": dept,
                    "schedule": "daily",
                    "cron": cron,
                    "timezone": "UTC",
                    "status": "active",
                    "quiet_mode": "post",
                    "top_n": 5,
                    "cert_rotation": 0,
                    "created_by": "UADMIN",
                    "created_at": slot - timedelta(days=2),
                }
                for c in range(channels)
                for dept in DEPARTMENTS
            ],
        )
    fake.reset()
    fake.rate_limit_ratio = 0.1
    fake.retry_after = 1
    client = make_web_client(settings)
    started = time.monotonic()
    ticks = []
    now = slot + timedelta(seconds=20)
    for _ in range(10):
        report = services.briefings.tick(SlackSink(client), now=now)
        ticks.append(dict(report.counts))
        if not report.counts.get("failed"):
            break
        now += timedelta(minutes=1)  # the scheduler's next tick
    seconds = time.monotonic() - started
    posted = [c for c in fake.calls_to("chat.postMessage")]
    by_slot = Counter(
        (c.args["channel"], str(c.args["blocks"][0]["text"]["text"]).split(" AI briefing")[0]) for c in posted
    )
    per_channel: dict[str, list[float]] = defaultdict(list)
    for call in posted:
        per_channel[call.args["channel"]].append(call.at)
    gaps = [
        b - a
        for times in per_channel.values()
        for a, b in zip(sorted(times), sorted(times)[1:], strict=False)
    ]
    with services.db.read() as session:
        sent = session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status == "sent"))
    return {
        "seconds": seconds,
        "ticks": ticks,
        "posts": len(posted),
        "rate_limited": len(fake.calls_to("chat.postMessage!429")),
        "duplicates": sum(n - 1 for n in by_slot.values() if n > 1),
        "losses": count - len(by_slot),
        "sent_rows": sent,
        "min_gap": min(gaps) if gaps else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", action="store_true", help="use a fresh schema on TEST_DATABASE_URL")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--subscriptions", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(7)
    with database(args.postgres) as url, FakeSlack() as fake:
        settings = Settings(
            database_url=url,
            slack_bot_token="xoxb-bench",
            slack_signing_secret="bench",
            slack_api_url=fake.url,
            briefbot_admins="UADMIN",
        )
        services = make_services(settings)
        try:
            rows, seconds = seed(services, args.items, rng)
            print(f"database: {services.db.dialect}; seeded {rows:,} items in {seconds:.1f} s")
            build = bench_build(services, args.runs)
            deliver = bench_deliver(services, fake, settings, args.subscriptions)
        finally:
            services.close()
    ok = "OK " if build["median"] < 1.0 else "MISS"
    print(
        f"[{ok}] build four briefings from {rows:,} stored items ({build['considered']:,} new in the "
        f"week): median {build['median'] * 1000:.0f} ms over {args.runs - 1} warm runs "
        f"(first, cold: {build['cold'] * 1000:.0f} ms; four separate builds: "
        f"{build['separate_median'] * 1000:.0f} ms)  target < 1000 ms; "
        f"stories per briefing {build['stories']}"
    )
    ok = (
        "OK " if deliver["seconds"] < 60 and deliver["duplicates"] == 0 and deliver["losses"] == 0 else "MISS"
    )
    print(
        f"[{ok}] deliver {args.subscriptions:,} due subscriptions ({args.subscriptions // 4} channels): "
        f"{deliver['seconds']:.1f} s wall  target < 60 s; posts {deliver['posts']:,}, "
        f"429 answers {deliver['rate_limited']}, duplicates {deliver['duplicates']} (target 0), "
        f"losses {deliver['losses']} (target 0), sent rows {deliver['sent_rows']:,}, "
        f"min gap between posts to one channel {deliver['min_gap'] or 0:.2f} s; ticks {deliver['ticks']}"
    )


if __name__ == "__main__":
    main()
