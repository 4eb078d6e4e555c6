"""Merge hand-written labels with the collected items into briefings/data/news/items-a.jsonl.

Line format (one item per line, written while reading the item's headline and summary):
    INDEX|AI|DEPTS|DEPT=sentence|DEPT=sentence
AI is 1 (about AI) or 0; DEPTS is a comma list of finance, legal, operations, hr or empty; when
DEPTS is empty the one rationale is keyed `none`. INDEX is the item's line number in the raw
file written by collect_a.py (labels are stored by the item's id, so the index is only a
shorthand checked at build time).

Usage:
    python scripts/corpus/build_items_a.py raw-a.jsonl \
        scripts/corpus/labels_a.txt briefings/data/news/items-a.jsonl \
        briefings/data/news/SOURCES-a.md
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path

DEPARTMENTS = {"finance", "legal", "operations", "hr"}

# What each source repository says about its terms (its LICENSE file at the commit used).
LICENCES = {
    "rumca-js/RSS-Link-Database-2023": "GPL-3.0 (repository of link metadata: title, description, date)",
    "0xSMW/rss-feeds": "MIT (repository of generated feeds of public news pages)",
    "mibuhand/AI-News-Direct": "GPL-3.0 (parsed public news pages)",
}


def sources_table(records: list[dict]) -> str:
    """Markdown table of outlets: where their items came from and how many."""
    by_outlet: dict[str, list[dict]] = defaultdict(list)
    for rec in records:
        by_outlet[rec["outlet"]].append(rec)
    lines = [
        "# Sources of items-a.jsonl",
        "",
        "Every item was taken from a feed snapshot a public GitHub repository committed; `origin`",
        "on each record names the exact `github:OWNER/REPO@COMMIT:PATH`. Feed files are named by",
        "feed URL; for the daily captures the path pattern is shown with the day folder as `*`.",
        "Written by `scripts/corpus/build_items_a.py`; collected by `scripts/corpus/collect_a.py`.",
        "",
        "How items were drawn (`collect_a.py`, seed 18): all 2023 daily captures of the listed",
        "feeds plus the AI labs' feed files were read (408,160 entries), de-duplicated by link and",
        "title; per outlet a quota of entries naming an AI term was drawn at random (30% of it from",
        "those also naming a business consequence), plus a quota of the outlet's other entries, so",
        "each outlet brings both AI and non-AI stories; lab feeds give their newest entries. After",
        "the first 150 were labelled, non-AI-term entries were thinned to 45% (hash of the link) to",
        "reach about 35% non-AI; after 906, a supplement of 130 AI-term entries that also name money",
        "was drawn because finance had 8 positives. Every item was then labelled by hand, reading",
        "its headline and summary (`scripts/corpus/labels_a.txt`, one line per item).",
        "",
        "| outlet | domain | kind | origin (repo@commit: feed files) | items | about AI | licence / terms |",
        "|---|---|---|---|---|---|---|",
    ]
    for outlet in sorted(by_outlet, key=lambda name: (-len(by_outlet[name]), name)):
        recs = by_outlet[outlet]
        origins: dict[str, set[str]] = defaultdict(set)
        for rec in recs:
            repo_commit, _, path = rec["origin"].removeprefix("github:").partition(":")
            origins[repo_commit].add(re.sub(r"^\d{4}/\d{2}/[\d-]+/", "*/", path))
        where = "; ".join(
            f"`{rc.split('@')[0]}@{rc.split('@')[1][:10]}`: " + ", ".join(f"`{p}`" for p in sorted(paths))
            for rc, paths in sorted(origins.items())
        )
        repos = sorted({rc.split("@")[0] for rc in origins})
        licence = "; ".join(LICENCES.get(repo, "not stated") for repo in repos)
        ai = sum(rec["about_ai"] for rec in recs)
        first = recs[0]
        cells = [outlet, first["outlet_domain"], first["outlet_kind"], where, len(recs), ai, licence]
        lines.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    total = len(records)
    ai_total = sum(rec["about_ai"] for rec in records)
    counts = {d: sum(d in rec["departments"] for rec in records) for d in sorted(DEPARTMENTS)}
    lines += [
        "",
        f"Total: {total} items from {len(by_outlet)} outlets; {ai_total} about AI "
        f"({ai_total / total:.0%}), {total - ai_total} not about AI.",
        "Department positives: " + ", ".join(f"{d} {n}" for d, n in counts.items()) + ".",
        "",
        "Full commits: "
        + "; ".join(sorted({rec["origin"].removeprefix("github:").partition(":")[0] for rec in records}))
        + ".",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    raw_path, lines_path, out_path = (Path(p) for p in sys.argv[1:4])
    sources_path = Path(sys.argv[4]) if len(sys.argv) > 4 else None
    raw = [json.loads(line) for line in raw_path.read_text(encoding="utf-8").splitlines()]
    done: dict[str, dict] = {}
    seen_titles: set[str] = set()
    for line in lines_path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        index, ai, depts, *reasons = line.split("|")
        item = raw[int(index)]
        # The same story sometimes came twice under spellings the collector kept apart
        # ("S.E.C." and "SEC"): the first labelled copy stays.
        compact = re.sub(r"[^a-z0-9]", "", item["title"].lower())
        if compact in seen_titles:
            print(f"skipped duplicate title: {item['title']}")
            continue
        seen_titles.add(compact)
        departments = [d.strip() for d in depts.split(",") if d.strip()]
        unknown = set(departments) - DEPARTMENTS
        if unknown or ai not in {"0", "1"}:
            raise SystemExit(f"bad line: {line}")
        rationale = {}
        for reason in reasons:
            key, _, text = reason.partition("=")
            rationale[key.strip()] = text.strip()
        expected = set(departments) if departments else {"none"}
        if set(rationale) != expected:
            raise SystemExit(f"rationale keys {sorted(rationale)} do not match {sorted(expected)}: {line}")
        if ai == "0" and departments:
            raise SystemExit(f"non-AI item with departments: {line}")
        if item["id"] in done:
            raise SystemExit(f"item labelled twice: {line}")
        done[item["id"]] = {
            **item,
            "about_ai": ai == "1",
            "departments": departments,
            "rationale": rationale,
        }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w", encoding="utf-8") as handle:
        for rec in done.values():
            handle.write(json.dumps(rec, ensure_ascii=False) + "\n")
    ai = sum(rec["about_ai"] for rec in done.values())
    if sources_path is not None:
        sources_path.write_text(sources_table(list(done.values())), encoding="utf-8")
    outlets = len({rec["outlet"] for rec in done.values()})
    print(f"{len(done)} labelled items ({ai} about AI) from {outlets} outlets in {out_path}")


if __name__ == "__main__":
    main()
