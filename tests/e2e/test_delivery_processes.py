"""Scheduling for real: the APScheduler jobs of the running bot, and two real `briefbot run`
processes on one database delivering every slot exactly once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.client import make_web_client
from bot.delivery import SlackSink
from briefbot.runtime import make_scheduler
from storage import Database
from storage.audit import Actor
from storage.models import Delivery, Subscription
from tests.briefings.factory import NewsFactory
from tests.conftest import SIGNING_SECRET
from tests.mock_web_api_server import FakeSlack


def _an_hour_ago_daily() -> tuple[str, datetime]:
    """A daily cron whose latest slot was about an hour ago (inside the 6 h grace period)."""
    slot = (datetime.now(UTC) - timedelta(hours=1)).replace(second=0, microsecond=0)
    return f"{slot.minute} {slot.hour} * * *", slot


def _add_subscriptions(db: Database, count: int, cron: str) -> None:
    created = datetime.now(UTC) - timedelta(days=2)
    with db.session() as s:
        for i in range(count):
            s.add(
                Subscription(
                    channel_id=f"CP{i:03d}",
                    department=("finance", "legal", "operations", "hr")[i % 4],
                    schedule=cron,
                    cron=cron,
                    timezone="UTC",
                    status="active",
                    quiet_mode="post",
                    top_n=5,
                    cert_rotation=0,
                    created_by="UADMIN",
                    created_at=created,
                )
            )


def _add_news(db: Database) -> None:
    news = NewsFactory(db)
    feed = news.feed("General AI News", "finance", "legal", "operations", "hr")
    seen = datetime.now(UTC) - timedelta(hours=20)
    for title in (
        "EU AI Act fines begin for chatbot makers",
        "CFO survey: AI ROI payback periods stretch",
        "AI agents take over workflow automation at insurers",
        "Layoffs and reskilling: HR leaders plan for AI",
    ):
        news.item(feed, title, "A summary.", published_at=seen, first_seen_at=seen)


def test_running_scheduler_delivers_a_missed_slot_at_start_and_tracks_subscriptions(
    services: Any, fake_slack: FakeSlack, settings: Any
) -> None:
    cron, slot = _an_hour_ago_daily()
    _add_subscriptions(services.db, 1, cron)
    _add_news(services.db)
    scheduler = make_scheduler()
    services.briefings.schedule(scheduler, SlackSink(make_web_client(settings)))
    scheduler.start()
    try:
        post = fake_slack.wait_for("chat.postMessage", timeout=20)
        assert post.args["channel"] == "CP000"
        assert "EU AI Act" not in str(post.args["blocks"])  # finance briefing
        assert "AI ROI" in str(post.args["blocks"])
        job = scheduler.get_job("briefing:1")
        assert job is not None and job.next_run_time == slot + timedelta(days=1)
        assert scheduler.get_job("briefings:prune") is not None  # old delivery rows, daily
        sub, _ = services.briefings.subscribe(
            "CNEW", "legal", "weekly mon 09:00", actor=Actor.slack("UADMIN")
        )
        assert scheduler.get_job(f"briefing:{sub.id}") is not None
        services.briefings.unsubscribe(subscription_id=sub.id, actor=Actor.slack("UADMIN"))
        assert scheduler.get_job(f"briefing:{sub.id}") is None
        time.sleep(0.5)
        assert len(fake_slack.calls_to("chat.postMessage")) == 1
    finally:
        scheduler.shutdown(wait=True)


TICK_JOB_DONE = re.compile(r"briefings: deliver due and missed slots .* executed successfully")


class _Output:
    """Collects a process's output lines in the background."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.lines.append(line)

    def text(self) -> str:
        return "".join(self.lines)

    def tick_done(self) -> bool:
        return any(TICK_JOB_DONE.search(line) for line in self.lines)


def _env(db_url: str, fake: FakeSlack) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BRIEFBOT_"))}
    env.update(
        DATABASE_URL=db_url,
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.url,
        BRIEFBOT_ADMINS="UADMIN",
        # The tests wait for APScheduler's "executed successfully" lines, at WARNING by default.
        BRIEFBOT_LIBRARY_LOG_LEVEL="INFO",
    )
    return env


def test_two_bot_processes_deliver_each_slot_exactly_once(
    db_url: str, db: Database, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    count = 24
    cron, slot = _an_hour_ago_daily()
    _add_subscriptions(db, count, cron)
    _add_news(db)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "briefbot", "run", "--port", "0", "--host", "127.0.0.1"],
            env=_env(db_url, fake_slack),
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [_Output(p) for p in procs]
    try:
        fake_slack.wait_for("chat.postMessage", count=count, timeout=90)
        # Both processes must have finished their start-up tick before we count (APScheduler logs
        # each finished job; a process that found everything delivered posts nothing).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(o.tick_done() for o in outputs):
            if any(p.poll() is not None for p in procs):
                pytest.fail("a bot process exited:\n" + "\n".join(o.text() for o in outputs))
            time.sleep(0.2)
        assert all(o.tick_done() for o in outputs), [o.text()[-2000:] for o in outputs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    channels = [c.args["channel"] for c in fake_slack.calls_to("chat.postMessage")]
    assert sorted(channels) == [f"CP{i:03d}" for i in range(count)]  # each once, none missing
    with db.read() as s:
        rows = list(s.scalars(select(Delivery)))
    assert len(rows) == count
    assert {(r.status, r.scheduled_for) for r in rows} == {("sent", slot)}
    assert all(r.message_ts for r in rows)
    output = "".join(o.text() for o in outputs)
    assert "Traceback" not in output
    assert "xoxb-test" not in output


def _start(db_url: str, fake: FakeSlack, cwd: Path, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "briefbot", "run", "--port", "0", "--host", "127.0.0.1"],
        env={**_env(db_url, fake), **extra},
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_process_killed_after_slack_took_the_post_is_not_posted_twice(
    db_url: str, db: Database, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    cron, slot = _an_hour_ago_daily()
    _add_subscriptions(db, 1, cron)
    _add_news(db)
    # Slack accepts the message but its answer is slow: the process dies before hearing it.
    hold = 3.0
    fake_slack.reply_delays["chat.postMessage"] = hold
    lease = {"BRIEFBOT_DELIVERY_LEASE_SECONDS": "2"}  # renewed while alive, lapses soon after a kill
    doomed = _start(db_url, fake_slack, tmp_path, **lease)
    try:
        accepted = fake_slack.wait_for("chat.postMessage", timeout=60)
    finally:
        doomed.kill()
        doomed.wait(timeout=20)
        assert doomed.stdout is not None
        doomed.stdout.close()
    with db.read() as s:
        (row,) = s.scalars(select(Delivery))
    assert (row.status, row.message_ts) == ("claimed", None)
    # Nothing renews its two-second lease any more: once it lapses, another process delivers
    # (a running replica at its next minute's tick; here one started then).
    time.sleep(2.5)
    fake_slack.reply_delays.clear()
    survivor = _start(db_url, fake_slack, tmp_path, **lease)
    output = _Output(survivor)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not output.tick_done():
            if survivor.poll() is not None:
                pytest.fail("the bot process exited:\n" + output.text())
            time.sleep(0.2)
        assert output.tick_done(), output.text()[-2000:]
    finally:
        survivor.send_signal(signal.SIGTERM)
        try:
            survivor.wait(timeout=20)
        except subprocess.TimeoutExpired:
            survivor.kill()
            survivor.wait()
    assert len(fake_slack.calls_to("chat.postMessage")) == 1  # the channel got it once
    (original,) = fake_slack.messages["CP000"]
    with db.read() as s:
        (row,) = s.scalars(select(Delivery))
    assert (row.status, row.scheduled_for, row.message_ts) == ("sent", slot, original["ts"])
    assert len(fake_slack.calls_to("conversations.history")) == 1
    text = output.text()
    assert "already posted" in text and "Traceback" not in text
    # The held answer to the dead process fails to send while this test still captures output.
    time.sleep(max(0.0, accepted.at + hold + 0.2 - time.monotonic()))
