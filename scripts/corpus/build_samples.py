"""Write the demo's sample feeds (feeds/data/samples/) from real items of the labelled corpus.

    .venv/bin/python scripts/corpus/build_samples.py

Every story of the samples is one item of briefings/data/news/items-*.jsonl: headline, summary,
link and date as the outlet published them, with the origin (repository, commit and file) the
corpus recorded. The demo builds its briefings "as of" the newest sample item, so the samples are
one week of news (11-18 May 2026) from a handful of real outlets, each outlet one feed holding
every item the corpus has of it in that week (AI stories and the rest alike, nothing picked by
hand within an outlet), tagged with departments the way an admin would tag that outlet's feed.
The aggregator feed repeats a few items of the outlet feeds under their own links, as the
aggregator cache they were read from did: the same story reaching the bot from two feeds.

Writes one RSS 2.0 file per feed, feeds.yaml (the manifest ``briefbot demo`` reads) and SOURCES.md
(where every item came from). Re-running gives the same files.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[2]
NEWS = ROOT / "briefings" / "data" / "news"
SAMPLES = ROOT / "feeds" / "data" / "samples"
WEEK = ("2026-05-11", "2026-05-18")


@dataclass(frozen=True)
class Feed:
    file: str
    name: str
    url: str
    site: str
    departments: tuple[str, ...]
    outlets: tuple[str, ...]  # outlet domains whose items of the week the feed carries
    also: tuple[str, ...] = ()  # item ids of other feeds an aggregator repeats


FEEDS = (
    Feed(
        "cfo-dive.xml",
        "CFO Dive",
        "https://www.cfodive.com/feeds/news/",
        "https://www.cfodive.com/",
        ("finance",),
        ("cfodive.com",),
    ),
    Feed(
        "finextra.xml",
        "Finextra",
        "https://www.finextra.com/rss/headlines.aspx",
        "https://www.finextra.com/",
        ("finance",),
        ("finextra.com",),
    ),
    Feed(
        "lawsites.xml",
        "LawSites",
        "https://www.lawnext.com/feed",
        "https://www.lawnext.com/",
        ("legal",),
        ("lawnext.com", "artificiallawyer.com"),
    ),
    Feed(
        "the-register.xml",
        "The Register",
        "https://www.theregister.com/headlines.atom",
        "https://www.theregister.com/",
        ("operations",),
        ("theregister.com", "venturebeat.com"),
    ),
    Feed(
        "fast-company.xml",
        "Fast Company",
        "https://www.fastcompany.com/latest/rss",
        "https://www.fastcompany.com/",
        ("hr",),
        ("fastcompany.com",),
    ),
    Feed(
        "forbes.xml",
        "Forbes",
        "https://www.forbes.com/innovation/feed/",
        "https://www.forbes.com/",
        ("finance", "legal", "operations", "hr"),
        ("forbes.com",),
    ),
    Feed(
        "business-news-aggregator.xml",
        "All Business News (aggregator)",
        "https://github.com/aktualmedia/all-business-news",
        "https://github.com/aktualmedia/all-business-news",
        ("finance", "legal", "operations", "hr"),
        ("investing.com", "marketwatch.com"),
        # An aggregator repeats outlets' items under their own links: one story, two feeds.
        also=("52ed8cf3899ee021", "c73b7fefa538e033"),
    ),
)


def load_items() -> dict[str, dict[str, object]]:
    items: dict[str, dict[str, object]] = {}
    for path in sorted(NEWS.glob("items-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                items.setdefault(str(row["id"]), row)
    return items


def in_week(row: dict[str, object]) -> bool:
    published = str(row.get("published") or "")
    return WEEK[0] <= published[:10] <= WEEK[1]


def rss(feed: Feed, rows: list[dict[str, object]]) -> str:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<!-- Real items as the outlet published them (headline, summary, link, date), taken from the",
        "     labelled corpus briefings/data/news/; origins in SOURCES.md. Written by",
        "     scripts/corpus/build_samples.py. -->",
        '<rss version="2.0">',
        "  <channel>",
        f"    <title>{escape(feed.name)}</title>",
        f"    <link>{escape(feed.site)}</link>",
        f"    <description>{escape(feed.name)}: one week of items (offline demo)</description>",
    ]
    for row in rows:
        published = datetime.fromisoformat(str(row["published"]).replace("Z", "+00:00"))
        out += [
            "    <item>",
            f"      <title>{escape(str(row['title']))}</title>",
            f"      <link>{escape(str(row['link']))}</link>",
            f'      <guid isPermaLink="true">{escape(str(row["link"]))}</guid>',
            f"      <pubDate>{format_datetime(published)}</pubDate>",
        ]
        if row.get("summary"):
            out.append(f"      <description>{escape(str(row['summary']))}</description>")
        out.append("    </item>")
    out += ["  </channel>", "</rss>", ""]
    return "\n".join(out)


def main() -> int:
    items = load_items()
    manifest = [
        "# Manifest of the bundled sample feeds used by `briefbot demo` (offline; never fetched).",
        "# Real items of one week (11-18 May 2026) from the labelled corpus; see SOURCES.md.",
        "# Written by scripts/corpus/build_samples.py.",
        "# file: path relative to this folder; url: the feed URL the demo pretends it came from;",
        "# departments: the departments an admin tagged the feed with.",
    ]
    sources = [
        "# Sources of the sample feeds",
        "",
        "The demo's sample feeds are real news: every item is one item of the labelled corpus",
        "(`briefings/data/news/items-*.jsonl`), with its headline, summary, link and date as the outlet",
        "published them. Each outlet feed carries every corpus item of that outlet dated 11-18 May 2026;",
        "the aggregator feed repeats two of them under their own links. `origin` is where the corpus read",
        "the text (`github:OWNER/REPO@COMMIT:PATH`). Rebuild with `scripts/corpus/build_samples.py`.",
        "",
        "| feed | item | published | about AI | departments (corpus label) | origin |",
        "|---|---|---|---|---|---|",
    ]
    for feed in FEEDS:
        rows = [r for r in items.values() if r["outlet_domain"] in feed.outlets and in_week(r)]
        rows += [items[i] for i in feed.also]
        rows.sort(key=lambda r: (str(r["published"]), str(r["id"])), reverse=True)
        (SAMPLES / feed.file).write_text(rss(feed, rows), encoding="utf-8")
        manifest += [
            f"- file: {feed.file}",
            f"  name: {json.dumps(feed.name)}",
            f"  url: {feed.url}",
            f"  departments: [{', '.join(feed.departments)}]",
            "",
        ]
        for r in rows:
            title = str(r["title"]).replace("|", "\\|")
            depts = ", ".join(r["departments"]) if r["departments"] else "none"  # type: ignore[call-overload]
            sources.append(
                f"| {feed.name} | [{title}]({r['link']}) | {str(r['published'])[:10]} | "
                f"{'yes' if r['about_ai'] else 'no'} | {depts} | `{r['origin']}` |"
            )
        print(f"{feed.file}: {len(rows)} items")
    (SAMPLES / "feeds.yaml").write_text("\n".join(manifest).rstrip() + "\n", encoding="utf-8")
    (SAMPLES / "SOURCES.md").write_text("\n".join(sources) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
