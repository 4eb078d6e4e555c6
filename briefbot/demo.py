"""``briefbot demo``: offline, from the bundled sample feeds, no Slack account.

The demo works in a throwaway SQLite database (never the operator's ``DATABASE_URL``): it ingests
the bundled sample feeds through the feeds package's normal parse/de-duplicate/store path, builds
the four department briefings "as of" the newest sample item (the samples are dated, so "now"
would find nothing new), prints them as readable text, and answers a couple of sample policy and
certification questions from the bundled knowledge pack.
"""

from __future__ import annotations

import calendar
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from briefbot.services import Services, make_services
from foundation.settings import Settings

SAMPLES = Path(__file__).resolve().parent.parent / "feeds" / "data" / "samples"
POLICY_QUESTIONS = ("Can I paste customer data into ChatGPT?", "Who approves a new AI tool?")
CERT_TOPIC = "legal"
RULE = "─" * 92


def samples_now(folder: Path = SAMPLES) -> datetime:
    """Just after the newest entry of the sample feeds: the moment the demo pretends it is."""
    import feedparser

    newest: datetime | None = None
    for path in sorted(folder.glob("*.xml")) + sorted(folder.glob("*.atom")):
        parsed = feedparser.parse(path.read_bytes())
        for entry in parsed.entries:
            stamp = entry.get("published_parsed") or entry.get("updated_parsed")
            if stamp:
                moment = datetime.fromtimestamp(calendar.timegm(stamp), UTC)
                newest = moment if newest is None or moment > newest else newest
    return (newest or datetime.now(UTC)) + timedelta(hours=1)


def run_demo(base: Settings, *, echo: Callable[[str], None] = click.echo) -> None:
    """Print the four sample briefings and sample lookups (see the module docstring)."""
    with tempfile.TemporaryDirectory(prefix="briefbot-demo-") as tmp:
        settings = base.model_copy(
            update={"database_url": f"sqlite:///{Path(tmp) / 'demo.db'}", "briefbot_admins": ""}
        )
        demo = make_services(settings)
        try:
            _run(demo, echo)
        finally:
            demo.close()


def _run(services: Services, echo: Callable[[str], None]) -> None:
    started = time.monotonic()
    loader = getattr(services.feeds, "load_samples", None)
    if not callable(loader):
        echo("The feeds package cannot load the sample feeds in this build; nothing to show.")
        return
    now = samples_now()
    report = loader(SAMPLES, now=now)
    totals = getattr(report, "totals", {}) or {}
    as_of = services.briefings.preview_as_of()
    echo(RULE)
    echo(
        f"briefbot demo: {totals.get('feeds', '?')} bundled sample feeds (a real week of news, offline), "
        f"{totals.get('new_items', '?')} items stored; briefings as of "
        f"{as_of:%a %d %b %Y %H:%M} UTC (the newest sample item)."
    )
    echo("Each channel would get its own department's briefing on its schedule; here are all four.")
    echo(RULE)
    for briefing in services.briefings.build_all(as_of=as_of):
        echo("")
        echo(services.briefings.render_text(briefing))
    echo("")
    echo(RULE)
    _lookups(services, echo)
    echo(RULE)
    echo(f"Done in {time.monotonic() - started:.1f} s. In Slack: /ai-brief subscribe <dept> <schedule>.")


def _lookups(services: Services, echo: Callable[[str], None]) -> None:
    knowledge: Any = services.knowledge
    answer_policy = getattr(knowledge, "policy_answer", None)
    if callable(answer_policy):
        for question in POLICY_QUESTIONS:
            answer = answer_policy(question)
            echo(f"/ai-policy {question}")
            best = getattr(answer, "best", None)
            if best is None:
                echo("   (no policy section answers this)")
            else:
                echo(f"   {best.policy_title} — {best.heading}")
                echo(f"   {_short(best.excerpt, 300)}")
                if best.url:
                    echo(f"   {best.url}")
            echo("")
    recommend = getattr(knowledge, "recommend_certs", None)
    if callable(recommend):
        answer = recommend(CERT_TOPIC)
        echo(f"/ai-certs {CERT_TOPIC}")
        picks = getattr(answer, "picks", ()) or ()
        for pick in picks[:3]:
            cert = pick.cert
            why = "; ".join(pick.reasons[:2])
            echo(f"   {cert.name} ({cert.provider}, {cert.level}){': ' + why if why else ''}")
        if not picks:
            echo("   (no certification catalogue loaded)")


def _short(text: str, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
