"""Print the outlet and origin tables of SOURCES-c.md from items-c.jsonl (counts stay in step)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

ITEMS = Path(__file__).resolve().parents[2] / "briefings" / "data" / "news" / "items-c.jsonl"


def main() -> None:
    rows = [json.loads(line) for line in ITEMS.read_text(encoding="utf-8").splitlines()]
    by_outlet: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_outlet[row["outlet_domain"]].append(row)
    repos: dict[str, set[str]] = defaultdict(set)
    repo_items: Counter[str] = Counter()
    for row in rows:
        repo, _, rest = row["origin"].removeprefix("github:").partition("@")
        repos[repo].add(rest.split(":", 1)[0][:12])
        repo_items[repo] += 1
    print("| repository | commits read | items |")
    print("|---|---|---|")
    for repo, n in repo_items.most_common():
        commits = sorted(repos[repo])
        shown = ", ".join(commits[:3]) + (f" and {len(commits) - 3} more" if len(commits) > 3 else "")
        print(f"| github:{repo} | {shown} | {n} |")
    print()
    columns = "outlet domain kind items|about AI|finance|legal|operations|hr|origin repositories"
    print("| " + " | ".join(columns.replace(" ", "|", 3).split("|")) + " |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for domain, items in sorted(by_outlet.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        depts = Counter(d for r in items for d in r["departments"])
        origins = sorted({r["origin"].removeprefix("github:").split("@")[0] for r in items})
        print(
            f"| {items[0]['outlet']} | {domain} | {items[0]['outlet_kind']} | {len(items)} | "
            f"{sum(r['about_ai'] for r in items)} | {depts['finance']} | {depts['legal']} | "
            f"{depts['operations']} | {depts['hr']} | {', '.join(origins)} |"
        )


if __name__ == "__main__":
    main()
