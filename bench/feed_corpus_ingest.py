"""Ingest the real-publisher feed corpus (issue 23) and print the figures with their targets.

Every document of ``bench/feed_corpus.py``'s corpus is parsed and stored as a refresh does
(``parse_body``, then the refresh store, into a fresh SQLite database: one feed per document),
once with the fast path and once without it. Printed:

  * documents and publishers;
  * crashes: a parse that raised anything but a ``FeedError`` (target 0);
  * refused: documents refused with a reason (``FeedError``) although feedparser finds entries;
  * distinct entries lost against feedparser (target 0): per document, feedparser's distinct
    entries (by id, link, title and summary, at most our 1,000) less the items stored;
  * fast-path mismatches: documents the fast path takes whose entries differ from the
    feedparser path's (target 0);
  * the fast path's share of documents;
  * ingest time (parse and store) with and without the fast path, medians of ``--repeat``.

Usage: ``.venv/bin/python bench/feed_corpus.py`` (rebuild the corpus), then
``.venv/bin/python bench/feed_corpus_ingest.py [--repeat 3] [--root DIR]``; ``--root`` runs
another checkout's code (e.g. the main branch, for the "before" figures).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _setup_path(root: Path) -> None:
    sys.path.insert(0, str(ROOT))
    if root != ROOT:
        sys.path.insert(0, str(root))


def fp_distinct(body: bytes, limit: int) -> int:
    """feedparser's distinct entries in ``body`` (as the product calls it)."""
    import feedparser

    doc = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    seen = set()
    for entry in (doc.get("entries") or [])[:limit]:
        seen.add(
            (
                (entry.get("id") or "").strip(),
                (entry.get("link") or "").strip(),
                (entry.get("title") or "").strip(),
                (entry.get("summary") or "").strip(),
            )
        )
    return len(seen)


def ingest(
    documents: list[tuple[Any, bytes]], *, fast: bool
) -> tuple[float, dict[int, int], list[str], list[str]]:
    """Parse and store every document; (seconds, items stored per document, crashes, refusals)."""
    from sqlalchemy import func, select

    import feeds.parse
    from feeds.config import FeedConfig
    from feeds.errors import FeedError
    from feeds.records import FeedJob, FetchOutcome
    from feeds.service import FeedService
    from storage import Database
    from storage.models import Item
    from tests.departments import REGISTRY

    original = feeds.parse.parse_common
    if not fast:
        feeds.parse.parse_common = lambda *_a, **_k: None  # type: ignore[assignment]
    crashes: list[str] = []
    refused: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="briefbot-corpus-") as tmp:
            db = Database(f"sqlite:///{tmp}/corpus.db")
            db.upgrade()
            service = FeedService(db=db, config=FeedConfig(departments=REGISTRY, allow_private_feeds=True))
            urls = [f"https://feed{i}.corpus.invalid/feed" for i in range(len(documents))]
            service.import_opml(
                '<?xml version="1.0"?><opml version="2.0"><body>'
                + "".join(f'<outline type="rss" xmlUrl="{u}" category="legal"/>' for u in urls)
                + "</body></opml>"
            )
            ids = {f.url: f.id for f in service.list()}
            now = datetime.now(UTC).replace(microsecond=0)
            started = time.perf_counter()
            batch: list[FetchOutcome] = []
            for (doc, body), url in zip(documents, urls, strict=True):
                job = FeedJob(ids[url], url, None, None, None, None, True, None, 0)
                try:
                    parsed = feeds.parse.parse_feed(body, url=url, now=now)
                except FeedError as exc:
                    refused.append(f"{doc.repo}:{doc.path}: {exc}")
                    continue
                except Exception as exc:  # the figure this bench exists for
                    crashes.append(f"{doc.repo}:{doc.path}: {type(exc).__name__}: {exc}")
                    continue
                batch.append(FetchOutcome(job, "parsed", status=200, parsed=parsed, body_hash=doc.sha256))
                if len(batch) >= 50:
                    service.refresh_store.store(batch, now=now)
                    batch = []
            if batch:
                service.refresh_store.store(batch, now=now)
            seconds = time.perf_counter() - started
            with db.read() as session:
                counts = dict(
                    session.execute(select(Item.feed_id, func.count()).group_by(Item.feed_id)).all()
                )
            stored = {i: counts.get(ids[url], 0) for i, url in enumerate(urls)}
            db.dispose()
    finally:
        feeds.parse.parse_common = original
    return seconds, stored, crashes, refused


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose code is measured")
    parser.add_argument("--out", type=Path, default=None, help="the corpus folder (feed_corpus.py --out)")
    parser.add_argument("--show", type=int, default=10, help="how many lost/mismatched documents to list")
    args = parser.parse_args()
    _setup_path(args.root.resolve())

    import feed_corpus  # bench/ is sys.path[0] when run as a script

    from feeds.fastparse import parse_common
    from feeds.parse import MAX_ENTRIES, parse_feed, prepare

    documents = feed_corpus.corpus(args.out or feed_corpus.DEFAULT_OUT)
    if not documents:
        print("no corpus: run bench/feed_corpus.py first")
        return 1
    publishers = Counter(doc.publisher for doc, _ in documents)
    print(f"code: {args.root.resolve()}")
    print(f"corpus: {len(documents)} documents from {len(publishers)} publishers")

    now = datetime.now(UTC)
    fast_docs: list[int] = []
    mismatched: list[str] = []
    for i, (doc, body) in enumerate(documents):
        try:
            common = parse_common(prepare(body), None)
        except Exception as exc:
            mismatched.append(f"{doc.repo}:{doc.path}: fast path raised {type(exc).__name__}")
            continue
        if common is None or not common.entries:
            continue
        fast_docs.append(i)
        url = "https://corpus.invalid/feed"
        if parse_feed(body, url=url, now=now) != parse_feed(body, url=url, now=now, fast_path=False):
            mismatched.append(f"{doc.repo}:{doc.path}")

    reference = [fp_distinct(body, MAX_ENTRIES) for _, body in documents]
    times: dict[bool, list[float]] = {True: [], False: []}
    results: dict[bool, tuple[dict[int, int], list[str], list[str]]] = {}
    for _ in range(args.repeat):
        for fast in (True, False):
            seconds, stored, crashes, refused = ingest(documents, fast=fast)
            times[fast].append(seconds)
            results[fast] = (stored, crashes, refused)

    stored, crashes, refused = results[True]
    lost_docs = [(i, reference[i] - stored[i]) for i in range(len(documents)) if stored[i] < reference[i]]
    lost = sum(n for _, n in lost_docs)
    refused_with_entries = [r for r in refused if True]
    total_reference = sum(reference)
    print(f"feedparser's distinct entries: {total_reference}; items stored: {sum(stored.values())}")
    print(f"crashes: {len(crashes)} (target 0)")
    for line in crashes[: args.show]:
        print(f"  {line}")
    print(f"refused with a reason: {len(refused_with_entries)}")
    for line in refused_with_entries[: args.show]:
        print(f"  {line}")
    print(f"distinct entries lost against feedparser: {lost} in {len(lost_docs)} documents (target 0)")
    for i, n in sorted(lost_docs, key=lambda x: -x[1])[: args.show]:
        doc = documents[i][0]
        print(f"  {n:4} {doc.repo}:{doc.path} ({doc.publisher})")
    print(
        f"fast path: {len(fast_docs)} of {len(documents)} documents ({len(fast_docs) / len(documents):.0%})"
    )
    print(f"fast-path documents whose entries differ from feedparser's path: {len(mismatched)} (target 0)")
    for line in mismatched[: args.show]:
        print(f"  {line}")
    slow_stored = results[False][0]
    if slow_stored != stored:
        differ = sum(1 for i in stored if stored[i] != slow_stored[i])
        print(f"  items stored differ between the two paths in {differ} documents")
    with_fast, without = statistics.median(times[True]), statistics.median(times[False])
    print(
        f"ingest (parse + store, {len(documents)} documents): {with_fast:.2f} s with the fast path, "
        f"{without:.2f} s without ({without / with_fast:.2f}x), medians of {args.repeat}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
