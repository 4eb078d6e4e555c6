"""Ingestion benchmark for the feeds package (issue 3), printing each figure next to its target.

It starts its own feed server in a separate process: one listening socket per "site" on
127.0.0.2, 127.0.0.3, ... (the whole 127/8 range is loopback), so the per-host politeness cap
is exercised as it would be against real sites. Every answer waits ``--latency`` seconds first;
``If-None-Match`` with the feed's ETag gets a 304.

Figures (targets from the issue):
  1. 500 feeds x 50 items, 100 ms latency: full refresh (fetch, parse, store) < 10 s wall time
  2. the same 500 feeds unchanged: 304s, zero bodies parsed, < 2 s
  3. parse+normalise+store throughput on pre-fetched bytes >= 0.7x bare ``feedparser.parse``
  4. peak RSS while ingesting 100k items (a fresh process, the whole refresh path) < 300 MB
  5. with ``--reader-python`` (a Python that can import lemon24/reader): the first refresh of
     ``--vs-feeds`` feeds on ``--vs-hosts`` hosts by both, each a whole process from its start
     (``briefbot feeds import`` + ``feeds refresh`` with the product defaults; a script adding
     the feeds to reader, then ``update_feeds(workers=16)``), alternating, median of
     ``--repeat``: items/s of each and the ratio, target >= 3x

Timed figures are medians of ``--repeat`` runs, each on a fresh database. Note the latency floor
of figure 2: 500 requests x 100 ms / in-flight limit; at the product default of 16 in flight
that floor alone is 3.1 s, so the bench runs with ``--concurrency`` 48 (still 2 per host).

Usage: ``.venv/bin/python bench/ingest.py [--repeat 3] [--database-url postgresql+psycopg://...]
[--reader-python /path/to/python [--only-reader]]``. Figure 5 always uses SQLite for both.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
# First, always: run as a script, bench/ is sys.path[0], and bench/briefings.py would shadow the
# briefings package (the figure-4 child, started with PYTHONPATH=ROOT, failed on that).
sys.path.insert(0, str(ROOT))

from tests.databases import postgres_schema  # noqa: E402
from tests.departments import REGISTRY  # noqa: E402

COMPANIES = ["Lumen Labs", "Northwind", "Contoso", "Fabrikam", "Initech", "Globex", "Umbrella", "Hooli"]
VERBS = ["cuts", "doubles", "audits", "automates", "pilots", "pauses", "expands", "prices"]
TOPICS = [
    "AI copilots",
    "model inference",
    "contract review",
    "payroll bots",
    "agentic workflows",
    "GPU budgets",
    "hiring screens",
    "invoice matching",
]


# ----------------------------------------------------------------------------- feed documents


def feed_document(index: int, items: int, *, now: datetime) -> bytes:
    """A realistic RSS 2.0 feed: HTML summaries, categories, GUIDs; every tenth item is a wire
    story that several feeds carry (with different tracking tags), so story matching has work."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>',
        f"<title>Site {index} AI desk</title><link>https://site{index}.example.com/</link>",
        "<description>Bench feed</description>",
    ]
    for j in range(items):
        if j % 10 == 0:
            story = (index // 4 * 7 + j) % 400
            company, verb, topic = COMPANIES[story % 8], VERBS[story // 8 % 8], TOPICS[story // 64 % 8]
            title = f"Wire: {company} {verb} {topic} story {story}"
            link = f"https://wire.example.com/story/{story}?utm_source=site{index}&utm_medium=rss"
        else:
            title = f"{COMPANIES[(index + j) % 8]} {VERBS[j % 8]} {TOPICS[(index * 3 + j) % 8]} ({index}-{j})"
            link = f"https://site{index}.example.com/{2026}/{j}/story-{index}-{j}"
        date = now - timedelta(minutes=index % 60 + j * 7)
        summary = (
            f"<p>{escape(title)}: the <b>finance</b> team expects savings of {j + 3}% &amp; legal wants "
            f'an audit trail. <a href="{escape(link)}">Read more</a> about what operations and HR '
            "should do next, including training, budgets and vendor contracts.</p>"
        )
        parts.append(
            f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
            f'<guid isPermaLink="false">site{index}-{j}</guid><pubDate>{format_datetime(date)}</pubDate>'
            f"<category>AI</category><category>Business</category>"
            f"<description>{escape(summary)}</description></item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode()


# ----------------------------------------------------------------------------- the feed server


def _serve(conn: Any, hosts: int, latency: float, items: int, feeds: int) -> None:
    """Child process: one asyncio listener per loopback host; reports [(host, port)] on ``conn``."""
    now = datetime.now(UTC).replace(microsecond=0)
    # Made before the server reports ready: building a body on its first request would slow
    # whichever client asks first, and the server's CPU would compete with the client measured.
    bodies = {index: feed_document(index, items, now=now) for index in range(feeds)}

    def body(index: int) -> bytes:
        return bodies[index]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {
                    k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)
                }
                index = int(path.rsplit("/", 1)[-1])
                etag = f'"v1-{index}"'
                if latency:
                    await asyncio.sleep(latency)
                if headers.get("if-none-match") == etag:
                    writer.write(
                        f"HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nContent-Length: 0\r\n\r\n".encode()
                    )
                else:
                    payload = body(index)
                    writer.write(
                        (
                            "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml; charset=utf-8\r\n"
                            f"ETag: {etag}\r\nContent-Length: {len(payload)}\r\n\r\n"
                        ).encode()
                        + payload
                    )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = [
            await asyncio.start_server(handle, f"127.0.0.{2 + h}", 0, backlog=512) for h in range(hosts)
        ]
        conn.send([(f"127.0.0.{2 + h}", s.sockets[0].getsockname()[1]) for h, s in enumerate(servers)])
        await asyncio.Event().wait()

    asyncio.run(main())


@contextmanager
def feed_server(*, hosts: int, latency: float, items: int, feeds: int) -> Iterator[list[tuple[str, int]]]:
    """Run the feed server in its own process (its CPU never competes for our GIL)."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_serve, args=(child, hosts, latency, items, feeds), daemon=True)
    proc.start()
    try:
        if not parent.poll(120):
            raise RuntimeError("feed server did not start")
        yield parent.recv()
    finally:
        proc.terminate()
        proc.join(5)


def feed_urls(addresses: list[tuple[str, int]], feeds: int) -> list[str]:
    return [
        f"http://{addresses[i % len(addresses)][0]}:{addresses[i % len(addresses)][1]}/feed/{i}"
        for i in range(feeds)
    ]


def opml_for(urls: list[str]) -> str:
    depts = ["finance", "legal", "operations", "hr"]
    outlines = "".join(
        f'<outline type="rss" text="Bench {i}" xmlUrl="{escape(u)}" category="{depts[i % 4]}"/>'
        for i, u in enumerate(urls)
    )
    head = '<?xml version="1.0"?><opml version="2.0"><head><title>bench</title></head>'
    return f"{head}<body>{outlines}</body></opml>"


# ----------------------------------------------------------------------------- databases


@contextmanager
def fresh_database(base_url: str | None) -> Iterator[str]:
    """A new empty database: a temporary SQLite file, or a new schema on the given PostgreSQL."""
    if not base_url or base_url.startswith("sqlite"):
        with tempfile.TemporaryDirectory(prefix="briefbot-bench-") as tmp:
            yield f"sqlite:///{tmp}/bench.db"
        return
    with postgres_schema(base_url, prefix="bench") as url:
        yield url


def make_service(url: str, *, concurrency: int, per_host: int, parse_processes: int | None = None) -> Any:
    from feeds.config import FeedConfig
    from feeds.service import FeedService
    from storage import Database

    config = FeedConfig(
        departments=REGISTRY,
        allow_private_feeds=True,
        fetch_concurrency=concurrency,
        fetch_per_host=per_host,
        parse_processes=parse_processes,
    )
    db = Database(url)
    db.upgrade()
    return FeedService(db=db, config=config)


# ----------------------------------------------------------------------------- the figures


def refresh_figures(args: argparse.Namespace, urls: list[str]) -> tuple[list[float], list[float], list[dict]]:
    """Figures 1 and 2 on a fresh database per repetition.

    "Bodies parsed" counts outcomes that went through the parser (new, updated, unchanged, or a
    parse failure after a 200); 304s and byte-identical bodies never reach it."""
    full, unchanged, details = [], [], []
    for _ in range(args.repeat):
        with fresh_database(args.database_url) as url:
            service = make_service(url, concurrency=args.concurrency, per_host=args.per_host)
            service.import_opml(opml_for(urls))
            started = time.perf_counter()
            first = service.refresh()
            full.append(time.perf_counter() - started)
            started = time.perf_counter()
            second = service.refresh(force=True)
            unchanged.append(time.perf_counter() - started)
            details.append(
                {
                    "first": first.totals,
                    "first_parsed": _parsed(first),
                    "second": second.totals,
                    "second_parsed": _parsed(second),
                }
            )
            service.db.dispose()
    return full, unchanged, details


def _parsed(report: Any) -> int:
    return sum(
        1
        for o in report.outcomes
        if o.outcome in ("new", "updated", "unchanged") or (o.outcome == "failed" and o.status == 200)
    )


def throughput_figure(args: argparse.Namespace) -> tuple[float, float, float, int]:
    """Figure 3: items/s of bare feedparser.parse vs our parse_body + store, same bytes (and,
    for context, feedparser called the way we call it: sanitising and URI resolution off)."""
    import feedparser

    from feeds.records import FeedJob
    from feeds.refresh import parse_body
    from storage.types import utcnow

    now = datetime.now(UTC).replace(microsecond=0)
    bodies = [feed_document(i, args.items, now=now) for i in range(args.throughput_feeds)]
    total_items = args.throughput_feeds * args.items
    bare_rates, fast_rates, our_rates = [], [], []
    headers = {"content-type": "application/rss+xml"}
    for _ in range(args.repeat):
        started = time.perf_counter()
        for body in bodies:
            feedparser.parse(body, response_headers=headers)
        bare_rates.append(total_items / (time.perf_counter() - started))
        started = time.perf_counter()
        for body in bodies:
            feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
        fast_rates.append(total_items / (time.perf_counter() - started))
        with fresh_database(args.database_url) as url:
            service = make_service(url, concurrency=args.concurrency, per_host=args.per_host)
            urls = [f"https://site{i}.example.com/feed" for i in range(len(bodies))]
            service.import_opml(opml_for(urls))
            jobs = {f.url: f.id for f in service.list()}
            when = utcnow()
            started = time.perf_counter()
            batch = []
            for url, body in zip(urls, bodies, strict=True):
                job = FeedJob(jobs[url], url, None, None, None, None, True, None, 0)
                batch.append(parse_body(job, body, content_type="application/rss+xml", now=when))
                if len(batch) == 50:
                    service.refresh_store.store(batch, now=when)
                    batch = []
            if batch:
                service.refresh_store.store(batch, now=when)
            our_rates.append(total_items / (time.perf_counter() - started))
            service.db.dispose()
    return (
        statistics.median(bare_rates),
        statistics.median(fast_rates),
        statistics.median(our_rates),
        total_items,
    )


def rss_child(argv: list[str]) -> None:
    """Figure 4 (run in a fresh process): refresh ``feeds`` feeds of ``items`` items each over
    HTTP into a new database and report the peak resident set size."""
    import resource

    spec = json.loads(argv[0])
    with fresh_database(spec["database_url"]) as url:
        # Everything in this one process (no parse workers), so its peak RSS is the whole cost.
        service = make_service(
            url, concurrency=spec["concurrency"], per_host=spec["per_host"], parse_processes=0
        )
        service.import_opml(opml_for(spec["urls"]))
        started = time.perf_counter()
        report = service.refresh()
        seconds = time.perf_counter() - started
        service.db.dispose()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "items": report.totals["new_items"],
                "failed": report.totals["failed"],
                "peak_rss_mb": peak_kb / 1024,
                "seconds": seconds,
            }
        )
    )


def rss_figure(args: argparse.Namespace) -> dict[str, Any]:
    feeds_needed = max(1, args.rss_items // args.rss_per_feed)
    with feed_server(hosts=args.hosts, latency=0.0, items=args.rss_per_feed, feeds=feeds_needed) as addrs:
        spec = {
            "urls": feed_urls(addrs, feeds_needed),
            "database_url": args.database_url,
            "concurrency": args.concurrency,
            "per_host": args.per_host,
        }
        out = subprocess.run(
            [sys.executable, __file__, "--rss-child", json.dumps(spec)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    if out.returncode != 0:
        raise RuntimeError(f"RSS child failed: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


READER_SCRIPT = """
import json, sys, time
started = time.perf_counter()
try:
    import sgmllib
except ImportError:  # reader's bundled feedparser wants the module under its old name
    import feedparser_sgmllib
    sys.modules["sgmllib"] = feedparser_sgmllib
import reader
spec = json.loads(sys.argv[1])
r = reader.make_reader(spec["db"])
if spec["urls"]:
    for url in spec["urls"]:
        r.add_feed(url)
else:
    r.update_feeds(workers=16)
print(json.dumps({"items": r.get_entry_counts().total, "seconds": time.perf_counter() - started}))
r.close()
"""


def _timed(argv: list[str], *, cwd: str, env: dict[str, str] | None = None) -> tuple[str, float]:
    started = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False, cwd=cwd, env=env)
    seconds = time.perf_counter() - started
    if out.returncode != 0:
        raise RuntimeError(f"{argv[1:4]} failed: {out.stderr.strip()[-2000:]}")
    return out.stdout, seconds


def _run_briefbot(urls: list[str], tmp: str) -> tuple[int, float]:
    """``feeds import`` (not timed), then ``feeds refresh`` as the admin runs it, with the product
    defaults, timed from process start: (items stored, seconds)."""
    opml = Path(tmp) / "feeds.opml"
    opml.write_text(opml_for(urls))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp}/briefbot.db",
        "BRIEFBOT_ALLOW_PRIVATE_FEEDS": "true",
        "PYTHONPATH": str(ROOT),
    }
    cli = [sys.executable, "-m", "briefbot", "feeds"]
    _timed([*cli, "import", str(opml)], cwd=tmp, env=env)
    stdout, seconds = _timed([*cli, "refresh", "--json"], cwd=tmp, env=env)
    return json.loads(stdout)["totals"]["new_items"], seconds


def _run_reader(python: str, urls: list[str], tmp: str) -> tuple[int, float]:
    """Feeds added in one process (not timed), then ``update_feeds(workers=16)`` timed from the
    start of a second one, as for briefbot."""
    db = f"{tmp}/reader.sqlite"
    _timed([python, "-c", READER_SCRIPT, json.dumps({"db": db, "urls": urls})], cwd=tmp)
    stdout, seconds = _timed([python, "-c", READER_SCRIPT, json.dumps({"db": db, "urls": []})], cwd=tmp)
    return json.loads(stdout.strip().splitlines()[-1])["items"], seconds


def versus_reader_figure(args: argparse.Namespace) -> dict[str, Any]:
    """Figure 5: briefbot and reader on the same feed server, alternating A/B runs."""
    ours, theirs, counts = [], [], {"briefbot": 0, "reader": 0}
    server = feed_server(hosts=args.vs_hosts, latency=args.latency, items=args.items, feeds=args.vs_feeds)
    with server as addrs:
        urls = feed_urls(addrs, args.vs_feeds)
        for run in range(args.repeat):
            order = ("briefbot", "reader") if run % 2 == 0 else ("reader", "briefbot")
            for name in order:
                with tempfile.TemporaryDirectory(prefix=f"{name}-bench-") as tmp:
                    if name == "briefbot":
                        counts[name], seconds = _run_briefbot(urls, tmp)
                        ours.append(counts[name] / seconds)
                    else:
                        counts[name], seconds = _run_reader(args.reader_python, urls, tmp)
                        theirs.append(counts[name] / seconds)
    return {"ours": ours, "theirs": theirs, "counts": counts}


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def print_versus_reader(args: argparse.Namespace) -> None:
    vs = versus_reader_figure(args)
    ours, theirs = statistics.median(vs["ours"]), statistics.median(vs["theirs"])
    ratio = ours / theirs
    runs = "; ".join(f"{a:,.0f} vs {b:,.0f}" for a, b in zip(vs["ours"], vs["theirs"], strict=True))
    print(
        f"5. first refresh vs reader, {args.vs_feeds} feeds x {args.items} items on {args.vs_hosts} hosts, "
        f"{args.latency * 1000:.0f} ms latency, whole processes, {os.cpu_count()} CPUs: briefbot "
        f"{ours:,.0f} items/s ({vs['counts']['briefbot']} items), reader {theirs:,.0f} items/s "
        f"({vs['counts']['reader']} items) = {ratio:.2f}x (runs {runs}) | target >= 3x (stretch 4x) | "
        f"{verdict(ratio >= 3 and vs['counts']['briefbot'] >= vs['counts']['reader'])}"
    )


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--rss-child":
        rss_child(sys.argv[2:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--hosts", type=int, default=100, help="loopback 'sites' (127.0.0.2 ...)")
    parser.add_argument("--concurrency", type=int, default=48)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--throughput-feeds", type=int, default=100)
    parser.add_argument("--rss-items", type=int, default=100_000)
    parser.add_argument("--rss-per-feed", type=int, default=100)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file per run")
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--reader-python", default=None, help="a Python that can import reader (figure 5)")
    parser.add_argument("--vs-feeds", type=int, default=200)
    parser.add_argument("--vs-hosts", type=int, default=20)
    parser.add_argument("--only-reader", action="store_true", help="figure 5 alone")
    args = parser.parse_args()

    bench_started = time.perf_counter()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    if args.only_reader:
        if not args.reader_python:
            parser.error("--only-reader needs --reader-python")
        print(f"briefbot ingest benchmark: {os.cpu_count()} CPUs (load {load}), median of {args.repeat}")
        print_versus_reader(args)
        print(f"benchmark took {time.perf_counter() - bench_started:.0f} s")
        return 0
    db_label = "SQLite (temporary file)" if not args.database_url else args.database_url.split("@")[-1]
    print(
        f"briefbot ingest benchmark: {os.cpu_count()} CPUs (load average {load}), database {db_label}, "
        f"{args.concurrency} in flight, {args.per_host} per host, {args.hosts} loopback hosts, "
        f"median of {args.repeat}"
    )

    with feed_server(hosts=args.hosts, latency=args.latency, items=args.items, feeds=args.feeds) as addrs:
        urls = feed_urls(addrs, args.feeds)
        full, unchanged, details = refresh_figures(args, urls)
    last = details[-1]
    full_med, unchanged_med = statistics.median(full), statistics.median(unchanged)
    floor = -(-args.feeds // args.concurrency) * args.latency
    stored = last["first"]["new_items"]
    print(
        f"1. full refresh, {args.feeds} feeds x {args.items} items, {args.latency * 1000:.0f} ms latency: "
        f"{full_med:.2f} s (runs {', '.join(f'{x:.2f}' for x in full)}; {stored} items stored, "
        f"{last['first']['failed']} failed) | target < 10 s | {verdict(full_med < 10 and stored > 0)}"
    )
    print(
        f"2. unchanged refresh: {unchanged_med:.2f} s (runs {', '.join(f'{x:.2f}' for x in unchanged)}; "
        f"{last['second']['not_modified']} not modified, {last['second_parsed']} bodies parsed; "
        f"latency floor {floor:.2f} s) | target < 2 s, 0 parsed | "
        f"{verdict(unchanged_med < 2 and last['second_parsed'] == 0)}"
    )

    bare, fast, ours, total = throughput_figure(args)
    ratio = ours / bare
    print(
        f"3. throughput on pre-fetched bytes ({total} items): ours {ours:,.0f} items/s "
        f"(parse+normalise+dedupe+store) vs bare feedparser.parse {bare:,.0f} items/s = {ratio:.2f}x "
        f"| target >= 0.7x | {verdict(ratio >= 0.7)}"
    )
    print(
        f"   context: feedparser with sanitising and URI resolution off (as we call it) {fast:,.0f} items/s; "
        f"ours is {ours / fast:.2f}x of that"
    )

    if not args.skip_rss:
        rss = rss_figure(args)
        print(
            f"4. peak RSS ingesting {rss['items']:,} items ({args.rss_per_feed} per feed, over HTTP, one "
            f"process, {rss['seconds']:.1f} s): {rss['peak_rss_mb']:.0f} MB | target < 300 MB | "
            f"{verdict(rss['peak_rss_mb'] < 300 and rss['items'] >= args.rss_items * 0.99)}"
        )
    if args.reader_python:
        print_versus_reader(args)
    print(f"benchmark took {time.perf_counter() - bench_started:.0f} s (target < 180 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
