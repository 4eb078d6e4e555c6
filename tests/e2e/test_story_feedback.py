"""Story votes end to end: briefings posted to the fake Slack carry the buttons; signed clicks on
them through the real Bolt app store votes and thank the clicker; the channel's next briefing
shifts away from the kind of story voted down, other channels' briefings do not."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.client import make_web_client
from bot.delivery import SlackSink
from briefings.delivery import ChannelPacer
from storage.audit import Actor
from storage.models import DeliveredStory
from tests.briefings.factory import NewsFactory
from tests.conftest import BotServer
from tests.mock_web_api_server import FakeSlack
from tests.slack_requests import message_block_actions

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(days=1)
ADMIN = Actor.slack("UADMIN")
LAWSUITS_1 = [
    "Authors Guild widens copyright lawsuit over novel training data",
    "Music labels file copyright lawsuit against song generator startup",
    "Photo agency copyright lawsuit over image model heads to trial",
]
LAWSUITS_2 = [
    "Newspaper group brings copyright lawsuit over chatbot answers",
    "Illustrators win early ruling in copyright lawsuit against art app",
    "Software developers add claims to code assistant copyright lawsuit",
    "Record company copyright lawsuit targets voice cloning service",
]
ACT_1 = [
    "Brussels publishes guidance for general purpose models",
    "Member states name AI Act market watchers",
]
ACT_2 = [
    "Banks prepare conformity assessments for credit scoring",
    "Hospitals ask for clarity on diagnostic tools",
    "Startups lobby over transparency labels",
    "Insurers map new duties for claims automation",
]


def _add(news: NewsFactory, titles: list[str], when: datetime, *, act: bool) -> None:
    for i, title in enumerate(titles):
        feed = news.feed(f"Outlet {title.split()[0]} {i}", "legal")
        word = title.split()[1]
        # Plainly AI news: the ranker's AI gate and the department model let it in.
        summary = (
            f"What the EU AI Act's legal obligations mean here, part {i} ({word})."
            if act
            else f"The suit ({word}) says an AI model was trained on protected work."
        )
        news.item(
            feed,
            title,
            summary,
            published_at=when - timedelta(hours=2),
            first_seen_at=when - timedelta(hours=1),
        )


def _posted(fake: FakeSlack, channel: str) -> list[Any]:
    return [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == channel]


def _stories(call: Any) -> list[tuple[str, str, str]]:
    """(title text, context text, useful-button value) per story of a posted briefing."""
    blocks = call.args["blocks"]
    out = []
    for i, block in enumerate(blocks):
        if block["type"] == "actions" and block["elements"][0]["action_id"] == "story_useful":
            title = blocks[i - 2]["text"]["text"].split("\n")[0]
            context = " ".join(e["text"] for e in blocks[i - 1]["elements"])
            out.append((title, context, block["elements"][0]["value"]))
    return out


@pytest.fixture
def svc(services: Any) -> Any:
    services.briefings.deliverer.pacer = ChannelPacer(0)
    services.briefings.clock = lambda: T0
    return services


def _click(bot: BotServer, fake: FakeSlack, action: str, channel: str, value: str, user: str) -> Any:
    before = len(fake.calls_to("chat.postEphemeral"))
    answer = bot.slack.interaction(
        message_block_actions(action, channel_id=channel, message_ts="1.1", value=value, user_id=user)
    )
    assert answer.status_code == 200
    deadline = time.monotonic() + 5
    while len(fake.calls_to("chat.postEphemeral")) <= before and time.monotonic() < deadline:
        time.sleep(0.02)
    return fake.calls_to("chat.postEphemeral")[-1]


def test_clicks_change_votes_and_the_next_briefing_of_that_channel_only(
    svc: Any, bot_server: BotServer, fake_slack: FakeSlack, settings: Any
) -> None:
    news = NewsFactory(svc.db)
    client = make_web_client(settings)
    _add(news, LAWSUITS_1, T0, act=False)
    _add(news, ACT_1, T0, act=True)
    for channel in ("CVOTES", "COTHER"):
        svc.briefings.send_now(SlackSink(client), channel, "legal", actor=ADMIN, now=T0)
    first = _stories(_posted(fake_slack, "CVOTES")[0])
    assert len(first) == 5
    lawsuits = [value for title, _, value in first if "copyright lawsuit" in title]
    assert len(lawsuits) == 3

    thanks = _click(bot_server, fake_slack, "story_useful", "CVOTES", lawsuits[0], "U1")
    assert thanks.args["user"] == "U1" and "more stories like it" in thanks.args["text"]
    for user in ("U1", "U2"):  # U1 changes its mind: still one vote per user per story
        for value in lawsuits:
            thanks = _click(bot_server, fake_slack, "story_not_useful", "CVOTES", value, user)
            assert thanks.args["channel"] == "CVOTES"
            assert "fewer stories like it" in thanks.args["text"]
    votes = svc.briefings.feedback.store.votes("CVOTES", "legal")
    assert len(votes) == 6 and not any(v.useful for v in votes)
    assert svc.briefings.feedback.store.votes("COTHER", "legal") == []
    assert len(_posted(fake_slack, "CVOTES")) == 1  # the briefing is not re-posted

    _add(news, LAWSUITS_2, T1, act=False)
    _add(news, ACT_2, T1, act=True)
    svc.briefings.clock = lambda: T1
    for channel in ("CVOTES", "COTHER"):
        svc.briefings.send_now(SlackSink(client), channel, "legal", actor=ADMIN, now=T1)
    voted = _stories(_posted(fake_slack, "CVOTES")[1])
    other = _stories(_posted(fake_slack, "COTHER")[1])
    assert len(voted) == len(other) == 5  # never shorter because of votes
    assert sum("copyright lawsuit" in t for t, _, _ in other) == 4
    assert sum("copyright lawsuit" in t for t, _, _ in voted) <= 2
    assert "copyright lawsuit" not in voted[0][0]
    down = next(c for t, c, _ in voted if "copyright lawsuit" in t)
    assert "ranked down: 3 similar stories were not useful here" in down


def test_a_stale_button_gets_a_clear_ephemeral_answer(
    svc: Any, bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    thanks = _click(bot_server, fake_slack, "story_useful", "CVOTES", "nonsense", "U1")
    assert "can't tell which story" in thanks.args["text"]
    assert svc.briefings.feedback.store.votes("CVOTES", "legal") == []


def test_the_thanks_falls_back_to_the_response_url_when_the_bot_cannot_post_there(
    svc: Any, bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    news = NewsFactory(svc.db)
    _, story_id = news.item(news.feed("Reg Watch", "legal"), LAWSUITS_1[0])
    with svc.db.session() as session:  # a briefing posted it there before the bot was removed
        session.add(DeliveredStory(channel_id="CGONE", story_id=story_id))
    fake_slack.fail("chat.postEphemeral", "not_in_channel")
    payload = message_block_actions(
        "story_useful",
        channel_id="CGONE",
        message_ts="1.1",
        value=f"legal:{story_id}",
        user_id="U3",
        response_url=fake_slack.response_url(),
    )
    assert bot_server.slack.interaction(payload).status_code == 200
    answer = fake_slack.wait_for("response_url", timeout=10).args
    assert answer["response_type"] == "ephemeral" and "more stories like it" in answer["text"]
    assert [v.user_id for v in svc.briefings.feedback.store.votes("CGONE", "legal")] == ["U3"]


def test_a_vote_on_a_story_never_posted_in_that_channel_is_not_stored(
    svc: Any, bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    news = NewsFactory(svc.db)
    _, story_id = news.item(news.feed("Reg Watch", "legal"), LAWSUITS_1[0])
    thanks = _click(bot_server, fake_slack, "story_useful", "CELSEWHERE", f"legal:{story_id}", "U1")
    assert "was not posted in this channel" in thanks.args["text"]
    assert svc.briefings.feedback.store.votes("CELSEWHERE", "legal") == []
