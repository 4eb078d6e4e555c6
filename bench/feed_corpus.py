"""A corpus of real publishers' feed documents, rebuilt from public repositories (issue 23).

The documents are not kept in git (several MB, and not ours): ``bench/feed_corpus_manifest.txt``
records each one's origin — repository, commit, path, SHA-256 and the publisher (the host of
the feed's own site link) — and this script rebuilds the corpus from local snapshots of those
repositories (``git`` directories under ``--mirrors``, as ``<owner>+<name>/repo``), checking
every document against its hash.

Where the documents come from: feed libraries' and readers' test fixtures and benchmark sets
that keep real feeds as published (news sites, blogs on WordPress/Ghost/Hugo/Jekyll/Substack,
podcasts, YouTube, Reddit, release notes). Documents written for a test (no site, or a site on a
reserved example domain) are not publishers' and are left out, as are non-feeds.

Usage:
  .venv/bin/python bench/feed_corpus.py --scan        # list the candidates, write the manifest
  .venv/bin/python bench/feed_corpus.py [--out DIR]   # rebuild the corpus from the manifest
Then ``bench/feed_ingest.py`` reads it.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MANIFEST = ROOT / "bench" / "feed_corpus_manifest.txt"
DEFAULT_MIRRORS = Path(os.environ.get("BRIEFBOT_MIRRORS", "mirrors"))
DEFAULT_OUT = Path.home() / ".cache" / "briefbot-feed-corpus"

# (repository, folder, most documents taken) holding real feeds. Every file under the folder is
# a candidate; the scan keeps those that parse as a feed with a publisher's site link. Archives
# of one feed's snapshots over years are capped so that a few publishers do not dominate.
SOURCES: tuple[tuple[str, str, int | None], ...] = (
    ("kagisearch/fastfeedparser", "benchmark_data", None),
    ("kagisearch/fastfeedparser", "tests/integration", None),
    ("rowanmanning/sample-feeds", "content/real-world", None),
    ("feedjira/feedjira", "spec/sample_feeds", None),
    ("rbren/rss-parser", "test/input", None),
    ("danmactough/node-feedparser", "test/feeds", None),
    ("Ranchero-Software/NetNewsWire", "Modules/RSParser/Tests/RSParserTests/Resources", None),
    ("palladian/palladian", "palladian-retrieval/src/test/resources/feeds", None),
    ("feed-rs/feed-rs", "feed-rs/fixture", None),
    ("Tombarr/podcast-feed-parser", "test", None),
    ("jocmp/capyreader", "rssparser/src/test/resources", None),
    ("critrolesync/critrolesync.github.io", "feed-archive/critical-role", 8),
    ("critrolesync/critrolesync.github.io", "feed-archive/nerdist", 8),
    ("critrolesync/critrolesync.github.io", "feed-archive/geek-and-sundry", 8),
)
FEED_SUFFIXES = (".xml", ".rss", ".atom", ".rdf", ".json", ".feed", "")
MAX_BYTES = 10 * 1024 * 1024
# Specification samples and fixtures edited for a test, not documents as a publisher served them.
NOT_AS_PUBLISHED = re.compile(
    r"spec|rss2sample|sample-(?:bad|custom|new-feed|order)|-ordering|illegally|dupes"
)
# Sites that are not publishers: reserved example domains, loopback, placeholders.
NOT_PUBLISHERS = ("example.com", "example.org", "example.net", "localhost", "127.0.0.1", "test", "invalid")


@dataclass(frozen=True)
class Document:
    repo: str
    commit: str
    path: str
    sha256: str
    publisher: str

    def line(self) -> str:
        return f"{self.repo}\t{self.commit}\t{self.path}\t{self.sha256}\t{self.publisher}"

    @property
    def name(self) -> str:
        return f"{self.sha256[:16]}.feed"


def git_dir(mirrors: Path, repo: str) -> Path:
    return mirrors / repo.replace("/", "+") / "repo"


def _git(gdir: Path, *args: str) -> bytes:
    return subprocess.run(["git", f"--git-dir={gdir}", *args], check=True, capture_output=True).stdout


def publisher_of(body: bytes) -> str | None:
    """The host of the feed's own site link (feedparser's reading), or None for non-feeds and
    documents written for tests."""
    from feeds.errors import FeedError
    from feeds.parse import parse_feed

    try:
        from datetime import UTC, datetime

        parsed = parse_feed(body, url="https://corpus.invalid/feed", now=datetime.now(UTC), fast_path=False)
    except FeedError:
        return None
    if not parsed.entries:
        return None
    site = parsed.site_url or next((e.link for e in parsed.entries if e.link), None)
    host = (urlsplit(site).hostname or "").lower() if site else ""
    host = host.removeprefix("www.")
    if (
        not host
        or host == "corpus.invalid"
        or any(host == d or host.endswith("." + d) for d in NOT_PUBLISHERS)
    ):
        return None
    return host


def scan(mirrors: Path) -> list[Document]:
    documents: list[Document] = []
    seen: set[str] = set()
    for repo, folder, cap in SOURCES:
        gdir = git_dir(mirrors, repo)
        if not gdir.exists():
            print(f"  {repo}: no snapshot at {gdir} (fetch it first)", file=sys.stderr)
            continue
        commit = _git(gdir, "rev-parse", "HEAD").decode().strip()
        listing = _git(gdir, "ls-tree", "-r", "-l", commit, "--", folder).decode("utf-8", "replace")
        kept = 0
        rows = listing.splitlines()
        if cap is not None:  # spread over the archive's years, not its first weeks
            rows = [r for r in rows if "/parsed/" not in r]
            rows = rows[:: max(1, len(rows) // (cap * 2))]
        for row in rows:
            if cap is not None and kept >= cap:
                break
            meta, _, path = row.partition("\t")
            parts = meta.split()
            if len(parts) < 4 or parts[1] != "blob" or not parts[3].isdigit():
                continue
            if int(parts[3]) > MAX_BYTES or not path.lower().endswith(FEED_SUFFIXES):
                continue
            if "." in Path(path).name and not path.lower().endswith(FEED_SUFFIXES[:-1]):
                continue
            if NOT_AS_PUBLISHED.search(Path(path).name):
                continue
            body = _git(gdir, "cat-file", "blob", parts[2])
            digest = hashlib.sha256(body).hexdigest()
            if digest in seen:
                continue
            publisher = publisher_of(body)
            if publisher is None:
                continue
            seen.add(digest)
            documents.append(Document(repo, commit, path, digest, publisher))
            kept += 1
        print(f"  {repo} {folder}: {kept} documents", file=sys.stderr)
    return documents


def write_manifest(documents: list[Document]) -> None:
    header = (
        "# Real publishers' feed documents: repository, commit, path, sha256, publisher (site host).\n"
        "# Rebuilt by bench/feed_corpus.py from snapshots of these repositories; not kept in git.\n"
    )
    MANIFEST.write_text(header + "".join(d.line() + "\n" for d in documents), encoding="utf-8")


def read_manifest() -> list[Document]:
    documents = []
    for line in MANIFEST.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            repo, commit, path, digest, publisher = line.split("\t")
            documents.append(Document(repo, commit, path, digest, publisher))
    return documents


def rebuild(mirrors: Path, out: Path) -> tuple[int, int]:
    """Write every manifest document to ``out``; returns (written or present, missing)."""
    out.mkdir(parents=True, exist_ok=True)
    present = missing = 0
    for doc in read_manifest():
        target = out / doc.name
        if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == doc.sha256:
            present += 1
            continue
        gdir = git_dir(mirrors, doc.repo)
        try:
            body = _git(gdir, "show", f"{doc.commit}:{doc.path}")
        except (subprocess.CalledProcessError, FileNotFoundError):
            missing += 1
            continue
        if hashlib.sha256(body).hexdigest() != doc.sha256:
            missing += 1
            continue
        target.write_bytes(body)
        present += 1
    return present, missing


def corpus(out: Path = DEFAULT_OUT) -> list[tuple[Document, bytes]]:
    """The manifest's documents read from ``out`` (rebuild first)."""
    found = []
    for doc in read_manifest():
        target = out / doc.name
        if target.exists():
            found.append((doc, target.read_bytes()))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--scan", action="store_true", help="scan the sources and rewrite the manifest")
    args = parser.parse_args()
    if args.scan:
        documents = scan(args.mirrors)
        write_manifest(documents)
        publishers = Counter(d.publisher for d in documents)
        print(f"manifest: {len(documents)} documents from {len(publishers)} publishers")
    present, missing = rebuild(args.mirrors, args.out)
    print(f"corpus in {args.out}: {present} documents, {missing} missing (snapshot absent or changed)")


if __name__ == "__main__":
    main()
