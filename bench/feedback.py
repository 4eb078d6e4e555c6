"""Simulation: story feedback shapes one channel's briefings, and only that channel's.

Two channels get the same Legal briefing (5 stories) on four days, through the real delivery path
(claim, build, post to the fake Slack Web API, channel memory). Each day brings 8 new copyright
lawsuit stories (which score higher for Legal) and 8 new EU AI Act stories. In channel CVOTES two
users vote every lawsuit story of briefings 1-3 "not useful"; channel CCONTROL never votes.

Targets: the fourth CVOTES briefing has fewer lawsuit stories than CCONTROL's (and than its own
first); every briefing has the usual 5 stories (votes never shrink a briefing).

Run:  .venv/bin/python bench/feedback.py
"""

from __future__ import annotations

import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.client import make_web_client  # noqa: E402
from bot.delivery import SlackSink  # noqa: E402
from briefbot.services import make_services  # noqa: E402
from briefings.delivery import ChannelPacer  # noqa: E402
from foundation.settings import Settings  # noqa: E402
from storage.audit import Actor  # noqa: E402
from tests.briefings.factory import NewsFactory  # noqa: E402
from tests.mock_web_api_server import FakeSlack  # noqa: E402

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TOP = 5
PLAINTIFFS = "authors publishers musicians photographers illustrators coders actors poets novelists "
PLAINTIFFS += "newspapers labels studios archives museums broadcasters translators"
DEFENDANTS = "startup lab vendor platform giant app service marketplace"
WORKS = "novels songs photos drawings code scripts poems films lyrics articles voices maps"
ORGS = "banks insurers hospitals retailers airlines carmakers telcos utilities universities councils"
DUTIES = "conformity logging transparency oversight registration testing documentation audits"
VERBS = "draft publish debate fund delay review announce staff rethink outsource"
NOUNS = "playbooks budgets teams timelines reports pilots roadmaps checklists policies frameworks"


def _news(rng: random.Random, day: int) -> list[tuple[str, str, bool]]:
    """(title, summary, is a lawsuit story) for one day: 8 of each kind, all distinct."""
    out = []
    people = rng.sample(PLAINTIFFS.split(), 8)
    works = rng.choices(WORKS.split(), k=8)
    for i in range(8):
        who, what = people[i], works[i]
        title = f"{who.capitalize()} sue {rng.choice(DEFENDANTS.split())} in copyright lawsuit over {what}"
        out.append((title, f"Damages and fines sought by {who}.", True))
    orgs = rng.sample(ORGS.split(), 8)
    for i in range(8):
        duty, verb, noun = (rng.choice(words.split()) for words in (DUTIES, VERBS, NOUNS))
        out.append((f"{orgs[i].capitalize()} {verb} EU AI Act {duty} {noun}", "", False))
    return out


def _posted_stories(fake: FakeSlack, channel: str) -> list[tuple[str, str]]:
    """(title mrkdwn, button value) of the last briefing posted to ``channel``."""
    call = [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == channel][-1]
    blocks = call.args["blocks"]
    out = []
    for i, block in enumerate(blocks):
        if block["type"] == "actions" and block["elements"][1]["action_id"] == "story_not_useful":
            out.append((blocks[i - 2]["text"]["text"], block["elements"][1]["value"]))
    return out


def simulate(url: str, fake: FakeSlack) -> dict[str, list[tuple[int, int]]]:
    """Per channel, (stories, lawsuit stories) of each of the four briefings."""
    settings = Settings(database_url=url, slack_bot_token="xoxb-bench", slack_api_url=fake.url)
    services = make_services(settings)
    services.db.upgrade()
    services.briefings.deliverer.pacer = ChannelPacer(0)
    client = make_web_client(settings)
    news = NewsFactory(services.db)
    rng = random.Random(7)
    counts: dict[str, list[tuple[int, int]]] = {"CVOTES": [], "CCONTROL": []}
    try:
        for day in range(4):
            now = T0 + timedelta(days=day)
            services.briefings.clock = lambda now=now: now  # type: ignore[misc]
            for n, (title, summary, _) in enumerate(_news(rng, day)):
                feed = news.feed(f"Outlet {day}-{n}", "legal")
                seen = now - timedelta(hours=1)
                news.item(feed, title, summary, published_at=seen - timedelta(hours=1), first_seen_at=seen)
            for channel in counts:
                services.briefings.send_now(SlackSink(client), channel, "legal", actor=Actor.cli(), now=now)
                shown = _posted_stories(fake, channel)
                counts[channel].append((len(shown), sum("copyright lawsuit" in t for t, _ in shown)))
                if channel == "CVOTES" and day < 3:
                    for user in ("U1", "U2"):
                        for title, value in shown:
                            if "copyright lawsuit" in title:
                                services.briefings.feedback.vote(channel, value, user_id=user, useful=False)
    finally:
        services.close()
    return counts


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-feedback-") as tmp, FakeSlack() as fake:
        counts = simulate(f"sqlite:///{Path(tmp) / 'bench.db'}", fake)
    for channel, rows in counts.items():
        shown = ", ".join(f"{lawsuits}/{n}" for n, lawsuits in rows)
        print(f"{channel:<9} lawsuit stories per briefing (of stories shown): {shown}")
    voted, control = counts["CVOTES"], counts["CCONTROL"]
    fewer = voted[3][1] < control[3][1] and voted[3][1] < voted[0][1]
    full = all(n == TOP for rows in counts.values() for n, _ in rows)
    print(
        f"fourth briefing: {voted[3][1]} lawsuit stories in CVOTES vs {control[3][1]} in CCONTROL "
        f"(target: fewer) -> {'ok' if fewer else 'MISSED'}"
    )
    print(
        f"every briefing has {TOP} stories (target: never shorter because of votes) -> "
        f"{'ok' if full else 'MISSED'}"
    )
    return 0 if fewer and full else 1


if __name__ == "__main__":
    raise SystemExit(main())
