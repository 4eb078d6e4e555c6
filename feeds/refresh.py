"""The refresh engine: a bounded worker pool with a per-host cap, feeding one batching writer.

Workers (threads: the work is mostly waiting on sockets) fetch and parse; the calling thread
stores results in batches, so database writes are few and large and SQLite has one writer. The
queue between them is bounded, so memory stays flat however many feeds or items there are.
A failure in one feed (network, parser, even a bug) becomes that feed's outcome only.

feedparser is pure Python, so threads parse one at a time under the GIL. For big refreshes a
``ParsePool`` moves parsing and normalising into worker processes (the threads wait on them
with the GIL released), which is what lets 500 feeds refresh in seconds on a small machine.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import multiprocessing
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from datetime import datetime
from multiprocessing.context import BaseContext
from typing import Any, Protocol

from feeds.errors import FeedError
from feeds.fetch import Fetcher, FetchResult
from feeds.records import FeedJob, FeedOutcome, FetchOutcome
from feeds.urls import host_of

log = logging.getLogger(__name__)

BATCH_FEEDS = 100
BATCH_ITEMS = 2500
_DONE = object()


class HostDispatcher:
    """Hands out jobs so that at most ``per_host`` run against one host at a time.

    Hosts with spare capacity wait in a FIFO; a worker takes the next job of the first ready host,
    so one slow site never holds a worker that could be fetching from another.
    """

    def __init__(self, jobs: Sequence[FeedJob], per_host: int) -> None:
        self.per_host = per_host
        self._pending: dict[str, deque[FeedJob]] = {}
        for job in jobs:
            self._pending.setdefault(host_of(job.url), deque()).append(job)
        self._inflight: dict[str, int] = dict.fromkeys(self._pending, 0)
        self._ready: deque[str] = deque(self._pending)
        self._is_ready = set(self._pending)
        self._left = len(jobs)
        self._cond = threading.Condition()

    def take(self) -> tuple[str, FeedJob] | None:
        """The next job that may run now (blocking while all hosts with work are at their cap);
        ``None`` when no work is left."""
        with self._cond:
            while True:
                if self._left == 0:
                    return None
                if self._ready:
                    host = self._ready.popleft()
                    self._is_ready.discard(host)
                    job = self._pending[host].popleft()
                    self._left -= 1
                    self._inflight[host] += 1
                    self._maybe_ready(host)
                    return host, job
                self._cond.wait()

    @property
    def all_taken(self) -> bool:
        """Every job has been handed out: what is left is in flight."""
        return self._left == 0

    def cancel(self) -> None:
        """Hand out no more jobs (workers finish what they hold)."""
        with self._cond:
            self._left = 0
            self._cond.notify_all()

    def done(self, host: str) -> None:
        """A job for ``host`` finished: its slot is free again."""
        with self._cond:
            self._inflight[host] -= 1
            self._maybe_ready(host)
            self._cond.notify_all()

    def _maybe_ready(self, host: str) -> None:
        if self._pending[host] and self._inflight[host] < self.per_host and host not in self._is_ready:
            self._ready.append(host)
            self._is_ready.add(host)


class Parse(Protocol):
    def __call__(self, job: FeedJob, body: bytes, **kwargs: Any) -> FetchOutcome: ...


class ParsePool:
    """``parse_body`` in worker processes. Falls back to parsing in the calling thread if the
    pool breaks (a worker killed by the OS), so a refresh never fails because of the pool."""

    def __init__(self, processes: int) -> None:
        # Never fork: the bot process runs threads (web server, scheduler) that fork would copy.
        context: BaseContext = multiprocessing.get_context("spawn")
        if "forkserver" in multiprocessing.get_all_start_methods():
            forkserver = multiprocessing.get_context("forkserver")
            # Workers fork from a server that has imported the parser once, instead of each
            # importing it on its first job (the first parses would wait for that).
            forkserver.set_forkserver_preload([__name__, "feeds.parse"])
            context = forkserver
        self.processes = processes
        self._executor = ProcessPoolExecutor(max_workers=processes, mp_context=context)
        self._broken = False
        # Start the workers now, so they are ready by the time the first bodies arrive; in the
        # background, because starting them waits for the server's imports.
        threading.Thread(target=self._start, name="parse-pool-start", daemon=True).start()

    def _start(self) -> None:
        # Already closed (a tiny refresh) means nothing is left to start.
        with contextlib.suppress(RuntimeError):
            self._executor.submit(_ready)

    def __call__(self, job: FeedJob, body: bytes, **kwargs: Any) -> FetchOutcome:
        if not self._broken:
            try:
                return self._executor.submit(parse_body, job, body, **kwargs).result()
            except BrokenProcessPool:
                log.warning("parse worker processes failed; parsing in threads for the rest of this refresh")
                self._broken = True
        return parse_body(job, body, **kwargs)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ready() -> None:
    """A no-op job that makes the pool start its workers."""


def body_digest(body: bytes) -> str:
    """The hash stored to recognise an unchanged body without parsing it."""
    return hashlib.blake2b(body, digest_size=32).hexdigest()


def process_job(job: FeedJob, fetcher: Fetcher, *, now: datetime, parse: Parse | None = None) -> FetchOutcome:
    """Fetch and parse one feed; every failure becomes a ``failed`` outcome, never an exception."""
    fetched = fetch_job(job, fetcher)
    if isinstance(fetched, FetchOutcome):
        return fetched
    return answer_outcome(job, fetched, now=now, parse=parse)


def fetch_job(job: FeedJob, fetcher: Fetcher) -> FetchResult | FetchOutcome:
    """The server's answer for one feed, or its ``failed`` outcome when there was none."""
    try:
        return fetcher.fetch(job.url, etag=job.etag, last_modified=job.last_modified)
    except FeedError as exc:
        return FetchOutcome(job, "failed", status=getattr(exc, "status", None), error=str(exc))
    except Exception as exc:  # a bug must cost one feed, not the refresh
        log.exception("unexpected error fetching feed %s", job.feed_id)
        return FetchOutcome(job, "failed", error=f"internal error while fetching: {type(exc).__name__}")


def answer_outcome(
    job: FeedJob, result: FetchResult, *, now: datetime, parse: Parse | None = None
) -> FetchOutcome:
    """What a server's answer means for the feed (a 200 is parsed, unless its bytes are known)."""
    status, moved_to = result.status, result.moved_to
    if result.status == 304:
        return FetchOutcome(
            job,
            "not_modified",
            etag=result.etag or job.etag,
            last_modified=result.last_modified or job.last_modified,
            status=status,
            moved_to=moved_to,
            fresh_for=result.fresh_for,
        )
    if result.status == 200 and result.body is not None:
        return _parse_answer(job, result, result.body, now=now, parse=parse)
    if result.status == 410:
        return FetchOutcome(job, "gone", status=status, moved_to=moved_to)
    if result.status in (429, 503):
        wait = f"; retry after {int(result.retry_after)} s" if result.retry_after is not None else ""
        return FetchOutcome(
            job,
            "rate_limited",
            retry_after=result.retry_after,
            error=f"HTTP {result.status}: the server asks us to slow down{wait}",
            status=status,
            moved_to=moved_to,
        )
    return FetchOutcome(job, "failed", status=status, error=f"HTTP {status}{_reason(status)}")


def _parse_answer(
    job: FeedJob, result: FetchResult, body: bytes, *, now: datetime, parse: Parse | None
) -> FetchOutcome:
    """The outcome of a 200 answer: unchanged bytes skip parsing, anything else is parsed."""
    status, moved_to = result.status, result.moved_to
    if job.body_hash is not None and body_digest(body) == job.body_hash:
        # Same bytes as last time (a server without validators): no parsing, no shipping.
        return FetchOutcome(
            job,
            "not_modified",
            etag=result.etag,
            last_modified=result.last_modified,
            body_hash=job.body_hash,
            identical_body=True,
            status=status,
            moved_to=moved_to,
            fresh_for=result.fresh_for,
        )
    outcome = (parse or parse_body)(
        job,
        body,
        content_type=result.content_type,
        now=now,
        etag=result.etag,
        last_modified=result.last_modified,
        base_url=result.url,
        status=status,
        moved_to=moved_to,
    )
    # Only a usable answer earns the server's freshness; a body that fails to parse backs off.
    if outcome.kind in ("parsed", "not_modified") and result.fresh_for is not None:
        outcome = replace(outcome, fresh_for=result.fresh_for)
    return outcome


def parse_body(
    job: FeedJob,
    body: bytes,
    *,
    content_type: str | None,
    now: datetime,
    etag: str | None = None,
    last_modified: str | None = None,
    base_url: str | None = None,
    status: int | None = 200,
    moved_to: str | None = None,
) -> FetchOutcome:
    """Parse fetched (or bundled) bytes into an outcome; identical bytes are not parsed again."""
    body_hash = body_digest(body)
    if job.body_hash == body_hash:
        return FetchOutcome(
            job,
            "not_modified",
            status=status,
            etag=etag,
            last_modified=last_modified,
            moved_to=moved_to,
            body_hash=body_hash,
            identical_body=True,
        )
    # Imported here: the process that only fetches and stores (parsing in worker processes)
    # loads feedparser while its first requests are in flight, not before sending them.
    from feeds.parse import parse_feed

    try:
        parsed = parse_feed(body, url=base_url or job.url, content_type=content_type, now=now)
    except FeedError as exc:
        return FetchOutcome(job, "failed", status=status, error=str(exc), moved_to=None)
    except Exception as exc:  # parser bugs on hostile input must stay contained
        log.exception("unexpected error parsing feed %s", job.feed_id)
        return FetchOutcome(
            job, "failed", status=status, error=f"could not parse the feed: {type(exc).__name__}"
        )
    return FetchOutcome(
        job,
        "parsed",
        status=status,
        parsed=parsed,
        body_hash=body_hash,
        etag=etag,
        last_modified=last_modified,
        moved_to=moved_to,
    )


class _Batches:
    """Worker outcomes gathered on the refresh thread and stored in batches."""

    def __init__(
        self,
        store: Callable[[list[FetchOutcome]], list[FeedOutcome]],
        *,
        batch_feeds: int,
        batch_items: int,
        linger: float,
    ) -> None:
        self.store = store
        self.batch_feeds = batch_feeds
        self.batch_items = batch_items
        self.linger = linger
        self.stored: dict[int, FeedOutcome] = {}
        self.batch: list[FetchOutcome] = []
        self.size = 0
        self.started = 0.0

    def wait(self) -> float | None:
        """How long to wait for the next outcome before the pending batch is due anyway."""
        return None if not self.batch else max(0.0, self.started + self.linger - time.monotonic())

    def add(self, outcome: FetchOutcome) -> None:
        if not self.batch:
            self.started = time.monotonic()
        self.batch.append(outcome)
        self.size += len(outcome.parsed.entries) if outcome.parsed else 0

    def flush(self, *, everything_in: bool, draining: bool = False) -> None:
        """Write when the batch is big, when everything is in, when it has waited long enough, or
        when ``draining``: the last feeds are in flight and nothing else is waiting, so what
        has arrived is stored now rather than after the last fetch (which made the whole
        refresh wait for one big final batch)."""
        if self.batch and (
            len(self.batch) >= self.batch_feeds
            or self.size >= self.batch_items
            or everything_in
            or draining
            or time.monotonic() - self.started >= self.linger
        ):
            fetched = {o.job.feed_id: o for o in self.batch}
            for outcome in self.store(self.batch):
                self.stored[outcome.feed_id] = mark_empty(outcome, fetched.get(outcome.feed_id))
            self.batch, self.size = [], 0


def run_refresh(
    jobs: Sequence[FeedJob],
    *,
    fetcher: Fetcher,
    store: Callable[[list[FetchOutcome]], list[FeedOutcome]],
    now: datetime,
    workers: int,
    per_host: int,
    parse: Parse | None = None,
    batch_feeds: int = BATCH_FEEDS,
    batch_items: int = BATCH_ITEMS,
    linger: float = 0.5,
) -> list[FeedOutcome]:
    """Fetch and parse ``jobs`` on ``workers`` threads (``per_host`` at a time per host), storing
    results through ``store`` in batches on the calling thread. Returns outcomes in job order."""
    if not jobs:
        return []
    dispatcher = HostDispatcher(jobs, per_host)
    results: queue.Queue[object] = queue.Queue(maxsize=max(4, workers * 2))
    # At most ``workers`` requests are in flight; with parse processes, as many more threads
    # may wait on parsed results meanwhile, so a slot freed by a finished download is reused at
    # once even while the parse processes are busy (with only 2 per process, fetching stalled
    # behind parsing: 3% of a 200-feed refresh). At most ``workers`` bodies wait to be parsed.
    fetching = threading.Semaphore(workers)
    waiters = workers if isinstance(parse, ParsePool) else 0
    count = min(workers + waiters, len(jobs))

    def worker() -> None:
        try:
            while (taken := dispatcher.take()) is not None:
                host, job = taken
                try:
                    with fetching:
                        fetched = fetch_job(job, fetcher)
                finally:
                    dispatcher.done(host)
                if not isinstance(fetched, FetchOutcome):
                    fetched = answer_outcome(job, fetched, now=now, parse=parse)
                results.put(fetched)
        finally:
            results.put(_DONE)

    threads = [threading.Thread(target=worker, name=f"feed-fetch-{i}", daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    batches = _Batches(store, batch_feeds=batch_feeds, batch_items=batch_items, linger=linger)
    try:
        _collect(results, batches, dispatcher, count)
    finally:
        for thread in threads:
            thread.join()
    stored = batches.stored
    return [stored[job.feed_id] for job in jobs if job.feed_id in stored]


def _collect(results: queue.Queue[object], batches: _Batches, dispatcher: HostDispatcher, count: int) -> None:
    """Store worker outcomes in batches until all ``count`` workers are done."""
    finished = 0
    try:
        while finished < count:
            try:
                item = results.get(timeout=batches.wait())
            except queue.Empty:
                item = None
            if item is _DONE:
                finished += 1
            elif isinstance(item, FetchOutcome):
                batches.add(item)
            batches.flush(everything_in=finished == count, draining=dispatcher.all_taken and results.empty())
    finally:
        if finished < count:  # the store failed: stop handing out work and let workers finish
            dispatcher.cancel()
            while finished < count:
                if results.get() is _DONE:
                    finished += 1


def mark_empty(outcome: FeedOutcome, fetched: FetchOutcome | None) -> FeedOutcome:
    """A parsed feed without a single item is ``empty``, never ``unchanged`` (not even on its
    first fetch, when nothing could be unchanged)."""
    if outcome.outcome == "unchanged" and fetched and fetched.parsed and not fetched.parsed.entries:
        return replace(outcome, outcome="empty")
    return outcome


_REASONS = {
    400: "Bad Request",
    401: "Unauthorized: the feed needs a login",
    403: "Forbidden: the server refuses us",
    404: "Not Found: check the URL",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    408: "Request Timeout",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error",
    502: "Bad Gateway",
    504: "Gateway Timeout",
}


def _reason(status: int) -> str:
    reason = _REASONS.get(status)
    return f" {reason}" if reason else ""
