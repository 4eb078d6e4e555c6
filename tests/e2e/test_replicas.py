"""Replicas for real: `briefbot run` processes on one PostgreSQL with a one-minute refresh period,
feeds on a loopback server that counts requests. Each due feed is fetched once per period, not
once per replica; a live replica's claims are renewed while it works, a killed one's lapse
within the (here: short) claim lease and another process fetches the feeds then."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from feeds.config import FeedConfig
from feeds.service import FeedService
from storage import Database
from storage.audit import Actor
from tests.departments import REGISTRY
from tests.e2e.test_delivery_processes import _env, _Output
from tests.feeds.conftest import FeedServer, feed_reply, item
from tests.mock_web_api_server import FakeSlack

REFRESH_DONE = re.compile(r"refresh due feeds .* executed successfully")
BRIEFBOT = [sys.executable, "-m", "briefbot"]


@pytest.fixture
def pg(postgres_url: str) -> Iterator[Database]:
    database = Database(postgres_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def site() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.close()


def add_feeds(db: Database, site: FeedServer, count: int, *replies: Callable[[int], object]) -> list[str]:
    feeds = FeedService(db=db, config=FeedConfig(departments=REGISTRY, allow_private_feeds=True))
    paths = [f"/feed{n}" for n in range(count)]
    for n, path in enumerate(paths):
        url = site.route(path, *(reply(n) for reply in replies))  # type: ignore[arg-type]
        feeds.add(url, ["legal"], actor=Actor.cli(), fetch=False)
    return paths


def replica_env(db: Database, fake: FakeSlack, **extra: str) -> dict[str, str]:
    env = _env(db.url.render_as_string(hide_password=False), fake)
    env.update(
        BRIEFBOT_REFRESH_MINUTES="1",
        BRIEFBOT_ALLOW_PRIVATE_FEEDS="1",
        BRIEFBOT_FETCH_PER_HOST="8",
        BRIEFBOT_POLICY_DIR="",
        BRIEFBOT_CERTS_FILE="",
        **extra,
    )
    return env


def start(env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[str], _Output]:
    proc = subprocess.Popen(
        [*BRIEFBOT, "run", "--port", "0", "--host", "127.0.0.1"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return proc, _Output(proc)


def stop(procs: list[subprocess.Popen[str]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def wait_until(done: Callable[[], bool], procs: list[subprocess.Popen[str]], outputs: list[_Output]) -> None:
    deadline = time.monotonic() + 45
    while not done():
        if any(p.poll() is not None for p in procs):
            pytest.fail("a bot process exited:\n" + "\n".join(o.text()[-2000:] for o in outputs))
        if time.monotonic() > deadline:
            pytest.fail("timed out:\n" + "\n".join(o.text()[-2000:] for o in outputs))
        time.sleep(0.1)


def hits(site: FeedServer, paths: list[str]) -> list[int]:
    return [len(site.hits(p)) for p in paths]


def test_two_replicas_fetch_each_due_feed_once_per_period(
    pg: Database, fake_slack: FakeSlack, site: FeedServer, tmp_path: Path
) -> None:
    # Slow enough that both replicas' first refreshes (10 s after start) overlap.
    paths = add_feeds(pg, site, 16, lambda n: feed_reply([item(n)], delay=0.25))
    env = replica_env(pg, fake_slack)
    started = [start(env, tmp_path) for _ in range(2)]
    procs, outputs = [p for p, _ in started], [o for _, o in started]
    try:
        wait_until(lambda: all(REFRESH_DONE.search(o.text()) for o in outputs), procs, outputs)
    finally:
        stop(procs)
    assert hits(site, paths) == [1] * len(paths)  # once per period, not once per replica
    assert "Traceback" not in "".join(o.text() for o in outputs)


def test_a_replica_killed_mid_refresh_loses_its_claims_quickly(
    pg: Database, fake_slack: FakeSlack, site: FeedServer, tmp_path: Path
) -> None:
    # Each feed's first answer takes 5 s; later ones are immediate.
    paths = add_feeds(
        pg, site, 3, lambda n: feed_reply([item(n)], delay=5.0), lambda n: feed_reply([item(n), item(n + 10)])
    )
    env = replica_env(pg, fake_slack, BRIEFBOT_FEED_CLAIM_SECONDS="1.5")
    doomed, output = start(env, tmp_path)

    def refresh_now() -> None:
        done = subprocess.run(
            [*BRIEFBOT, "feeds", "refresh"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stdout + done.stderr

    try:
        wait_until(lambda: hits(site, paths) == [1, 1, 1], [doomed], [output])
        time.sleep(2.0)  # past the 1.5 s claim: only the heartbeat keeps the feeds claimed
        refresh_now()
        assert hits(site, paths) == [1, 1, 1]
    finally:
        doomed.kill()
        doomed.wait(timeout=20)
    time.sleep(2.0)  # its last renewal lapses
    refresh_now()
    assert hits(site, paths) == [2, 2, 2]  # fetched again, once each
