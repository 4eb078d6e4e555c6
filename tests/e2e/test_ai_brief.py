"""/ai-brief end to end: signed slash commands into the real Bolt app over HTTP, answers via the
response URL, scheduled posts to the fake Slack Web API driven by an injected clock."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.client import make_web_client
from bot.delivery import SlackSink
from briefbot.services import make_services
from briefings.delivery import ChannelPacer
from foundation.errors import BriefbotError
from storage.audit import Actor, recent
from tests.briefings.factory import NewsFactory
from tests.conftest import BotServer
from tests.mock_web_api_server import FakeSlack
from tests.mock_web_api_server.server import validate_blocks

T0 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin
SLOT1 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # "weekdays 09:00" Europe/Berlin
SLOT2 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
SLOT3 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


@pytest.fixture
def bot(bot_server: BotServer, fake_slack: FakeSlack) -> BotServer:
    services = bot_server.services
    services.briefings.clock = lambda: T0
    services.briefings.deliverer.pacer = ChannelPacer(0)
    fake_slack.users["UADMIN"] = {"tz": "Europe/Berlin"}
    fake_slack.users["UREADER"] = {"tz": "America/New_York"}
    return bot_server


def command(
    bot: BotServer, fake: FakeSlack, text: str, *, user: str = "UADMIN", channel: str = "CLEGAL"
) -> Any:
    """Send a signed /ai-brief and return the answer posted to the response URL."""
    before = len(fake.calls_to("response_url"))
    started = time.monotonic()
    ack = bot.slack.command("/ai-brief", text, user_id=user, channel_id=channel)
    assert ack.status_code == 200
    assert time.monotonic() - started < 3.0
    return fake.wait_for("response_url", count=before + 1, timeout=10)


def posts(fake: FakeSlack, channel: str) -> list[Any]:
    return [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == channel]


def test_subscribe_then_scheduled_post_restart_429_and_channel_not_found(
    bot: BotServer, fake_slack: FakeSlack, settings: Any
) -> None:
    services = bot.services
    news = NewsFactory(services.db)
    feed = news.feed("Regulation Watch", "legal")
    news.item(
        feed,
        "EU AI Act fines begin",
        "Regulators fined a chatbot maker under the GDPR.",
        published_at=T0 - timedelta(hours=3),
    )

    answer = command(bot, fake_slack, "subscribe compliance weekdays 09:00")
    text = answer.args["text"]
    assert answer.args["response_type"] == "in_channel"
    assert "*Legal* AI briefing: `weekdays 09:00` (Europe/Berlin)" in text  # the subscriber's Slack tz
    assert "Next one: Mon 23 Nov 09:00 CET" in text

    status = command(bot, fake_slack, "status")
    assert status.args["response_type"] == "ephemeral"
    assert "*Legal*: `weekdays 09:00` (Europe/Berlin); next Mon 23 Nov 09:00 CET" in status.args["text"]

    client = make_web_client(settings)
    report = services.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(seconds=3))
    assert [o.status for o in report.outcomes] == ["sent"]
    (post,) = posts(fake_slack, "CLEGAL")
    assert "EU AI Act fines begin" in json.dumps(post.args["blocks"])
    assert "Why it matters to Legal" in json.dumps(post.args["blocks"])

    # A restarted bot (new services on the same database) does not post the slot again.
    restarted = make_services(settings)
    try:
        assert restarted.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(minutes=1)).outcomes == ()
    finally:
        restarted.close()
    assert len(posts(fake_slack, "CLEGAL")) == 1

    # Next day Slack answers 429 once: the client waits Retry-After and posts once.
    news.item(
        feed,
        "Court sanctions lawyers over hallucinated citations",
        "A judge fined two lawyers who cited cases invented by ChatGPT.",
        published_at=SLOT1 + timedelta(hours=2),
    )
    fake_slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    assert [o.status for o in services.briefings.tick(SlackSink(client), now=SLOT2).outcomes] == ["sent"]
    day2 = posts(fake_slack, "CLEGAL")
    assert len(day2) == 2 and len(fake_slack.calls_to("chat.postMessage!429")) == 1
    assert "hallucinated citations" in json.dumps(day2[1].args["blocks"])
    assert "EU AI Act fines begin" not in json.dumps(day2[1].args["blocks"])  # per-channel memory

    # The channel is deleted: the subscription pauses, the admin is told, status says so.
    fake_slack.fail("chat.postMessage", "channel_not_found", times=1)
    assert [o.status for o in services.briefings.tick(SlackSink(client), now=SLOT3).outcomes] == ["paused"]
    dm = [c for c in fake_slack.calls_to("chat.postMessage") if c.args["channel"] == "DUADMIN"]
    assert len(dm) == 1 and "channel_not_found" in dm[0].args["text"]
    assert "`/invite @AI Briefings`" in dm[0].args["text"]  # the app's name in Slack
    assert "run `/ai-brief resume legal` in the channel" in dm[0].args["text"]
    paused = command(bot, fake_slack, "status")
    assert "*paused*" in paused.args["text"] and "channel_not_found" in paused.args["text"]
    assert "Resume with `/ai-brief resume legal`" in paused.args["text"]
    assert services.briefings.tick(SlackSink(client), now=SLOT3 + timedelta(days=1)).outcomes == ()

    # Re-subscribing with the same settings changes nothing, and says how to resume.
    same = command(bot, fake_slack, "subscribe legal weekdays 09:00")
    assert same.args["response_type"] == "ephemeral"
    assert "Nothing to change" in same.args["text"] and "`/ai-brief resume legal`" in same.args["text"]
    assert services.briefings.subscriptions("CLEGAL")[0].status == "paused"
    resumed = command(bot, fake_slack, "resume")
    assert resumed.args["response_type"] == "in_channel"
    assert (
        "resumed this channel's *Legal* AI briefing: `weekdays 09:00` (Europe/Berlin)" in resumed.args["text"]
    )
    assert services.briefings.subscriptions("CLEGAL")[0].status == "active"


def test_anyone_may_subscribe_their_channel_by_default(bot: BotServer, fake_slack: FakeSlack) -> None:
    ok = command(bot, fake_slack, "subscribe legal daily 09:00", user="UREADER")
    assert "subscribed this channel to the *Legal* AI briefing: `daily 09:00`" in ok.args["text"]
    assert [s.department for s in bot.services.briefings.subscriptions("CLEGAL")] == ["legal"]


def test_non_admin_cannot_change_subscriptions_when_restricted(bot: BotServer, fake_slack: FakeSlack) -> None:
    bot.services.settings.briefbot_subscribe_admins_only = True
    # The refusal travels in the ack itself (the check runs in the ack path) and is audited.
    refused = bot.slack.command(
        "/ai-brief", "subscribe legal daily 09:00", user_id="UREADER", channel_id="CLEGAL"
    )
    assert refused.status_code == 200 and "only briefing admins" in refused.json()["text"]
    assert bot.services.briefings.subscriptions("CLEGAL") == []
    with bot.services.db.read() as session:
        audit = recent(session, limit=1)[0]
    detail = {"surface": "slash_command", "reason": "not an admin"}
    assert (audit.actor, audit.action, audit.detail) == ("UREADER", "refused", detail)
    assert audit.target == "/ai-brief subscribe legal daily 09:00"
    status = command(bot, fake_slack, "status", user="UREADER")
    assert "gets no AI briefings yet" in status.args["text"]
    fake_slack.users["UWSADMIN"] = {"is_admin": True}  # workspace admins may too
    ok = command(bot, fake_slack, "subscribe hr daily 10:00", user="UWSADMIN")
    assert "*HR* AI briefing: `daily 10:00` (UTC)" in ok.args["text"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("subscribe legal every morning", "can't read the schedule"),
        ("subscribe legal daily 9am", "not a time of day"),
        ("subscribe legal * * * * *", "more than once an hour"),
        ("subscribe legal daily 09:00 Mars/Olympus", "Unknown timezone"),
        ("subscribe marketing daily 09:00", "Unknown department 'marketing'"),
        ("subscribe", "Which department?"),
        ("unsubscribe", "This channel has no briefings"),
        ("now", "Which department?"),
        ("now <!channel>", "Unknown department '&lt;!channel&gt;'"),
    ],
)
def test_bad_input_gets_a_clear_private_answer(
    bot: BotServer, fake_slack: FakeSlack, text: str, words: str
) -> None:
    answer = command(bot, fake_slack, text)
    assert answer.args["response_type"] == "ephemeral"
    assert words in answer.args["text"]
    assert "Traceback" not in answer.args["text"]
    if words in ("can't read the schedule", "not a time of day", "more than once an hour"):
        assert "`weekly mon 09:00`" in answer.args["text"]
    assert "<!channel>" not in answer.args["text"]


def test_timezone_can_be_given_in_the_command(bot: BotServer, fake_slack: FakeSlack) -> None:
    answer = command(bot, fake_slack, "subscribe ops weekly fri 16:00 Asia/Tokyo", channel="COPS")
    assert "*Operations* AI briefing: `weekly fri 16:00` (Asia/Tokyo)" in answer.args["text"]
    (sub,) = bot.services.briefings.subscriptions("COPS")
    assert (sub.cron, sub.timezone) == ("0 16 * * fri", "Asia/Tokyo")


def test_unsubscribe_needs_a_department_when_the_channel_has_several(
    bot: BotServer, fake_slack: FakeSlack
) -> None:
    command(bot, fake_slack, "subscribe legal daily 09:00", channel="CMIX")
    command(bot, fake_slack, "subscribe hr daily 09:00", channel="CMIX")
    which = command(bot, fake_slack, "unsubscribe", channel="CMIX")
    assert "legal and hr" in which.args["text"]
    gone = command(bot, fake_slack, "unsubscribe people", channel="CMIX")
    assert "stopped the *HR* AI briefing" in gone.args["text"]
    assert [s.department for s in bot.services.briefings.subscriptions("CMIX")] == ["legal"]


def test_preview_is_private_and_renders_a_hostile_item_harmlessly(
    bot: BotServer, fake_slack: FakeSlack
) -> None:
    news = NewsFactory(bot.services.db)
    feed = news.feed("<!here> Feed", "legal")
    news.item(
        feed,
        "<!channel> GDPR fine as privacy regulator fines AI chatbot maker over training data <@U12345> "
        + "A" * 5000,
        "Click <https://evil.example|here> & " + "b" * 3000,
        link="javascript:alert(1)",
        published_at=T0 - timedelta(hours=1),
    )
    news.item(
        feed,
        "EU AI Act transparency obligations start",
        "Providers must label deepfakes.",
        published_at=T0 - timedelta(hours=2),
    )
    answer = command(bot, fake_slack, "now legal", user="UREADER")
    assert answer.args["response_type"] == "ephemeral"
    blocks = answer.args["blocks"]
    assert validate_blocks(blocks) == []
    raw = json.dumps(blocks) + answer.args["text"]
    for control in ("<!channel>", "<!here>", "<@U12345>", "<https://evil", "javascript:"):
        assert control not in raw
    assert "&lt;!channel&gt; GDPR fine" in raw
    assert "Preview" in json.dumps(blocks[1])
    assert "Tue 24 Nov" not in blocks[0]["text"]["text"]  # dated in the caller's timezone (New York)
    assert "Mon 23 Nov 2026" in blocks[0]["text"]["text"]
    assert fake_slack.calls_to("chat.postMessage") == []  # nothing was posted to the channel


def test_now_without_department_uses_the_channels_subscription(bot: BotServer, fake_slack: FakeSlack) -> None:
    command(bot, fake_slack, "subscribe finance daily 08:00", channel="CFIN")
    answer = command(bot, fake_slack, "now", channel="CFIN")
    assert answer.args["blocks"][0]["text"]["text"].startswith("Finance AI briefing")


def stored(bot: BotServer, channel: str = "CLEGAL") -> Any:
    (sub,) = bot.services.briefings.subscriptions(channel)
    return sub


def test_top_and_quiet_flags_set_on_create_and_change_alone(bot: BotServer, fake_slack: FakeSlack) -> None:
    created = command(bot, fake_slack, "subscribe legal weekdays 09:00 Europe/Berlin --top 3 --quiet skip")
    assert created.args["response_type"] == "in_channel"
    assert (
        "subscribed this channel to the *Legal* AI briefing: `weekdays 09:00` (Europe/Berlin), "
        "3 stories per briefing, quiet weeks skipped. Next one: Mon 23 Nov 09:00 CET"
    ) in created.args["text"]
    sub = stored(bot)
    assert (sub.schedule, sub.timezone, sub.top_n, sub.quiet_mode) == (
        "weekdays 09:00",
        "Europe/Berlin",
        3,
        "skip",
    )

    # Flags alone, from someone in another timezone: only the stories per briefing change.
    changed = command(bot, fake_slack, "subscribe legal --top 7", user="UREADER")
    assert (
        "changed this channel's *Legal* AI briefing: 7 stories per briefing (was 3). "
        "Unchanged: schedule `weekdays 09:00` (Europe/Berlin), quiet weeks skipped. Next one: Mon 23 Nov"
    ) in changed.args["text"]
    after = stored(bot)
    assert (after.id, after.schedule, after.cron, after.timezone, after.top_n, after.quiet_mode) == (
        sub.id,
        sub.schedule,
        sub.cron,
        "Europe/Berlin",
        7,
        "skip",
    )
    assert after.next_run == sub.next_run

    # What Slack on macOS makes of "--": an em dash; an en dash and `=` work too; flags go anywhere.
    command(bot, fake_slack, "subscribe legal —quiet post")
    assert (stored(bot).top_n, stored(bot).quiet_mode) == (7, "post")
    one = command(bot, fake_slack, "subscribe –top=1 legal")
    assert "1 story per briefing (was 7)" in one.args["text"]
    assert "Unchanged: schedule `weekdays 09:00` (Europe/Berlin), quiet weeks posted" in one.args["text"]
    command(bot, fake_slack, "subscribe legal —top 4 daily 07:30 —quiet “skip”")
    sub = stored(bot)
    assert (sub.schedule, sub.timezone, sub.top_n, sub.quiet_mode) == (
        "daily 07:30",
        "Europe/Berlin",
        4,
        "skip",
    )

    status = command(bot, fake_slack, "status")
    assert (
        "*Legal*: `daily 07:30` (Europe/Berlin); next Tue 24 Nov 07:30 CET; "
        "4 stories per briefing, quiet weeks skipped."
    ) in status.args["text"]

    with bot.services.db.read() as session:
        last = recent(session, limit=1)[0]
    assert last.action == "subscription.update"
    assert (last.detail["top_n"], last.detail["before"]["top_n"]) == (4, 1)


def test_subscribe_without_schedule_keeps_it_and_a_paused_one_stays_paused_and_a_manual_one_is_scheduled(
    bot: BotServer, fake_slack: FakeSlack, settings: Any
) -> None:
    command(bot, fake_slack, "subscribe hr weekly fri 16:00 Asia/Tokyo", channel="CHR")
    bot.services.briefings.set_paused(stored(bot, "CHR").id, paused=True, actor=Actor.cli())
    kept = command(bot, fake_slack, "subscribe people --top 3", channel="CHR")
    assert "*HR* AI briefing: 3 stories per briefing (was 5)" in kept.args["text"]
    assert "Unchanged: schedule `weekly fri 16:00` (Asia/Tokyo)" in kept.args["text"]
    assert (
        "It stays *paused* (paused by an admin): resume it with `/ai-brief resume hr`." in kept.args["text"]
    )
    assert stored(bot, "CHR").status == "paused"
    command(bot, fake_slack, "resume people", channel="CHR")
    assert stored(bot, "CHR").status == "active"
    # Only a timezone: the schedule stays, read in the new zone.
    moved = command(bot, fake_slack, "subscribe hr Europe/Berlin", channel="CHR")
    assert (stored(bot, "CHR").schedule, stored(bot, "CHR").timezone) == ("weekly fri 16:00", "Europe/Berlin")
    assert (
        "time zone changed to Europe/Berlin (was Asia/Tokyo; `weekly fri 16:00` unchanged)"
        in moved.args["text"]
    )

    # A channel that only had one-off sends has no schedule to keep: the default, in the caller's zone.
    bot.services.briefings.send_now(SlackSink(make_web_client(settings)), "COPS", "ops", actor=Actor.cli())
    command(bot, fake_slack, "subscribe ops --top 2", channel="COPS", user="UREADER")
    sub = stored(bot, "COPS")
    assert (sub.status, sub.schedule, sub.timezone, sub.top_n) == (
        "active",
        "weekdays 09:00",
        "America/New_York",
        2,
    )


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        ("--top 0", "A briefing shows 1 to 10 stories (e.g. `--top 3`), not '0'."),
        ("--top 99", "1 to 10 stories"),
        ("—top abc", "1 to 10 stories (e.g. `--top 3`), not 'abc'."),
        ("--top -2", "1 to 10 stories"),
        ("--top=", "`--top` needs a value: a number of stories from 1 to 10"),
        (
            "--quiet loud",
            "either posted as a short note (`--quiet post`) or skipped (`--quiet skip`), not 'loud'",
        ),
        ("--quiet", "`--quiet` needs a value: `post` or `skip`."),
        ("--top --quiet skip", "`--top` needs a value"),
        ("--stories 3", "I don't know the option '--stories'; the options are `--top N`"),
    ],
)
def test_bad_flag_values_are_refused_and_nothing_changes(
    bot: BotServer, fake_slack: FakeSlack, flags: str, words: str
) -> None:
    command(bot, fake_slack, "subscribe legal weekdays 09:00 --top 3 --quiet skip")
    before = stored(bot)
    refused = command(bot, fake_slack, f"subscribe legal daily 07:00 Asia/Tokyo {flags}")
    assert refused.args["response_type"] == "ephemeral"
    assert words in refused.args["text"]
    assert "\n" not in refused.args["text"]
    assert stored(bot) == before
    # Nor is a new subscription half-made.
    new = command(bot, fake_slack, f"subscribe hr {flags}", channel="CHR")
    assert new.args["response_type"] == "ephemeral" and words in new.args["text"]
    assert bot.services.briefings.subscriptions("CHR") == []


def test_delivered_briefing_honours_top(bot: BotServer, fake_slack: FakeSlack, settings: Any) -> None:
    news = NewsFactory(bot.services.db)
    headlines = [
        (
            "Regulation Watch",
            "EU AI Act fines begin for chatbot makers",
            "Regulators fined a vendor under GDPR.",
        ),
        (
            "Regulation Watch",
            "Court sanctions lawyers over hallucinated citations",
            "A judge fined two lawyers.",
        ),
        (
            "Privacy Daily",
            "Data protection authority opens probe into model training",
            "GDPR complaint filed.",
        ),
        (
            "Privacy Daily",
            "Copyright lawsuit over training data goes to trial",
            "Authors sue for infringement.",
        ),
        (
            "Legal Tech",
            "Contract review tools face new disclosure rules",
            "Compliance obligations for vendors.",
        ),
        ("Legal Tech", "Regulator publishes guidance on AI liability", "Liability and compliance guidance."),
    ]
    feeds: dict[str, int] = {}
    for source, title, summary in headlines:
        feed = feeds.setdefault(source, news.feed(source, "legal"))
        news.item(feed, title, summary, published_at=T0 - timedelta(hours=3))
    answer = command(bot, fake_slack, "subscribe legal weekdays 09:00 —top 3")
    assert "3 stories per briefing" in answer.args["text"]

    report = bot.services.briefings.tick(
        SlackSink(make_web_client(settings)), now=SLOT1 + timedelta(seconds=3)
    )
    assert [o.status for o in report.outcomes] == ["sent"]
    (post,) = posts(fake_slack, "CLEGAL")
    blocks = post.args["blocks"]
    assert validate_blocks(blocks) == []
    shown = [title for _, title, _ in headlines if title in json.dumps(blocks)]
    assert len(shown) == 3
    assert "the 3 most relevant of 6, each with why" in json.dumps(blocks)  # the first: a catch-up


def test_a_dead_token_tells_the_admins_once_and_status_shows_the_failure(
    bot: BotServer, fake_slack: FakeSlack, settings: Any
) -> None:
    services = bot.services
    command(bot, fake_slack, "subscribe legal weekdays 09:00")
    client = make_web_client(settings)
    for minutes in (0, 1, 2):  # three scheduled attempts, each refused: the token is revoked
        fake_slack.fail("chat.postMessage", "invalid_auth")
        report = services.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(minutes=minutes))
        assert [o.status for o in report.outcomes] == ["failed"]
    (dm,) = posts(fake_slack, "DUADMIN")  # once, not once per attempt
    assert "invalid_auth" in dm.args["text"] and "SLACK_BOT_TOKEN" in dm.args["text"]
    assert posts(fake_slack, "CLEGAL") == []

    status = command(bot, fake_slack, "status").args["text"]
    assert ":warning: the last delivery failed Mon 23 Nov 09:02 CET: invalid_auth" in status

    # A new token: the retry gets through, the warning goes, and a later breakage is news again.
    report = services.briefings.tick(SlackSink(client), now=SLOT1 + timedelta(minutes=10))
    assert [o.status for o in report.outcomes] == ["sent"]
    assert "last delivery failed" not in command(bot, fake_slack, "status").args["text"]
    fake_slack.fail("chat.postMessage", "token_revoked")
    services.briefings.tick(SlackSink(client), now=SLOT2)
    assert len(posts(fake_slack, "DUADMIN")) == 2


def test_a_failed_one_off_send_leaves_nothing_in_status(
    bot: BotServer, fake_slack: FakeSlack, settings: Any
) -> None:
    services = bot.services
    fake_slack.fail("chat.postMessage", "not_in_channel")
    with pytest.raises(BriefbotError, match="not_in_channel"):
        services.briefings.send_now(
            SlackSink(make_web_client(settings)), "CLEGAL", "legal", actor=Actor.cli(), now=T0
        )
    status = command(bot, fake_slack, "status").args["text"]
    assert "This channel gets no AI briefings yet" in status and "one-off" not in status


def test_preview_says_what_it_held_back_and_includes_it_on_request(
    bot: BotServer, fake_slack: FakeSlack
) -> None:
    news = NewsFactory(bot.services.db)
    feed = news.feed("New Reg Feed", "legal")
    seen = T0 - timedelta(hours=1)
    for n in range(3):  # undated: "published" when fetched, which says nothing about the news
        title = f"EU AI Act fines for GDPR breach number {n}"
        news.item(feed, title, published_at=seen, first_seen_at=seen, is_backlog=True, dated=False)
    answer = command(bot, fake_slack, "now legal")
    raw = json.dumps(answer.args["blocks"]) + answer.args["text"]
    assert "GDPR breach number" not in raw
    assert "3 items of newly added or resumed Legal feeds are held back as backlog" in raw
    assert "/ai-brief now legal --include-backlog" in raw
    answer = command(bot, fake_slack, "now legal \u2014include-backlog")  # Slack's em dash for "--"
    raw = json.dumps(answer.args["blocks"]) + answer.args["text"]
    assert "GDPR breach number" in raw and "held back" not in raw
    assert validate_blocks(answer.args["blocks"]) == []


def test_changing_only_the_schedule_keeps_the_channels_time_zone_and_says_so(
    bot: BotServer, fake_slack: FakeSlack
) -> None:
    command(bot, fake_slack, "subscribe legal weekdays 09:00 --top 3")  # UADMIN: Europe/Berlin
    before = stored(bot)
    # Someone in New York changes only the schedule: the channel stays on Berlin time.
    answer = command(bot, fake_slack, "subscribe legal weekly fri 16:00", user="UREADER")
    text = answer.args["text"]
    assert answer.args["response_type"] == "in_channel"
    assert (
        "<@UREADER> changed this channel's *Legal* AI briefing: schedule changed to `weekly fri 16:00` "
        "(Europe/Berlin, unchanged). Unchanged: 3 stories per briefing, quiet weeks posted as a short note. "
        "Next one: Fri 27 Nov 16:00 CET."
    ) in text
    assert "the *Legal*" not in text and "'s the" not in text
    after = stored(bot)
    assert (after.id, after.schedule, after.timezone, after.top_n) == (
        before.id,
        "weekly fri 16:00",
        "Europe/Berlin",
        3,
    )
    # A new subscription still gets the caller's zone.
    command(bot, fake_slack, "subscribe hr daily 08:00", user="UREADER", channel="CHR")
    assert stored(bot, "CHR").timezone == "America/New_York"
    # A zone given with the schedule is a change, and the reply says what it was.
    moved = command(bot, fake_slack, "subscribe legal daily 07:00 Asia/Tokyo")
    assert "schedule changed to `daily 07:00` (Asia/Tokyo, was Europe/Berlin)" in moved.args["text"]


def test_pause_and_resume_in_slack_and_a_change_keeps_a_paused_briefing_paused(
    bot: BotServer, fake_slack: FakeSlack
) -> None:
    command(bot, fake_slack, "subscribe legal weekdays 09:00")
    command(bot, fake_slack, "subscribe finance daily 08:00")
    which = command(bot, fake_slack, "pause")
    assert "say which one, e.g. `/ai-brief pause finance`" in which.args["text"]
    paused = command(bot, fake_slack, "pause legal")
    assert paused.args["response_type"] == "in_channel"
    assert "<@UADMIN> paused this channel's *Legal* AI briefing" in paused.args["text"]
    assert "`/ai-brief resume legal` starts it again" in paused.args["text"]
    legal = next(s for s in bot.services.briefings.subscriptions("CLEGAL") if s.department == "legal")
    assert legal.status == "paused"

    changed = command(bot, fake_slack, "subscribe legal daily 10:00")
    assert "schedule changed to `daily 10:00` (Europe/Berlin, unchanged)" in changed.args["text"]
    assert "It stays *paused*" in changed.args["text"] and "Next one" not in changed.args["text"]
    legal = next(s for s in bot.services.briefings.subscriptions("CLEGAL") if s.department == "legal")
    assert (legal.status, legal.schedule) == ("paused", "daily 10:00")

    again = command(bot, fake_slack, "pause legal")
    assert again.args["response_type"] == "ephemeral" and "already paused" in again.args["text"]
    resumed = command(bot, fake_slack, "resume legal")
    assert "resumed this channel's *Legal* AI briefing: `daily 10:00` (Europe/Berlin)" in resumed.args["text"]
    assert "Next one: Mon 23 Nov 10:00 CET" in resumed.args["text"]
    with bot.services.db.read() as session:
        assert [a.action for a in recent(session, limit=2)] == ["subscription.resume", "subscription.update"]


def test_pause_is_refused_to_non_admins_when_restricted(bot: BotServer, fake_slack: FakeSlack) -> None:
    command(bot, fake_slack, "subscribe legal weekdays 09:00")
    bot.services.settings.briefbot_subscribe_admins_only = True
    refused = bot.slack.command("/ai-brief", "pause legal", user_id="UREADER", channel_id="CLEGAL")
    assert "only briefing admins" in refused.json()["text"]
    assert stored(bot).status == "active"


def test_the_invite_warning_names_the_app(bot: BotServer, fake_slack: FakeSlack) -> None:
    fake_slack.channels["CLEGAL"] = {"is_member": False}
    answer = command(bot, fake_slack, "subscribe legal weekdays 09:00")
    assert (
        "I am not in this channel yet: `/invite @AI Briefings` before the first briefing."
        in answer.args["text"]
    )
