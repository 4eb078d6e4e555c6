"""Write briefings/data/news/SOURCES-b.md from the labelled items of half B.

Usage::

    python scripts/corpus/sources_b.py briefings/data/news/items-b.jsonl briefings/data/news/SOURCES-b.md
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

# What the source repositories say about reuse. None states a licence for the news text itself: the
# headlines and summaries remain the outlets' own, kept here as short excerpts with a link back.
REPO_TERMS = {
    "bmoricz-dal/ai-business-insight-briefing": "no licence file; daily RSS source packs",
    "plan-net/agentic-solution-policiytracker": (
        "README shows an MIT badge but the repository has no LICENSE file; it covers their code, "
        "not the collected news text"
    ),
    "aktualmedia/all-business-news": "no licence file; aggregator RSS cache (data/news.json)",
}


def main(items_path: Path, out: Path) -> None:
    items = [json.loads(line) for line in items_path.read_text(encoding="utf-8").splitlines() if line]
    by_outlet: dict[str, list[dict]] = defaultdict(list)
    for item in items:
        by_outlet[item["outlet"]].append(item)
    lines = [
        "# Sources of items-b.jsonl (trade and business press)",
        "",
        f"{len(items)} items from {len(by_outlet)} outlets. Every item's `origin` names the exact file "
        "and commit it was read from; `scripts/corpus/collect_b.py` rebuilds the candidate list from "
        "those commits. Headlines and summaries are the outlets' own text (HTML stripped, summaries cut "
        "at 600 characters); no source repository states a licence for that text, so it is kept as "
        "short excerpts with a link to the original.",
        "",
        "How items were chosen: every item of the pinned files whose outlet is in the collector's lists "
        "(trade and business press; tech, security, science and general-news outlets belong to half A) "
        "was de-duplicated by link and by normalised title; per outlet, items mentioning AI-related words "
        "were taken first and at most 25 others were added (newest first), at most 60 per outlet. That "
        "word list only samples; every `about_ai`, department and rationale was then written by hand, "
        "item by item, following LABELLING.md. Items with no published summary (the feed gave only a "
        "headline) keep an empty `summary`; non-English items were dropped.",
        "",
        "## Origin repositories",
        "",
        "| repository | commits read | items | terms |",
        "|---|---|---|---|",
    ]
    repos: Counter[str] = Counter()
    commits: dict[str, set[str]] = defaultdict(set)
    for item in items:
        repo, commit = item["origin"].split(":", 2)[1].split("@")
        repos[repo] += 1
        commits[repo].add(commit)
    for repo, count in sorted(repos.items(), key=lambda kv: -kv[1]):
        shown = ", ".join(c[:12] for c in sorted(commits[repo])[:3])
        if len(commits[repo]) > 3:
            shown += f" and {len(commits[repo]) - 3} more (see each item's origin)"
        lines.append(f"| github:{repo} | {shown} | {count} | {REPO_TERMS.get(repo, 'not stated')} |")
    lines += [
        "",
        "## Outlets",
        "",
        "| outlet | domain | kind | items | about AI | origin repositories |",
        "|---|---|---|---|---|---|",
    ]
    for outlet, entries in sorted(by_outlet.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        origins = sorted({e["origin"].split(":", 2)[1].split("@")[0] for e in entries})
        about = sum(1 for e in entries if e["about_ai"])
        lines.append(
            f"| {outlet} | {entries[0]['outlet_domain']} | {entries[0]['outlet_kind']} | {len(entries)} "
            f"| {about} | {', '.join(origins)} |"
        )
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
