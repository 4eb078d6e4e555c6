"""The weekly messages to policy owners (policy news, the gaps digest) stay within Slack's size
budget however busy the week, and escape every admin- or feed-supplied label."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from knowledge.config import KnowledgeConfig
from knowledge.gaps import MAX_PARTS, MESSAGE_BUDGET
from knowledge.news import PolicyNewsLog
from knowledge.store import NewsLink, PostedLink
from storage import Database
from tests.departments import REGISTRY
from tests.knowledge.test_gaps import service, write_pack

NOW = datetime(2026, 11, 30, tzinfo=UTC)


def busy_week(policies: int = 40, stories: int = 12) -> list[PostedLink]:
    """A busy week: 40 policies with 12 stories each, long feed titles and long URLs (the
    reviewed week gave one 127,060-character message)."""
    posted = []
    for p in range(policies):
        for s in range(stories):
            link = NewsLink(
                policy_id=f"policy-{p}",
                policy_title=f"Policy {p} <on> AI & data " + "x" * 150,
                heading=f"Section {s} " + "h" * 150,
                section_url=None,
                story_id=p * 100 + s,
                story_title=f"<!channel> Story {s} about policy {p} " + "t" * 400,
                story_url=f"https://news.example.com/{p}/{s}?" + "q=1&" * 300,
            )
            posted.append(PostedLink(link, NOW))
    return posted


def news_log(monkeypatch: pytest.MonkeyPatch, posted: list[PostedLink]) -> PolicyNewsLog:
    log = PolicyNewsLog(
        store=None, config=KnowledgeConfig(departments=REGISTRY, admins=("UADMIN",)), worker="w"
    )  # type: ignore[arg-type]
    monkeypatch.setattr(log, "posted", lambda **_: posted)
    return log


def test_a_busy_week_of_policy_news_is_split_within_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    messages = news_log(monkeypatch, busy_week()).messages({}, days=7, now=NOW)
    assert 1 < len(messages) <= MAX_PARTS
    assert {m.destination for m in messages} == {"UADMIN"}
    for message in messages:
        assert len(message.text) <= MESSAGE_BUDGET
        assert "<!channel>" not in message.text and "<on>" not in message.text
    assert "Policy 39 &lt;on&gt; AI &amp; data" in messages[0].text  # newest first
    assert "(part 2 of" in messages[1].text
    last = messages[-1].text
    assert "more" in last and "`briefbot knowledge policy-news`" in last
    assert last.endswith("tell people what changes for them.")


def test_a_quiet_week_is_one_message(monkeypatch: pytest.MonkeyPatch) -> None:
    messages = news_log(monkeypatch, busy_week(policies=2, stories=2)).messages({}, days=7, now=NOW)
    assert len(messages) == 1 and "part" not in messages[0].text and "more" not in messages[0].text
    assert messages[0].text.count("• ") == 4


def test_the_gaps_digest_stays_within_the_budget_and_escapes_titles(db: Database, tmp_path: Path) -> None:
    knowledge = service(db, admins=("UADMIN",))
    pack = write_pack(tmp_path / "p")
    page = pack / "security.md"
    page.write_text(page.read_text().replace("title: AI Security", "title: AI <Security> & Keys"))
    knowledge.import_path(pack)
    # A question near the policy that it does not answer (the verdict is fixed here: this test is
    # about the digest's size and escaping, not about where the engine draws the line).
    near = knowledge.policy_answer("how often should I rotate API keys")
    shown = knowledge.search("how often should I rotate API keys", limit=1)
    assert shown and shown[0].policy_id == "ai-security"
    knowledge.gaps.record(replace(near, kind="related", hits=(), related=shown[:1]))
    for i in range(30):
        knowledge.policy_answer(f"question {i} about bringing pet number {i} " + f"zebra{i} " * 120)
    messages = knowledge.gaps_digest()
    owner = [m for m in messages if m.route == "owner_channel"]
    assert owner and "near *AI &lt;Security&gt; &amp; Keys*" in owner[0].text
    for message in messages:
        assert len(message.text) <= MESSAGE_BUDGET, len(message.text)
