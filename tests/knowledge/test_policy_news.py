"""News that touches a policy: the story's link in the posted briefing, and the owners' one
message a week (however many stories, channels, runs or replicas)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from alembic import command
from click.testing import CliRunner
from sqlalchemy import func, select

from bot.client import make_web_client
from bot.delivery import SlackSink
from briefbot.cli import cli
from briefbot.services import make_services
from briefings.assembly.render import render_terminal
from briefings.delivery import ChannelPacer
from knowledge.news import iso_week
from storage.audit import Actor
from storage.models import PolicyNews, WeeklyPost
from tests.briefings.factory import NewsFactory
from tests.conftest import BotServer
from tests.mock_web_api_server import FakeSlack
from tests.mock_web_api_server.server import validate_blocks

T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday; "daily 09:00" Berlin = 08:00 UTC
SLOT = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
WEEK_LATER = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)
BIAS = (
    "New York regulators fine employer over biased AI hiring tool",
    "A bias audit of automated employment decision tools was missing.",
)
UNRELATED = (
    "HR teams share favourite AI tips for planning the office party",
    "Volunteers say chatbots helped pick a venue and a playlist.",
)
FAIRNESS = "Fairness and Bias in AI-Assisted HR Decisions"


@pytest.fixture
def svc(services: Any) -> Any:
    services.briefings.deliverer.pacer = ChannelPacer(0)
    services.briefings.clock = lambda: T0
    return services


def post_briefings(svc: Any, settings: Any) -> list[str]:
    """Two HR channels get the morning briefing with the bias story and an unrelated one."""
    news = NewsFactory(svc.db)
    feed = news.feed("HR Tech Weekly", "hr")
    seen = T0 - timedelta(hours=5)
    for title, summary in (BIAS, UNRELATED):
        news.item(feed, title, summary, published_at=seen, first_seen_at=seen)
    for channel in ("CHR1", "CHR2"):
        svc.briefings.subscribe(
            channel, "hr", "daily 09:00", timezone="Europe/Berlin", actor=Actor.slack("UADMIN"), now=T0
        )
    report = svc.briefings.tick(SlackSink(make_web_client(settings)), now=SLOT + timedelta(seconds=5))
    assert [o.status for o in report.outcomes] == ["sent", "sent"]
    return ["CHR1", "CHR2"]


def story_sections(post: Any) -> dict[str, str]:
    """Each story's section text in a posted briefing, by the start of its title."""
    texts = [b["text"]["text"] for b in post.args["blocks"] if b["type"] == "section"]
    return {t.split("|", 1)[1][:30]: t for t in texts if t.startswith("*<")}


def test_a_matching_story_links_its_section_and_an_unrelated_one_does_not(
    svc: Any, settings: Any, fake_slack: FakeSlack
) -> None:
    post_briefings(svc, settings)
    post = fake_slack.calls_to("chat.postMessage")[0]
    sections = story_sections(post)
    # The model may leave the party-planning story out altogether; if shown, it links no policy.
    bias, unrelated = sections[BIAS[0][:30]], sections.get(UNRELATED[0][:30], "")
    assert "May affect our policy:" in bias and FAIRNESS in bias
    assert "intranet.example.com/policies/hr-fairness#bias-audits" in bias
    assert "policy" not in unrelated.lower()
    assert len(json.dumps(post.args["blocks"])) < 12_000

    briefing = svc.briefings.build("hr", as_of=T0)
    terminal = render_terminal(briefing)
    assert f"May affect our policy: {FAIRNESS} — Bias audits" in terminal
    assert terminal.count("May affect our policy") == 1


def test_owners_get_one_message_a_week_however_often_the_job_runs(
    svc: Any, settings: Any, fake_slack: FakeSlack
) -> None:
    post_briefings(svc, settings)
    briefings = len(fake_slack.calls_to("chat.postMessage"))
    sent: list[tuple[str, str]] = []

    def post(destination: str, text: str) -> None:
        sent.append((destination, text))

    other = make_services(settings)  # a second replica on the same database
    try:
        first = svc.knowledge.weekly_policy_news(post, now=WEEK_LATER)
        assert svc.knowledge.weekly_policy_news(post, now=WEEK_LATER + timedelta(hours=1)) is None
        assert other.knowledge.weekly_policy_news(post, now=WEEK_LATER + timedelta(hours=2)) is None
    finally:
        other.close()
    # No owner channel and no channel in the contact: each admin gets it by DM.
    assert first is not None and [m.destination for m in first] == ["UADMIN"]
    ((destination, text),) = sent
    assert destination == "UADMIN"
    assert text.count(BIAS[0]) == 1  # posted to two channels, listed once
    assert FAIRNESS in text and UNRELATED[0] not in text
    assert len(fake_slack.calls_to("chat.postMessage")) == briefings  # the job posts only via `post`
    with svc.db.read() as session:
        assert session.scalar(select(func.count()).select_from(PolicyNews)) == 1
        assert session.scalars(select(WeeklyPost.week)).all() == [iso_week(WEEK_LATER)]
    # The next week is a new claim (and nothing new was posted, so nothing is sent then).
    assert svc.knowledge.weekly_policy_news(post, now=WEEK_LATER + timedelta(days=7)) == []


def test_two_replicas_racing_send_once(svc: Any, settings: Any) -> None:
    post_briefings(svc, settings)
    sent: list[str] = []
    replicas = [make_services(settings) for _ in range(2)]
    try:
        barrier = threading.Barrier(2)

        def run(replica: Any) -> None:
            barrier.wait()
            replica.knowledge.weekly_policy_news(lambda d, t: sent.append(d), now=WEEK_LATER)

        threads = [threading.Thread(target=run, args=(r,)) for r in replicas]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for r in replicas:
            r.close()
    assert sent == ["UADMIN"]


def test_a_failed_post_gives_the_week_back(svc: Any, settings: Any) -> None:
    post_briefings(svc, settings)

    def down(destination: str, text: str) -> None:
        raise ConnectionError("slack is down")

    assert svc.knowledge.weekly_policy_news(down, now=WEEK_LATER) == []
    sent: list[str] = []
    assert svc.knowledge.weekly_policy_news(lambda d, t: sent.append(d), now=WEEK_LATER) is not None
    assert sent == ["UADMIN"]


def test_owner_channel_gets_its_policy_and_previews_are_not_news(
    svc: Any, settings: Any, tmp_path: Path
) -> None:
    svc.briefings.build("hr", as_of=T0)  # a preview reaches nobody: not in the weekly message
    assert svc.knowledge.policy_news(days=7) == []
    post_briefings(svc, settings)
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "hr.md").write_text(
        "---\nid: hr-fairness\ntitle: HR Fairness\nowner: People team\nowner_channel: C0PEOPLE1\n---\n"
        "# HR Fairness\n\n## Bias audits\n\nAutomated employment decision tools need a bias audit.\n",
        encoding="utf-8",
    )
    svc.knowledge.import_path(pack)
    sent: list[tuple[str, str]] = []
    svc.knowledge.send_policy_news(lambda d, t: sent.append((d, t)), days=30)
    assert [d for d, _t in sent] == ["C0PEOPLE1"]


def test_weekly_gaps_digest_is_claimed_too(svc: Any) -> None:
    svc.knowledge.policy_answer("how do I reset my VPN password")
    sent: list[str] = []
    svc.knowledge.weekly_gaps_digest(lambda d, t: sent.append(d))
    assert svc.knowledge.weekly_gaps_digest(lambda d, t: sent.append(d)) is None
    assert sent == ["UADMIN"]


def test_jobs_are_scheduled_weekly(svc: Any) -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(timezone=UTC)
    svc.knowledge.schedule(scheduler, lambda d, t: None)
    assert {j.id for j in scheduler.get_jobs()} == {"knowledge-gaps-digest", "knowledge-policy-news"}


def test_cli_lists_and_sends(svc: Any, settings: Any, fake_slack: FakeSlack, db_url: str) -> None:
    post_briefings(svc, settings)
    env = {
        "DATABASE_URL": db_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": fake_slack.url,
        "BRIEFBOT_ADMINS": "UADMIN",
        "BRIEFBOT_POLICY_CONTACT": "People <#C0PEOPLE9>",
    }
    runner = CliRunner()
    listing = runner.invoke(cli, ["knowledge", "policy-news", "--days", "30"], env=env)
    assert listing.exit_code == 0, listing.output
    assert f"{FAIRNESS} — Bias audits" in listing.stdout and BIAS[0] in listing.stdout
    before = len(fake_slack.calls_to("chat.postMessage"))
    sent = runner.invoke(cli, ["knowledge", "policy-news", "--days", "30", "--send", "--json"], env=env)
    assert sent.exit_code == 0, sent.output
    data = json.loads(sent.stdout)
    assert data["sent"][0]["destination"] == "C0PEOPLE9" and len(data["stories"]) == 1
    (post,) = fake_slack.calls_to("chat.postMessage")[before:]
    assert post.args["channel"] == "C0PEOPLE9" and BIAS[0] in post.args["text"]


def test_migration_upgrades_a_populated_database(svc: Any, settings: Any) -> None:
    post_briefings(svc, settings)
    command.downgrade(svc.db.alembic_config(), "0007_items_dated")
    svc.db.upgrade()
    with svc.db.read() as session:
        assert session.scalar(select(func.count()).select_from(PolicyNews)) == 0
    sent: list[str] = []
    svc.knowledge.weekly_policy_news(lambda d, t: sent.append(d), now=WEEK_LATER)
    assert sent == []  # nothing linked since the upgrade; the briefings' tables survived


def test_story_links_are_strict_on_the_labelled_headlines(svc: Any) -> None:
    """The issue's examples link; general AI news never does, and only a minority of the
    department headlines (the ones about a policy's subject) get a link at all."""
    knowledge = svc.knowledge
    eu = knowledge.story_policy_section(
        "EU AI Act: obligations for general-purpose AI models apply from August. Providers of "
        "general-purpose AI models must publish training data summaries and the AI Office will "
        "enforce the deadline."
    )
    assert eu is not None and eu.policy_id == "ai-governance"
    bias = knowledge.story_policy_section(" ".join(BIAS))
    assert bias is not None and bias.policy_id == "hr-fairness"
    headlines = yaml.safe_load(
        (Path(__file__).resolve().parents[1] / "data" / "ranking_headlines.yaml").read_text(encoding="utf-8")
    )
    linked = {
        h["title"]: hit.policy_id
        for h in headlines
        if (hit := knowledge.story_policy_section(f"{h['title']} {h['summary']}")) is not None
    }
    general = {h["title"] for h in headlines if h["department"] == "none"}
    assert general and not general & set(linked)
    assert 8 <= len(linked) <= len(headlines) // 5
    assert linked["Prompt injection hijacks retailer's support bot; rollout paused"] == "ai-security"


def test_signed_preview_shows_the_link_within_block_kit_limits(
    bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    services = bot_server.services
    services.briefings.clock = lambda: T0
    news = NewsFactory(services.db)
    feed = news.feed("HR Tech Weekly", "hr")
    for title, summary in (BIAS, UNRELATED):
        news.item(feed, title, summary, published_at=T0 - timedelta(hours=2))
    ack = bot_server.slack.command("/ai-brief", "now hr", user_id="UADMIN", channel_id="CHR1")
    assert ack.status_code == 200
    answer = fake_slack.wait_for("response_url", count=1, timeout=10)
    blocks = answer.args["blocks"]
    assert validate_blocks(blocks) == []
    sections = story_sections(answer)
    assert "May affect our policy:" in sections[BIAS[0][:30]]
    assert "policy" not in sections.get(UNRELATED[0][:30], "").lower()
    assert services.knowledge.policy_news(days=30) == []  # a preview is nobody's news
