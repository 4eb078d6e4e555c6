"""The labelled corpus of real news (``briefings/data/news/*.jsonl``) and its split by outlet.

Each line is one item as an outlet published it, labelled by hand (see the labelling guide,
``briefings/data/news/LABELLING.md``): ``about_ai`` and the
``departments`` a department head would want it for. The split is by outlet, never by item: an
outlet's every item is in the training half or in the held-out half, decided by a stable hash of
its domain, so figures on the held-out half say how the ranker does on outlets it never saw.
``scripts/train_ranker.py`` writes the outcome to ``briefings/data/ranker_split.json``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

NEWS = Path(__file__).resolve().parent.parent / "data" / "news"
SPLIT_FILE = Path(__file__).resolve().parent.parent / "data" / "ranker_split.json"
HELD_OUT_PERCENT = 30
SPLIT_RULE = (
    f"held out when int(sha1(outlet_domain)[:8], 16) % 100 < {HELD_OUT_PERCENT} (outlet_domain lowercased)"
)


@dataclass(frozen=True)
class NewsItem:
    """One labelled item of the corpus."""

    id: str
    outlet: str
    outlet_domain: str
    outlet_kind: str
    title: str
    summary: str
    link: str
    published: str | None
    about_ai: bool
    departments: frozenset[str]


def held_out(outlet_domain: str) -> bool:
    """Whether an outlet belongs to the held-out half (stable across runs and machines)."""
    digest = hashlib.sha1(outlet_domain.strip().lower().encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 100 < HELD_OUT_PERCENT


def load_corpus(folder: Path = NEWS) -> list[NewsItem]:
    """Every labelled item of every ``*.jsonl`` file in ``folder`` (one per id), in file order."""
    out: list[NewsItem] = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            key = str(row.get("id") or row.get("link"))
            if key in seen:
                continue
            seen.add(key)
            out.append(
                NewsItem(
                    id=key,
                    outlet=str(row.get("outlet") or row.get("outlet_domain") or ""),
                    outlet_domain=str(row.get("outlet_domain") or "").lower(),
                    outlet_kind=str(row.get("outlet_kind") or "other"),
                    title=str(row.get("title") or ""),
                    summary=str(row.get("summary") or ""),
                    link=str(row.get("link") or ""),
                    published=row.get("published"),
                    about_ai=bool(row.get("about_ai")),
                    departments=frozenset(str(d) for d in row.get("departments") or ()),
                )
            )
    return out


def split(items: Iterable[NewsItem]) -> tuple[list[NewsItem], list[NewsItem]]:
    """(training, held-out) items by outlet."""
    train: list[NewsItem] = []
    test: list[NewsItem] = []
    for item in items:
        (test if held_out(item.outlet_domain) else train).append(item)
    return train, test
