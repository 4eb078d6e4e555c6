"""Join collected items (collect_c.py or collect_d.py output) with their hand-written labels.

Usage:
    python scripts/corpus/build_items_c.py --raw raw-c.jsonl \
        --out briefings/data/news/items-c.jsonl
    python scripts/corpus/build_items_c.py --raw raw-d.jsonl --labels scripts/corpus/labels_d.txt \
        --out briefings/data/news/items-d.jsonl

labels_c.txt (labels_d.txt for half D) holds one line per item, written by hand after reading its
headline and summary:
    id|about_ai (1/0)|departments (comma-separated, may be empty)|rationale
where rationale is "dept: sentence ;; dept: sentence" or "none: sentence".
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

DEPARTMENTS = ("finance", "legal", "operations", "hr")
LABELS = Path(__file__).with_name("labels_c.txt")


def parse_labels(path: Path) -> dict[str, tuple[bool, list[str], dict[str, str]]]:
    labels: dict[str, tuple[bool, list[str], dict[str, str]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        item_id, about, depts, rationale = line.split("|", 3)
        departments = [d.strip() for d in depts.split(",") if d.strip()]
        reasons: dict[str, str] = {}
        for part in rationale.split(" ;; "):
            key, _, text = part.partition(":")
            reasons[key.strip()] = text.strip()
        if about not in ("0", "1"):
            raise ValueError(f"{item_id}: about_ai must be 0 or 1")
        if any(d not in DEPARTMENTS for d in departments):
            raise ValueError(f"{item_id}: unknown department in {departments}")
        if about == "0" and departments:
            raise ValueError(f"{item_id}: a non-AI story gets no department")
        expected = set(departments) or {"none"}
        if set(reasons) != expected:
            raise ValueError(f"{item_id}: rationale keys {sorted(reasons)} != {sorted(expected)}")
        if item_id in labels:
            raise ValueError(f"{item_id}: labelled twice")
        labels[item_id] = (about == "1", departments, reasons)
    return labels


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--labels", type=Path, default=LABELS)
    args = ap.parse_args()
    labels = parse_labels(args.labels)
    rows = []
    for line in args.raw.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec["id"] not in labels:
            continue  # collected but not (yet) labelled
        about, departments, reasons = labels[rec["id"]]
        rec.update(about_ai=about, departments=departments, rationale=reasons)
        rows.append(rec)
    missing = set(labels) - {r["id"] for r in rows}
    if missing:
        raise SystemExit(f"labels without an item: {sorted(missing)[:5]}")
    with args.out.open("w", encoding="utf-8") as fh:
        for rec in rows:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"{len(rows)} labelled items -> {args.out}")


if __name__ == "__main__":
    main()
