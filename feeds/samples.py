"""The offline sample feeds: registered once and ingested from bundled files, no network."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from feeds.errors import FeedError
from feeds.records import RefreshReport
from feeds.refresh import parse_body
from feeds.store.protocols import FeedStore, NewFeed, RefreshStore
from feeds.urls import normalise_feed_url
from foundation.departments import DepartmentRegistry
from storage.audit import Actor
from storage.types import utcnow

SAMPLES_DIR = Path(__file__).resolve().parent / "data" / "samples"


def load_samples(
    feeds: FeedStore,
    refresh: RefreshStore,
    departments: DepartmentRegistry,
    samples_dir: Path | None = None,
    *,
    now: datetime | None = None,
) -> RefreshReport:
    """Register the sample feeds of ``samples_dir/feeds.yaml`` (idempotent) and ingest the
    bundled files through the same parse/normalise/de-duplicate/store path as fetched bytes.

    Sample items are stored as fresh (not backlog) so they appear in briefings.
    """
    started = time.monotonic()
    folder = Path(samples_dir) if samples_dir else SAMPLES_DIR
    now = now or utcnow()
    manifest = read_manifest(folder)
    wanted = [
        NewFeed(
            normalise_feed_url(entry["url"]),
            entry.get("name"),
            departments.resolve_many(entry["departments"]),
        )
        for entry in manifest
    ]
    jobs = feeds.ensure(Actor.system(), wanted, via="samples")
    outcomes = [
        parse_body(job, (folder / entry["file"]).read_bytes(), content_type=None, now=now, status=None)
        for job, entry in zip(jobs, manifest, strict=True)
    ]
    stored = refresh.store(outcomes, now=now, fresh=True) if outcomes else []
    return RefreshReport(tuple(stored), started_at=now, seconds=time.monotonic() - started)


def read_manifest(folder: Path) -> list[dict[str, Any]]:
    """The entries of ``folder/feeds.yaml``, checked: each names a file, a URL and departments."""
    path = folder / "feeds.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FeedError(f"no sample manifest at {path}") from None
    except yaml.YAMLError as exc:
        raise FeedError(f"the sample manifest {path} is not valid YAML: {exc}") from None
    if not isinstance(data, list):
        raise FeedError(f"the sample manifest {path} must be a list of feeds")
    entries = []
    for number, entry in enumerate(data, 1):
        if not isinstance(entry, dict) or not {"file", "url", "departments"} <= set(entry):
            raise FeedError(f"sample manifest entry {number} needs file, url and departments")
        if not (folder / str(entry["file"])).is_file():
            raise FeedError(f"sample manifest entry {number}: no file {entry['file']} in {folder}")
        depts = entry["departments"]
        entry = {**entry, "departments": [depts] if isinstance(depts, str) else list(depts)}
        entries.append(entry)
    return entries
