"""Merge hand-written labels with the collected items into briefings/data/news/items-a.jsonl.

Line format (one item per line, written while reading the item's headline and summary):
    INDEX|AI|DEPTS|DEPT=sentence|DEPT=sentence
AI is 1 (about AI) or 0; DEPTS is a comma list of finance, legal, operations, hr or empty; when
DEPTS is empty the one rationale is keyed `none`. INDEX is the item's line number in the raw
file written by collect_a.py (labels are stored by the item's id, so the index is only a
shorthand checked at build time).

Usage:
    python scripts/corpus/build_items_a.py /work/notes/news-a/raw-a.jsonl \
        scripts/corpus/labels_a.txt briefings/data/news/items-a.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DEPARTMENTS = {"finance", "legal", "operations", "hr"}


def main() -> None:
    raw_path, lines_path, out_path = (Path(p) for p in sys.argv[1:4])
    raw = [json.loads(line) for line in raw_path.read_text(encoding="utf-8").splitlines()]
    done: dict[str, dict] = {}
    for line in lines_path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        index, ai, depts, *reasons = line.split("|")
        item = raw[int(index)]
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
    outlets = len({rec["outlet"] for rec in done.values()})
    print(f"{len(done)} labelled items ({ai} about AI) from {outlets} outlets in {out_path}")


if __name__ == "__main__":
    main()
