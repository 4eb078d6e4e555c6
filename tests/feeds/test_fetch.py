"""HTTP fetching against real loopback servers (point 2 and 3): hangs, caps, redirects,
conditional GET, Retry-After, the per-host cap and the SSRF guard at connection time."""

from __future__ import annotations

import gzip
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

import feeds.safety
from feeds.errors import FeedTooLarge, FetchTimeout, TooManyRedirects, UnsafeFeedURL
from feeds.fetch import Fetcher, parse_retry_after
from feeds.records import FeedJob, FeedOutcome, FetchOutcome
from feeds.refresh import process_job, run_refresh
from tests.feeds.conftest import NOW, FeedServer, Reply, feed_reply, item


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(allow_private=True, deadline=1.0, max_bytes=1024 * 1024) as f:
        yield f


def test_plain_fetch_sends_an_honest_user_agent(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.route("/feed", feed_reply([item(1)], etag='"v1"'))
    result = fetcher.fetch(url)
    assert result.status == 200 and b"Story number 1" in (result.body or b"")
    assert result.etag == '"v1"'
    agent = feed_server.hits("/feed")[0].headers["user-agent"]
    assert agent.startswith("briefbot/") and "feed" in agent


def test_server_that_never_answers_times_out(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.route("/hang", Reply(hang=True))
    started = time.monotonic()
    with pytest.raises(FetchTimeout, match="stopped responding"):
        fetcher.fetch(url)
    assert time.monotonic() - started < 10


def test_server_that_hangs_mid_body_times_out(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.route("/stall", feed_reply([item(1)], stall_after=50))
    with pytest.raises(FetchTimeout):
        fetcher.fetch(url)


def test_trickling_server_hits_the_total_deadline(feed_server: FeedServer, fetcher: Fetcher) -> None:
    # Every read succeeds (16 bytes each 0.2 s), so only the per-feed deadline can stop it.
    url = feed_server.route("/drip", feed_reply([item(i) for i in range(20)], drip=0.2))
    started = time.monotonic()
    with pytest.raises(FetchTimeout, match="too slowly"):
        fetcher.fetch(url)
    assert time.monotonic() - started < 10


def test_20_mb_body_is_aborted_at_the_cap(feed_server: FeedServer) -> None:
    url = feed_server.route("/big", Reply(stream_bytes=20 * 1024 * 1024))
    with (
        Fetcher(allow_private=True, max_bytes=10 * 1024 * 1024) as fetcher,
        pytest.raises(FeedTooLarge, match=r"larger than 10\.0 MB"),
    ):
        fetcher.fetch(url)


def test_declared_oversize_is_refused_before_download(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.route("/declared", Reply(body=b"x" * (2 * 1024 * 1024)))
    with pytest.raises(FeedTooLarge, match="not downloaded"):
        fetcher.fetch(url)


def test_gzip_bomb_counts_decoded_bytes(feed_server: FeedServer, fetcher: Fetcher) -> None:
    packed = gzip.compress(b"<rss>" + b" " * (5 * 1024 * 1024))
    url = feed_server.route("/gz", Reply(body=packed, headers={"Content-Encoding": "gzip"}))
    with pytest.raises(FeedTooLarge):
        fetcher.fetch(url)


def test_redirect_loop_is_reported(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/a", Reply(status=302, headers={"Location": "/b"}))
    url = feed_server.route("/b", Reply(status=301, headers={"Location": "/a"}))
    with pytest.raises(TooManyRedirects, match="redirect loop"):
        fetcher.fetch(url)


def test_at_most_five_redirects(feed_server: FeedServer, fetcher: Fetcher) -> None:
    for i in range(7):
        feed_server.route(f"/r{i}", Reply(status=302, headers={"Location": f"/r{i + 1}"}))
    feed_server.route("/r5", feed_reply([item(1)]))
    assert fetcher.fetch(feed_server.url("/r0")).status == 200  # exactly five hops
    feed_server.route("/r5", Reply(status=302, headers={"Location": "/r6"}))
    feed_server.route("/r6", feed_reply([item(1)]))
    with pytest.raises(TooManyRedirects, match="more than 5 redirects"):
        fetcher.fetch(feed_server.url("/r0"))


def test_permanent_redirect_chain_reports_the_new_url(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.route("/old", Reply(status=301, headers={"Location": "/newer"}))
    feed_server.route("/newer", Reply(status=308, headers={"Location": "/newest"}))
    feed_server.route("/newest", feed_reply([item(1)]))
    result = fetcher.fetch(feed_server.url("/old"))
    assert result.moved_to == feed_server.url("/newest")
    feed_server.route("/temp", Reply(status=302, headers={"Location": "/newest"}))
    assert fetcher.fetch(feed_server.url("/temp")).moved_to is None


def test_redirect_to_non_http_scheme_is_refused(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.route("/f", Reply(status=302, headers={"Location": "file:///etc/passwd"}))
    with pytest.raises(Exception, match="not http"):
        fetcher.fetch(url)


def test_conditional_get_sends_validators(feed_server: FeedServer, fetcher: Fetcher) -> None:
    url = feed_server.route("/feed", feed_reply([item(1)], etag='"v7"'))
    result = fetcher.fetch(url, etag='"v7"', last_modified="Fri, 20 Nov 2026 09:00:00 GMT")
    assert result.status == 304 and result.body is None
    headers = feed_server.hits("/feed")[0].headers
    assert headers["if-none-match"] == '"v7"'
    assert headers["if-modified-since"] == "Fri, 20 Nov 2026 09:00:00 GMT"


def test_retry_after_as_seconds_or_http_date() -> None:
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after(format_datetime(now + timedelta(hours=2), usegmt=True), now=now) == 7200
    assert parse_retry_after(format_datetime(now - timedelta(hours=2), usegmt=True), now=now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("99999999") == 7 * 24 * 3600  # capped


def test_loopback_is_refused_by_default(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", feed_reply([item(1)]))
    with Fetcher(allow_private=False) as fetcher, pytest.raises(UnsafeFeedURL, match="loopback"):
        fetcher.fetch(url)
    assert feed_server.requests == []  # refused before connecting


def test_metadata_endpoint_is_refused_by_default() -> None:
    with Fetcher(allow_private=False) as fetcher, pytest.raises(UnsafeFeedURL, match="metadata"):
        fetcher.fetch("http://169.254.169.254/latest/meta-data/")


def _pretend_public(monkeypatch: pytest.MonkeyPatch, public_host: str) -> None:
    """Treat one loopback address as a public site, everything else as it really is."""
    real = feeds.safety.classify_address

    def classify(address: object) -> str | None:
        return None if str(address) == public_host else real(address)  # type: ignore[arg-type]

    monkeypatch.setattr(feeds.safety, "classify_address", classify)


def test_every_redirect_hop_is_checked(monkeypatch: pytest.MonkeyPatch, make_server: object) -> None:
    public, private = make_server(), make_server()  # type: ignore[operator]
    _pretend_public(monkeypatch, public.host)
    private.route("/secret", feed_reply([item(1)]))
    url = public.route("/feed", Reply(status=302, headers={"Location": private.url("/secret")}))
    with Fetcher(allow_private=False) as fetcher, pytest.raises(UnsafeFeedURL, match="loopback"):
        fetcher.fetch(url)
    assert public.hits("/feed") and private.requests == []


def test_dns_rebinding_cannot_pass_the_check(
    monkeypatch: pytest.MonkeyPatch, feed_server: FeedServer
) -> None:
    # The name looks public when first asked, then points at loopback: the address checked at
    # connection time is the one connected to, so the second answer is refused.
    feed_server.route("/feed", feed_reply([item(1)]))
    answers = iter([["93.184.216.34"], [feed_server.host]])
    real = socket.getaddrinfo

    def fake_getaddrinfo(host: str, port: int, *args: object, **kwargs: object) -> list:
        if host == "rebind.example":
            addr = next(answers)[0]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (addr, port))]
        return real(host, port, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(feeds.safety.socket, "getaddrinfo", fake_getaddrinfo)
    feeds.safety.check_host("rebind.example", 80, allow_private=False)  # the admin-time check passes
    with Fetcher(allow_private=False) as fetcher, pytest.raises(UnsafeFeedURL, match=r"resolves to 127\."):
        fetcher.fetch(f"http://rebind.example:{feed_server.port}/feed")
    assert feed_server.requests == []


def _job(feed_id: int, url: str) -> FeedJob:
    return FeedJob(feed_id, url, None, None, None, None, True, None, 0)


def test_worker_pool_caps_requests_per_host(make_server: object) -> None:
    a, b = make_server(), make_server()  # type: ignore[operator]
    jobs = []
    for i in range(6):
        jobs.append(_job(i, a.route(f"/f{i}", feed_reply([item(i)], delay=0.3))))
        jobs.append(_job(100 + i, b.route(f"/f{i}", feed_reply([item(i)], delay=0.3))))
    stored: list[FetchOutcome] = []

    def store(batch: list[FetchOutcome]) -> list[FeedOutcome]:
        stored.extend(batch)
        return [FeedOutcome(o.job.feed_id, "", o.job.url, o.kind) for o in batch]

    with Fetcher(allow_private=True) as fetcher:
        outcomes = run_refresh(jobs, fetcher=fetcher, store=store, now=NOW, workers=16, per_host=2)
    assert [o.feed_id for o in outcomes] == [j.feed_id for j in jobs]
    assert all(o.kind == "parsed" for o in stored)
    assert a.max_inflight == 2 and b.max_inflight == 2  # polite per host, yet both hosts in parallel


def test_feeds_that_answered_are_stored_while_the_last_one_is_still_in_flight(make_server: object) -> None:
    # Every job is handed out at once (4 workers, 4 feeds): the three quick answers must be
    # stored without waiting for the slow one, however long the batch would otherwise linger.
    server = make_server()  # type: ignore[operator]
    jobs = [_job(i, server.route(f"/f{i}", feed_reply([item(i)]))) for i in range(3)]
    jobs.append(_job(9, server.route("/slow", feed_reply([item(9)], delay=1.5))))
    batches: list[list[int]] = []

    def store(batch: list[FetchOutcome]) -> list[FeedOutcome]:
        batches.append([o.job.feed_id for o in batch])
        return [FeedOutcome(o.job.feed_id, "", o.job.url, o.kind) for o in batch]

    with Fetcher(allow_private=True) as fetcher:
        run_refresh(jobs, fetcher=fetcher, store=store, now=NOW, workers=4, per_host=4, linger=60)
    assert sorted(fid for batch in batches[:-1] for fid in batch) == [0, 1, 2]
    assert batches[-1] == [9]


def test_one_broken_feed_does_not_stop_the_others(make_server: object) -> None:
    good, bad = make_server(), make_server()  # type: ignore[operator]
    jobs = [
        _job(1, bad.route("/hang", Reply(hang=True))),
        _job(2, bad.route("/bomb", Reply(body=b'<!DOCTYPE r [<!ENTITY a "b"><!ENTITY c "&a;&a;">]><rss/>'))),
        _job(3, good.route("/ok", feed_reply([item(1)]))),
        _job(4, bad.route("/500", Reply(status=500))),
    ]

    def store(batch: list[FetchOutcome]) -> list[FeedOutcome]:
        return [FeedOutcome(o.job.feed_id, "", o.job.url, o.kind, error=o.error) for o in batch]

    with Fetcher(allow_private=True, deadline=1.0) as fetcher:
        outcomes = {
            o.feed_id: o
            for o in run_refresh(jobs, fetcher=fetcher, store=store, now=NOW, workers=4, per_host=2)
        }
    assert outcomes[3].outcome == "parsed"
    assert outcomes[1].outcome == "failed" and "responding" in (outcomes[1].error or "")
    assert outcomes[2].outcome == "failed" and "entities" in (outcomes[2].error or "")
    assert outcomes[4].outcome == "failed" and "HTTP 500" in (outcomes[4].error or "")


@pytest.mark.parametrize(
    ("encoding", "layers"),
    [("x-gzip", 1), ("gzip", 2), ("x-gzip", 2)],
    ids=["x-gzip", "double-gzip", "x-gzip-twice"],
)
def test_gzip_that_httpx_leaves_on_the_body_is_removed(
    feed_server: FeedServer, fetcher: Fetcher, encoding: str, layers: int
) -> None:
    body = feed_reply([item(1)]).body
    packed = body
    for _ in range(layers):
        packed = gzip.compress(packed)
    url = feed_server.route(
        "/gz",
        Reply(body=packed, headers={"Content-Encoding": encoding, "Content-Type": "application/rss+xml"}),
    )
    outcome = process_job(FeedJob(0, url, None, None, None, None, False, None, 0), fetcher, now=NOW)
    assert outcome.kind == "parsed" and outcome.parsed is not None
    assert [e.title for e in outcome.parsed.entries] == ["Story number 1 about enterprise AI adoption"]


def test_a_gzip_bomb_inside_a_gzip_layer_still_hits_the_cap(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    packed = gzip.compress(gzip.compress(b"<rss>" + b" " * (5 * 1024 * 1024)))
    url = feed_server.route("/gz", Reply(body=packed, headers={"Content-Encoding": "gzip"}))
    with pytest.raises(FeedTooLarge):
        fetcher.fetch(url)
