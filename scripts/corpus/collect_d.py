"""Collect half "d" of the labelled news corpus (issue 18): HR, workplace and people-management press.

Reads the article store that a public GitHub repository committed (mirrored into $BRIEFBOT_MIRRORS,
by a fetch of the repository), keeps each item's headline and summary as published (the feed's
description as the repository stored it, HTML stripped, cut at a word to 600 characters), drops
every item whose link or normalised headline is already in items-a/b/c.jsonl, drops non-English
outlets, and writes unlabelled records (JSONL) for hand labelling (labels_d.txt, joined by
build_items_c.py --labels scripts/corpus/labels_d.txt).

Usage:
    BRIEFBOT_MIRRORS=/path/to/mirrors python scripts/corpus/collect_d.py --out raw-d.jsonl

Input (exact repo@commit:path):
- github:dorkaY2Y/hrnews@<each commit that changed public/data/news.json or data/*.json>:<that
  file> (an HR news site's article store, refreshed from the RSS feeds of HR Dive, HR Executive,
  Personnel Today, Canadian HR Reporter, HCA Magazine, HR Grapevine, HRM Asia, HR.Asia, AIHR,
  HRMorning, HR Daily Advisor, Unleash, HRZone, Gallup Workplace, Harvard Business Review and MIT
  Sloan Management Review among others). Every stored version is read oldest first; an item's
  origin is the first commit and file it appeared in.

Hold-out stays by outlet: the split rule (briefings/assembly/corpus.py) hashes each item's outlet_domain, so
an outlet that other halves already use lands on the same side.

Sampling (not labelling): every English item is kept (the store is small); per outlet at most
CAP_PER_OUTLET, items naming an AI term first, newest first. The sampling words decide no label.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import subprocess
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MIRROR = Path(os.environ.get("BRIEFBOT_MIRRORS", "mirrors"))
NEWS = Path(__file__).resolve().parents[2] / "briefings/data/news"
OTHER_HALVES = ("items-a.jsonl", "items-b.jsonl", "items-c.jsonl")
MAX_SUMMARY = 600
CAP_PER_OUTLET = 80
HR_REPO = "dorkaY2Y/hrnews"
FORBIDDEN = {
    "SathyaSivam-GRCNexis/grc-copilot",
    "yestrar123/ai-news-tracker",
    "gtcode-dot-com/l",
    "everyday-cc/ai",
    "felixtea/ai-digest",
}
# Outlets of the store that publish in German, French or Hungarian (the corpus is English), and the
# store owner's own blog (not an outlet's published text).
NON_ENGLISH_OR_OWN = {"Personalwirtschaft", "Parlons RH", "Portfolio", "Telex", "Y2Y"}
# outlet name as the store writes it -> (display name, outlet_kind)
OUTLETS: dict[str, tuple[str, str]] = {
    "HR Dive": ("HR Dive", "hr"),
    "HR Executive": ("HR Executive", "hr"),
    "Personnel Today": ("Personnel Today", "hr"),
    "HR Reporter": ("Canadian HR Reporter", "hr"),
    "HCA Mag Asia": ("HCA Magazine Asia", "hr"),
    "HR Grapevine": ("HR Grapevine", "hr"),
    "HRM Asia": ("HRM Asia", "hr"),
    "HR.Asia": ("HR.Asia", "hr"),
    "AIHR": ("AIHR", "hr"),
    "HRMorning": ("HRMorning", "hr"),
    "HR Daily Advisor": ("HR Daily Advisor", "hr"),
    "Unleash": ("UNLEASH", "hr"),
    "HRZone": ("HRZone", "hr"),
    "Gallup Workplace": ("Gallup Workplace", "hr"),
    "Workology": ("Workology", "hr"),
    "Josh Bersin": ("Josh Bersin", "hr"),
    "HR Bartender": ("HR Bartender", "hr"),
    "Talent Management": ("Talent Management", "hr"),
    "Flex Index": ("Flex Index", "hr"),
    "Harvard Business Review": ("Harvard Business Review", "general"),
    "MIT Sloan": ("MIT Sloan Management Review", "general"),
    "BBJ": ("Budapest Business Journal", "general"),
}
AI_TERMS = re.compile(
    r"\b(AI|A\.I\.|artificial intelligence|generative|GenAI|LLMs?|chatbots?|ChatGPT|OpenAI|Copilot|"
    r"agentic|AI agents?|machine learning|algorithm\w*|automation|deepfakes?)\b",
    re.I,
)


def strip_html(text: str) -> str:
    text = re.sub(r"<[^>]+>", " ", text or "")
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def cut(text: str, limit: int = MAX_SUMMARY) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip(" ,;:")


def norm_title(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def domain_of(url: str) -> str:
    m = re.match(r"https?://([^/]+)", url or "")
    host = (m.group(1) if m else "").lower()
    return re.sub(r"^(www\d?|go|feeds)\.", "", host)


def iso(value: str | None) -> str | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def git(repo: str, *args: str) -> str:
    assert repo not in FORBIDDEN
    path = MIRROR / repo.replace("/", "+") / "repo"
    done = subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"git {' '.join(args)} failed in {path}: {done.stderr.strip()}")
    return done.stdout


def known() -> tuple[set[str], set[str]]:
    links: set[str] = set()
    titles: set[str] = set()
    for name in OTHER_HALVES:
        for line in (NEWS / name).read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            links.add(rec["link"])
            titles.add(norm_title(rec["title"]))
    return links, titles


def hr_items() -> list[dict[str, Any]]:
    """Every article of every stored version of the store, first appearance wins."""
    commits = git(HR_REPO, "log", "--reverse", "--format=%H", "--", "public/data/news.json", "data").split()
    seen: dict[str, dict[str, Any]] = {}
    for commit in commits:
        files = git(HR_REPO, "ls-tree", "-r", "--name-only", commit).splitlines()
        wanted = sorted(
            f
            for f in files
            if f == "public/data/news.json" or (f.startswith("data/") and f.endswith(".json"))
        )
        for path in wanted:
            try:
                doc = json.loads(git(HR_REPO, "show", f"{commit}:{path}"))
            except json.JSONDecodeError:
                continue
            arts = doc if isinstance(doc, list) else doc.get("articles", [])
            for art in arts:
                if not isinstance(art, dict) or not art.get("url") or art["url"] in seen:
                    continue
                seen[art["url"]] = {**art, "_origin": f"github:{HR_REPO}@{commit}:{path}"}
    return list(seen.values())


def record(art: dict[str, Any]) -> dict[str, Any] | None:
    source = art.get("source", "")
    if source in NON_ENGLISH_OR_OWN or source not in OUTLETS:
        return None
    outlet, kind = OUTLETS[source]
    link = art["url"].strip()
    title = strip_html(art.get("title", ""))
    if not title:
        return None
    return {
        "id": hashlib.sha1(link.encode()).hexdigest()[:16],
        "outlet": outlet,
        "outlet_domain": domain_of(link),
        "outlet_kind": kind,
        "title": title,
        "summary": cut(strip_html(art.get("excerpt", ""))),
        "link": link,
        "published": iso(art.get("published")),
        "origin": art["_origin"],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    links, titles = known()
    per_outlet: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for art in hr_items():
        rec = record(art)
        if rec is None or rec["link"] in links or norm_title(rec["title"]) in titles:
            continue
        links.add(rec["link"])
        titles.add(norm_title(rec["title"]))
        per_outlet[rec["outlet"]].append(rec)
    rows: list[dict[str, Any]] = []
    for outlet in sorted(per_outlet):
        recs = per_outlet[outlet]
        recs.sort(key=lambda r: r["published"] or "", reverse=True)
        recs.sort(key=lambda r: not AI_TERMS.search(f"{r['title']} {r['summary']}"))
        rows.extend(recs[:CAP_PER_OUTLET])
    with args.out.open("w", encoding="utf-8") as fh:
        for rec in rows:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"{len(rows)} items from {len(per_outlet)} outlets -> {args.out}")


if __name__ == "__main__":
    main()
