"""Shared fixtures: real databases (SQLite file and PostgreSQL), a fake Slack Web API on
loopback, and the real Bolt app served over HTTP with signed requests."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from foundation.settings import Settings
from storage import Database
from tests.databases import postgres_schema
from tests.mock_web_api_server import FakeSlack
from tests.slack_requests import SignedSlackClient

DEFAULT_PG = "postgresql+psycopg://briefbot:briefbot@127.0.0.1:5432/briefbot"
SIGNING_SECRET = "test-secret"
_pg_status: dict[str, str | None] = {}


def _postgres_base() -> str | None:
    """The PostgreSQL URL if a server answers; None (with the reason recorded) otherwise."""
    if "url" in _pg_status:
        return _pg_status["url"]
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        _pg_status.update(url=url, reason=None)
    except Exception as exc:  # any driver or connection failure means "no server here"
        _pg_status.update(url=None, reason=f"PostgreSQL not reachable at {url}: {type(exc).__name__}")
    return _pg_status["url"]


@pytest.fixture(scope="session")
def postgres_base() -> str:
    url = _postgres_base()
    if url is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests: {_pg_status['reason']}")
        pytest.skip(str(_pg_status["reason"]))
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'briefbot.db'}"


@pytest.fixture
def postgres_url(postgres_base: str) -> Iterator[str]:
    with postgres_schema(postgres_base) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, then a fresh schema on a real PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'briefbot.db'}"
    else:
        with postgres_schema(request.getfixturevalue("postgres_base")) as url:
            yield url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def settings(db_url: str, fake_slack: FakeSlack, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db_url,
        slack_bot_token="xoxb-test",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.url,
        briefbot_allow_private_feeds=True,
        briefbot_admins="UADMIN",
    )


@pytest.fixture
def services(settings: Settings) -> Iterator[Any]:
    from briefbot.services import make_services

    # As `briefbot run` does before serving: every service built, the policy packs loaded.
    built = make_services(settings).build_all()
    yield built
    built.close()


@dataclass
class BotServer:
    url: str
    slack: SignedSlackClient
    app: Any
    services: Any


def _run_until_closed(server: Any) -> None:
    # waitress's select() sees the listening socket closed under it at teardown: expected.
    with contextlib.suppress(OSError):
        server.run()


def serve_app(services: Any, slow_work: Any = None) -> tuple[Any, Any, threading.Thread]:
    """Serve the real Bolt app with the runtime's HTTP server on an ephemeral loopback port."""
    from bot.app import build_app
    from bot.http import WsgiApp
    from briefbot.http_server import make_http_server

    app = build_app(services, slow_work=slow_work)
    server: Any = make_http_server(
        WsgiApp(app, services), host="127.0.0.1", port=0, threads=8, asyncore_loop_timeout=0.1
    )
    thread = threading.Thread(target=_run_until_closed, args=(server,), daemon=True)
    thread.start()
    return app, server, thread


@pytest.fixture
def bot_server(services: Any, fake_slack: FakeSlack) -> Iterator[BotServer]:
    from bot.work import SlowWork

    # The pool is the test's to stop: work a test leaves queued (hanging fetches) must not run
    # on, and log, during the tests after it.
    slow = SlowWork()
    app, server, thread = serve_app(services, slow)
    url = f"http://127.0.0.1:{server.effective_port}"
    client = SignedSlackClient(url, SIGNING_SECRET, response_url_factory=fake_slack.response_url)
    yield BotServer(url=url, slack=client, app=app, services=services)
    client.close()
    slow.shutdown(wait_seconds=10)
    server.close()
    thread.join(timeout=5)
