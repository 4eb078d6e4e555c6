"""Collect half B of the labelled news corpus (trade and business press) from mirrored repositories.

Reads items exactly as the source repositories committed them (feed snapshots and collected news
files), keeps the outlets half B covers, de-duplicates by link and by title, cuts summaries to the
labelling guide's 600 characters, and writes candidates as JSON Lines. Labels are added by hand
afterwards (``--labels``), never by this script.

Inputs (pinned commits; each record's ``origin`` names its exact file):

* github:bmoricz-dal/ai-business-insight-briefing@0c36a1f4958d9d9d33188dac339830e7417fdc20
  data/source_packs/*-business-source-pack.json (daily RSS source packs, 2026-05..2026-09)
* github:plan-net/agentic-solution-policiytracker@bc2874527e1ec4e72e20e3a7ded1d2cf80367aff
  data/input/policy/**/*.md and data/input/news/**/*.md (collected news with front matter, 2025)
* github:aktualmedia/all-business-news@7b9c7cbb4e21f2bc9dce9f21e63e9fd28e9bca77
  data/news.json at every commit that changed it (an aggregator's RSS cache, 2026-05)

Usage::

    python scripts/corpus/collect_b.py candidates OUT.jsonl
    python scripts/corpus/collect_b.py build CANDIDATES.jsonl LABELS_DIR OUT.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

MIRROR = Path(os.environ.get("BRIEFBOT_MIRRORS", "mirrors"))
MAX_SUMMARY = 600
MAX_PER_OUTLET = 60
# The trade feeds are mostly not about AI; to keep enough AI stories for the ranker, an outlet's
# items that mention AI-related words are sampled first and at most this many others are added.
# This only chooses which items enter the corpus; every label is written by hand afterwards.
MAX_OTHER_PER_OUTLET = 25
SAMPLE_AI = re.compile(
    r"\b(AI|A\.I\.|artificial intelligence|generative|genAI|GenAI|LLMs?|chatbots?|ChatGPT|OpenAI|"
    r"Anthropic|Claude|Gemini|Copilot|machine learning|agentic|AI agents?|Nvidia|automation|"
    r"algorithm\w*|deepfakes?)\b"
)

BMORICZ = ("bmoricz-dal/ai-business-insight-briefing", "0c36a1f4958d9d9d33188dac339830e7417fdc20")
PLANNET = ("plan-net/agentic-solution-policiytracker", "bc2874527e1ec4e72e20e3a7ded1d2cf80367aff")
AKTUAL_HEAD = "7b9c7cbb4e21f2bc9dce9f21e63e9fd28e9bca77"
AKTUAL = ("aktualmedia/all-business-news", AKTUAL_HEAD)

# aktualmedia feed name -> (display name, domain, kind); every committed version of data/news.json is
# read (the file is rewritten on each refresh), so the origin names the commit that first held the item.
AKTUAL_OUTLETS: dict[str, tuple[str, str, str]] = {
    "Forbes Business": ("Forbes", "forbes.com", "other"),
    "Forbes Innovation": ("Forbes", "forbes.com", "other"),
    "Quartz": ("Quartz", "qz.com", "other"),
    "FreightWaves": ("FreightWaves", "freightwaves.com", "operations"),
    "Fast Company": ("Fast Company", "fastcompany.com", "other"),
    "Finance Monthly": ("Finance Monthly", "finance-monthly.com", "finance"),
    "MarketWatch Top Stories": ("MarketWatch", "marketwatch.com", "finance"),
    "MarketWatch MarketPulse": ("MarketWatch", "marketwatch.com", "finance"),
    "Finextra": ("Finextra", "finextra.com", "finance"),
    "Supply Chain Brain": ("SupplyChainBrain", "supplychainbrain.com", "operations"),
    "Investing.com News": ("Investing.com", "investing.com", "finance"),
    "Investing.com Economic Indicators": ("Investing.com", "investing.com", "finance"),
    "Investing.com Stock Market": ("Investing.com", "investing.com", "finance"),
    "Investing.com Commodities": ("Investing.com", "investing.com", "finance"),
    "Seeking Alpha Market News": ("Seeking Alpha", "seekingalpha.com", "finance"),
    "Automotive Dive": ("Automotive Dive", "automotivedive.com", "operations"),
    "Federal Reserve Press": ("Federal Reserve Board", "federalreserve.gov", "finance"),
    "ECB Press": ("European Central Bank", "ecb.europa.eu", "finance"),
    "Packaging Gateway": ("Packaging Gateway", "packaging-gateway.com", "operations"),
    "Food Dive": ("Food Dive", "fooddive.com", "operations"),
    "Retail Dive": ("Retail Dive", "retaildive.com", "operations"),
    "Manufacturing Dive": ("Manufacturing Dive", "manufacturingdive.com", "operations"),
    "Construction Dive": ("Construction Dive", "constructiondive.com", "operations"),
    "Private Banker International": (
        "Private Banker International",
        "privatebankerinternational.com",
        "finance",
    ),
    "Payments Dive": ("Payments Dive", "paymentsdive.com", "finance"),
    "Supply Chain Dive": ("Supply Chain Dive", "supplychaindive.com", "operations"),
    "McKinsey Insights": ("McKinsey Insights", "mckinsey.com", "other"),
    "Banking Dive": ("Banking Dive", "bankingdive.com", "finance"),
    "CFO Dive": ("CFO Dive", "cfodive.com", "finance"),
    "Entrepreneur": ("Entrepreneur", "entrepreneur.com", "other"),
    "Logistics Manager": ("Logistics Manager", "logisticsmanager.com", "operations"),
    "INSEAD Knowledge": ("INSEAD Knowledge", "knowledge.insead.edu", "other"),
    "Global Finance": ("Global Finance", "gfmag.com", "finance"),
    "Knowledge at Wharton": ("Knowledge at Wharton", "knowledge.wharton.upenn.edu", "other"),
    "LSE Business Review": ("LSE Business Review", "blogs.lse.ac.uk", "other"),
    "MIT Sloan Management Review": ("MIT Sloan Management Review", "sloanreview.mit.edu", "other"),
    "ETF Trends": ("ETF Trends", "etftrends.com", "finance"),
}

# bmoricz source name -> (display name, domain, kind). Vendor blogs and general news in those packs
# (AWS, OpenAI, DeepMind, Power BI, Guardian, BBC) belong to the other half and are left out.
BMORICZ_OUTLETS: dict[str, tuple[str, str, str]] = {
    "Supply Chain Dive": ("Supply Chain Dive", "supplychaindive.com", "operations"),
    "McKinsey Insights": ("McKinsey Insights", "mckinsey.com", "other"),
    "MIT Sloan Management Review": ("MIT Sloan Management Review", "sloanreview.mit.edu", "other"),
    "Logistics Manager": ("Logistics Manager", "logisticsmanager.com", "operations"),
}

# plan-net source domain -> (display name, kind). Only domains listed here are kept: tech, security,
# science and general-news outlets are covered by the other half of the corpus.
PLANNET_OUTLETS: dict[str, tuple[str, str]] = {
    "reuters.com": ("Reuters", "general"),
    "politico.eu": ("Politico Europe", "legal"),
    "pymnts.com": ("PYMNTS", "finance"),
    "ft.com": ("Financial Times", "finance"),
    "bloomberg.com": ("Bloomberg", "finance"),
    "news.bloombergtax.com": ("Bloomberg Tax", "finance"),
    "businessinsider.com": ("Business Insider", "other"),
    "finance.yahoo.com": ("Yahoo Finance", "finance"),
    "nasdaq.com": ("Nasdaq", "finance"),
    "investing.com": ("Investing.com", "finance"),
    "esgtoday.com": ("ESG Today", "finance"),
    "esgnews.com": ("ESG News", "finance"),
    "digital-strategy.ec.europa.eu": ("European Commission Digital Strategy", "legal"),
    "finance.ec.europa.eu": ("European Commission Financial Services", "legal"),
    "ec.europa.eu": ("European Commission", "legal"),
    "consilium.europa.eu": ("Council of the EU", "legal"),
    "edpb.europa.eu": ("EDPB", "legal"),
    "euractiv.com": ("Euractiv", "legal"),
    "mayerbrown.com": ("Mayer Brown", "legal"),
    "heuking.de": ("Heuking Kühn Lüer Wojtek", "legal"),
    "hunton.com": ("Hunton Andrews Kurth", "legal"),
    "reedsmith.com": ("Reed Smith", "legal"),
    "clearygottlieb.com": ("Cleary Gottlieb", "legal"),
    "whitecase.com": ("White & Case", "legal"),
    "mofo.com": ("Morrison Foerster", "legal"),
    "noerr.com": ("Noerr", "legal"),
    "vbb.com": ("Van Bael & Bellis", "legal"),
    "roedl.com": ("Rödl & Partner", "legal"),
    "jdsupra.com": ("JD Supra", "legal"),
    "iclg.com": ("ICLG", "legal"),
    "competitionlawblog.kluwercompetitionlaw.com": ("Kluwer Competition Law Blog", "legal"),
    "regulationtomorrow.com": ("Regulation Tomorrow (Norton Rose Fulbright)", "legal"),
    "regulatoryandcompliance.com": ("Regulatory & Compliance", "legal"),
    "techgdpr.com": ("TechGDPR", "legal"),
    "securiti.ai": ("Securiti", "legal"),
    "noyb.eu": ("noyb", "legal"),
    "edri.org": ("EDRi", "legal"),
    "babl.ai": ("BABL AI", "legal"),
    "techpolicy.press": ("Tech Policy Press", "legal"),
    "insurancejournal.com": ("Insurance Journal", "finance"),
    "financemagnates.com": ("Finance Magnates", "finance"),
    "paymentsjournal.com": ("PaymentsJournal", "finance"),
    "fintech.global": ("FinTech Global", "finance"),
    "fintechnews.sg": ("Fintech News Singapore", "finance"),
    "vatcalc.com": ("VATCalc", "finance"),
    "globaltaxnews.ey.com": ("EY Global Tax News", "finance"),
    "www2.deloitte.com": ("Deloitte", "finance"),
    "insights.issgovernance.com": ("ISS Governance", "finance"),
    "greencentralbanking.com": ("Green Central Banking", "finance"),
    "fashiondive.com": ("Fashion Dive", "operations"),
    "retailgazette.co.uk": ("Retail Gazette", "operations"),
    "retailtouchpoints.com": ("Retail TouchPoints", "operations"),
    "retaildetail.eu": ("RetailDetail", "operations"),
    "sourcingjournal.com": ("Sourcing Journal", "operations"),
    "supplychain247.com": ("Supply Chain 24/7", "operations"),
    "strtrade.com": ("Sandler, Travis & Rosenberg", "operations"),
    "just-style.com": ("Just Style", "operations"),
    "ecommercebytes.com": ("EcommerceBytes", "operations"),
    "esmmagazine.com": ("ESM Magazine", "operations"),
    "packaginginsights.com": ("Packaging Insights", "operations"),
    "businessoffashion.com": ("The Business of Fashion", "other"),
    "digiday.com": ("Digiday", "other"),
    "adexchanger.com": ("AdExchanger", "other"),
    "cmswire.com": ("CMSWire", "operations"),
    "diginomica.com": ("diginomica", "operations"),
    "europeanbusinessreview.com": ("The European Business Review", "other"),
    "businesstimes.com.sg": ("The Business Times", "other"),
    "business-standard.com": ("Business Standard", "other"),
    "economictimes.indiatimes.com": ("The Economic Times", "other"),
    "outlookbusiness.com": ("Outlook Business", "other"),
    "cnbc.com": ("CNBC", "other"),
    "biometricupdate.com": ("Biometric Update", "other"),
    "medianama.com": ("MediaNama", "legal"),
    "ccianet.org": ("CCIA", "legal"),
    "carnegieendowment.org": ("Carnegie Endowment", "other"),
    "impactpolicies.org": ("Impact Policies", "other"),
}


def git_show(repo: str, commit: str, path: str) -> str:
    directory = MIRROR / repo.replace("/", "+") / "repo"
    return subprocess.run(
        ["git", "-C", str(directory), "show", f"{commit}:{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def git_ls(repo: str, commit: str, prefix: str) -> list[str]:
    directory = MIRROR / repo.replace("/", "+") / "repo"
    out = subprocess.run(
        ["git", "-C", str(directory), "ls-tree", "-r", "-z", "--name-only", commit, prefix],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return sorted(p for p in out.split("\0") if p)


TAG = re.compile(r"<[^>]+>")
SPACE = re.compile(r"\s+")
PHOTO_CREDIT = re.compile(
    r"^[^.]{0,80}?/(?:Getty Images|Ikon Images|Stocksy|Unsplash|iStock|Shutterstock)\s+"
)
APPEARED_FIRST = re.compile(r"The post .* appeared first on .*$", re.S)


def clean(text: str) -> str:
    text = html.unescape(TAG.sub(" ", text or ""))
    return SPACE.sub(" ", text).strip()


# Text that a collector or paywall put where the summary should be: not the outlet's words.
NOT_A_SUMMARY = (
    re.compile(r"^Izvorni naslov/sažetak s portala .*$", re.S),
    re.compile(r"^Accessibility help Skip to navigation.*$", re.S),
)
PHOTO_CAPTION = re.compile(r"^.{0,400}?(?:Purchase Licensing Rights, opens new tab|Getty Images)\s+", re.S)


def strip_boilerplate(text: str) -> str:
    for pattern in NOT_A_SUMMARY:
        text = pattern.sub("", text)
    return PHOTO_CAPTION.sub("", text).strip()


def cut(text: str, limit: int = MAX_SUMMARY) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    if " " in head:
        head = head[: head.rindex(" ")]
    return head.rstrip(" ,;:")


def iso(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            try:
                moment = datetime.strptime(value[:16], "%a, %d %b %Y")
            except ValueError:
                return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def record(
    outlet: str,
    domain: str,
    kind: str,
    title: str,
    summary: str,
    link: str,
    published: str | None,
    origin: str,
) -> dict[str, Any]:
    return {
        "id": hashlib.sha1(link.encode("utf-8")).hexdigest()[:16],
        "outlet": outlet,
        "outlet_domain": domain,
        "outlet_kind": kind,
        "title": title,
        "summary": cut(strip_boilerplate(summary)),
        "link": link,
        "published": published,
        "origin": origin,
    }


def from_bmoricz() -> list[dict[str, Any]]:
    repo, commit = BMORICZ
    items = []
    for path in git_ls(repo, commit, "data/source_packs"):
        if not path.endswith(".json"):
            continue
        pack = json.loads(git_show(repo, commit, path))
        for entry in pack.get("items", []):
            outlet = BMORICZ_OUTLETS.get(entry.get("source", ""))
            if outlet is None or not entry.get("url"):
                continue
            summary = clean(entry.get("summary", ""))
            summary = PHOTO_CREDIT.sub("", APPEARED_FIRST.sub("", summary)).strip()
            items.append(
                record(
                    outlet[0],
                    outlet[1],
                    outlet[2],
                    clean(entry.get("title", "")),
                    summary,
                    entry["url"].strip(),
                    iso(entry.get("published")),
                    f"github:{repo}@{commit}:{path}",
                )
            )
    return items


FRONT = re.compile(r"^---\n(.*?)\n---\n", re.S)


def front_matter(text: str) -> dict[str, str]:
    match = FRONT.match(text)
    if not match:
        return {}
    fields: dict[str, str] = {}
    key = None
    for line in match.group(1).split("\n"):
        found = re.match(r"^([a-z_]+):\s?(.*)$", line)
        if found:
            key = found.group(1)
            fields[key] = found.group(2)
        elif key:
            fields[key] += "\n" + line
    for name, value in fields.items():
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        fields[name] = value.replace('\\"', '"')
    return fields


def from_plannet() -> list[dict[str, Any]]:
    repo, commit = PLANNET
    items = []
    for prefix in ("data/input/policy", "data/input/news"):
        for path in git_ls(repo, commit, prefix):
            if not path.endswith(".md"):
                continue
            meta = front_matter(git_show(repo, commit, path))
            if meta.get("language", "en") != "en" or not meta.get("url"):
                continue
            domain = re.sub(r"^https?://(www\.)?", "", meta.get("source_url", "")).rstrip("/")
            outlet = PLANNET_OUTLETS.get(domain)
            if outlet is None:
                continue
            items.append(
                record(
                    outlet[0],
                    domain,
                    outlet[1],
                    clean(meta.get("title", "")),
                    clean(meta.get("description", "")),
                    meta["url"].strip(),
                    iso(meta.get("published_date")),
                    f"github:{repo}@{commit}:{path}",
                )
            )
    return items


def from_aktual() -> list[dict[str, Any]]:
    repo, _ = AKTUAL
    directory = MIRROR / repo.replace("/", "+") / "repo"
    commits = subprocess.run(
        ["git", "-C", str(directory), "log", "--reverse", "--format=%H", AKTUAL_HEAD, "--", "data/news.json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    items = []
    seen: set[str] = set()
    for commit in commits:
        try:
            entries = json.loads(git_show(repo, commit, "data/news.json"))
        except (subprocess.CalledProcessError, json.JSONDecodeError):
            continue
        for entry in entries:
            outlet = AKTUAL_OUTLETS.get(entry.get("source", ""))
            url = (entry.get("url") or "").strip()
            if outlet is None or not url or url in seen:
                continue
            seen.add(url)
            summary = PHOTO_CREDIT.sub(
                "", APPEARED_FIRST.sub("", clean(entry.get("description", "")))
            ).strip()
            if summary == clean(entry.get("title", "")):
                summary = ""
            items.append(
                record(
                    outlet[0],
                    outlet[1],
                    outlet[2],
                    clean(entry.get("title", "")),
                    summary,
                    url,
                    iso(entry.get("published_at")),
                    f"github:{repo}@{commit}:data/news.json",
                )
            )
    return items


def title_key(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def dedupe(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    links: set[str] = set()
    titles: set[str] = set()
    unique = []
    # Newest first, so the per-outlet caps keep the most recent stories.
    for item in sorted(items, key=lambda i: i["published"] or "", reverse=True):
        link = item["link"].split("#")[0].rstrip("/")
        key = title_key(item["title"])
        if not key or link in links or key in titles:
            continue
        links.add(link)
        titles.add(key)
        unique.append(item)
    per_outlet: Counter[str] = Counter()
    others: Counter[str] = Counter()
    chosen: set[str] = set()
    for wanted_ai in (True, False):
        for item in unique:
            outlet = item["outlet"]
            mentions = bool(SAMPLE_AI.search(item["title"] + " " + item["summary"]))
            if mentions != wanted_ai or per_outlet[outlet] >= MAX_PER_OUTLET:
                continue
            if not mentions:
                if others[outlet] >= MAX_OTHER_PER_OUTLET:
                    continue
                others[outlet] += 1
            per_outlet[outlet] += 1
            chosen.add(item["id"])
    return [item for item in unique if item["id"] in chosen]


def candidates(out: Path) -> None:
    items = dedupe(from_bmoricz() + from_plannet() + from_aktual())
    with out.open("w", encoding="utf-8") as handle:
        for item in items:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{len(items)} candidates, {len({i['outlet'] for i in items})} outlets", file=sys.stderr)


def build(candidates_path: Path, labels_dir: Path, out: Path) -> None:
    """Join hand-written labels (JSONL: id, about_ai, departments, rationale) onto the candidates."""
    labels: dict[str, dict[str, Any]] = {}
    for path in sorted(labels_dir.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                labels[entry["id"]] = entry
    written = 0
    with out.open("w", encoding="utf-8") as handle:
        for line in candidates_path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            label = labels.get(item["id"])
            if label is None or label.get("skip"):
                continue
            departments = sorted(label["departments"])
            rationale = label["rationale"]
            if departments and set(rationale) != set(departments):
                raise SystemExit(f"{item['id']}: rationale keys {sorted(rationale)} != {departments}")
            if not departments and set(rationale) != {"none"}:
                raise SystemExit(f"{item['id']}: empty departments need one 'none' rationale")
            if departments and not label["about_ai"]:
                raise SystemExit(f"{item['id']}: a story not about AI gets no department")
            item.update(about_ai=label["about_ai"], departments=departments, rationale=rationale)
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
            written += 1
    print(f"{written} labelled items written", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    cand = sub.add_parser("candidates")
    cand.add_argument("out", type=Path)
    bld = sub.add_parser("build")
    bld.add_argument("candidates", type=Path)
    bld.add_argument("labels", type=Path)
    bld.add_argument("out", type=Path)
    args = parser.parse_args()
    if args.command == "candidates":
        candidates(args.out)
    else:
        build(args.candidates, args.labels, args.out)


if __name__ == "__main__":
    main()
