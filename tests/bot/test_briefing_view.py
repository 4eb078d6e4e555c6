"""Rendering: hostile feed text is harmless, every message fits Block Kit limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.slack_text import safe_url, text_size
from bot.views.briefing import escaped, render_blocks
from briefings.assembly.briefing import AlsoReported, Briefing, BriefingStory, PolicyReminder, Spotlight
from briefings.assembly.render import render_terminal
from tests.mock_web_api_server.server import validate_blocks

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def story(title: str = "EU AI Act fines begin", **kw: object) -> BriefingStory:
    values: dict[str, object] = {
        "story_id": 1,
        "title": title,
        "summary": "Regulators imposed the first fine.",
        "url": "https://news.example.com/a",
        "sources": ("Regulation Watch",),
        "published_at": NOW - timedelta(hours=3),
        "score": 2.0,
        "matched": ("EU AI Act", "fine"),
        "why": "new legal obligations and fines",
        "explanation": "matched: EU AI Act, fine",
    }
    values.update(kw)
    return BriefingStory(**values)  # type: ignore[arg-type]


def briefing(*stories: BriefingStory, **kw: object) -> Briefing:
    values: dict[str, object] = {
        "department": "legal",
        "department_name": "Legal",
        "as_of": NOW,
        "timezone": "Europe/Berlin",
        "since": NOW - timedelta(days=1),
        "stories": stories,
        "considered": 12,
        "above_bar": len(stories),
    }
    values.update(kw)
    return Briefing(**values)  # type: ignore[arg-type]


def all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


HOSTILE = story(
    title="<!channel> " + "A" * 5000,
    summary="Hi <@U123456> & <!here|here> <https://evil.example|click> " + "x" * 6000,
    url="javascript:alert(document.cookie)",
    sources=("<!everyone> Feed", "Feed & Co"),
    matched=("<!channel>",),
    why="<@U999> pings",
    explanation="matched: <!channel>",
)


def test_hostile_item_renders_harmlessly_within_limits() -> None:
    message = render_blocks(briefing(HOSTILE, story(story_id=2)))
    text = all_text(message.blocks) + message.text
    for control in ("<!channel>", "<!here", "<@U123456>", "<!everyone>", "<@U999>", "<https://evil"):
        assert control not in text
    assert "&lt;!channel&gt;" in text
    assert "javascript:" not in text  # the link is dropped, the title stays as text
    assert validate_blocks(message.blocks) == []
    section = message.blocks[3]["text"]["text"]
    assert len(section) < 3000
    assert "AAAA…" in section  # cut at the limit, visibly


def test_ten_long_stories_stay_within_the_text_budget() -> None:
    many = [
        story(story_id=i, title="T" * 400, summary="word " * 2000, url="https://x.example/" + "p" * 900)
        for i in range(10)
    ]
    message = render_blocks(briefing(*many))
    assert validate_blocks(message.blocks) == []
    assert text_size(message.blocks) <= 9000
    assert len(message.blocks) <= 50
    assert message.blocks[0]["type"] == "header"
    assert message.blocks[-1]["type"] == "context" and "/ai-brief help" in str(message.blocks[-1])


def test_links_are_http_only_and_cannot_break_the_markup() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("ftp://example.com/file") is None
    assert safe_url("/relative/path") is None
    assert safe_url("https://user:pw@example.com/") is None
    assert safe_url("https://example.com/a b") is None
    assert safe_url("https://example.com/a|b>c?x=1&y=2") == "https://example.com/a%7Cb%3Ec?x=1&amp;y=2"
    rendered = render_blocks(briefing(story(url="https://example.com/a|<!channel>"))).blocks[3]["text"][
        "text"
    ]
    assert "<https://example.com/a%7C%3C!channel%3E|" in rendered


def test_escaping_never_cuts_an_entity_in_half() -> None:
    out = escaped("&" * 100, 23)
    assert len(out) <= 23
    assert out.replace("&amp;", "").strip("…") == ""


def test_briefing_shows_header_date_sources_why_and_extras() -> None:
    message = render_blocks(
        briefing(
            story(sources=("Regulation Watch", "General AI News")),
            certification=Spotlight(
                "AIGP", "IAPP", "https://iapp.org/certify/aigp/", "practitioner", "Governance."
            ),
            policy=PolicyReminder(
                "AI Use Policy", "Personal data", "Never paste personal data.", None, "Legal"
            ),
        )
    )
    assert message.blocks[0]["text"]["text"] == "Legal AI briefing · Tue 24 Nov 2026"
    text = all_text(message.blocks)
    assert "<https://news.example.com/a|EU AI Act fines begin>" in text
    assert "Regulation Watch · General AI News · 24 Nov 2026" in text
    assert "_Why it matters to Legal:_ new legal obligations and fines" in text
    assert "matched: EU AI Act, fine" in text
    assert "Certification spotlight:* <https://iapp.org/certify/aigp/|AIGP> (IAPP, practitioner)" in text
    assert "Policy reminder:* AI Use Policy — Personal data" in text
    assert message.text.startswith("Legal AI briefing, Tue 24 Nov 2026: EU AI Act fines begin")


def test_header_date_is_in_the_channel_timezone() -> None:
    late = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    assert (
        "Wed 25 Nov 2026"
        in render_blocks(briefing(story(), as_of=late, timezone="Asia/Tokyo")).blocks[0]["text"]["text"]
    )
    assert (
        "Tue 24 Nov 2026"
        in render_blocks(briefing(story(), as_of=late, timezone="UTC")).blocks[0]["text"]["text"]
    )


def test_quiet_week_is_a_short_friendly_message() -> None:
    message = render_blocks(briefing())
    assert validate_blocks(message.blocks) == []
    assert len(message.blocks) == 3
    assert "Nothing new above the bar for Legal" in all_text(message.blocks)
    assert "nothing new above the bar" in message.text


@pytest.mark.parametrize("note", [None, ":eyes: *Preview*: only you can see this."])
def test_note_goes_under_the_header(note: str | None) -> None:
    blocks = render_blocks(briefing(story()), note=note).blocks
    assert (note or "The 1 most relevant") in blocks[1]["elements"][0]["text"]


def test_terminal_rendering_is_plain_and_readable() -> None:
    text = render_terminal(briefing(story(), HOSTILE))
    assert "=== Legal AI briefing · Tue 24 Nov 2026" in text
    assert "1. EU AI Act fines begin" in text
    assert "Why it matters to Legal: new legal obligations and fines" in text
    assert "https://news.example.com/a" in text
    assert "javascript:" not in text
    assert "\x1b" not in render_terminal(briefing(story(title="\x1b[31mred\x1b[0m")))


def test_collapsed_retellings_show_as_linked_also_reported_sources() -> None:
    also = (
        AlsoReported("General AI News", "Retold", "https://news.example.com/retold"),
        AlsoReported("<!channel> & Co", "Hostile", "javascript:alert(1)"),
        AlsoReported("Third", "T", "https://third.example.com/t"),
        AlsoReported("Fourth", "F", "https://fourth.example.com/f"),
    )
    message = render_blocks(briefing(story(also_reported=also)))
    assert validate_blocks(message.blocks) == []
    context = next(b for b in message.blocks if b["type"] == "context" and len(b["elements"]) == 2)
    line = context["elements"][1]["text"]
    assert line == (
        "Also reported by <https://news.example.com/retold|General AI News>, &lt;!channel&gt; &amp; Co, "
        "<https://third.example.com/t|Third> +1 more"
    )
    assert "<!channel>" not in all_text(message.blocks)
    text = render_terminal(briefing(story(also_reported=also[:1])))
    assert "   Also reported by General AI News\n     https://news.example.com/retold" in text


def test_also_reported_links_that_would_break_the_limit_are_dropped_not_cut() -> None:
    long_url = "https://news.example.com/" + "a" * 900
    also = tuple(AlsoReported(f"Outlet {i}", "t", long_url) for i in range(3))
    message = render_blocks(briefing(story(also_reported=also)))
    assert validate_blocks(message.blocks) == []
    line = next(b for b in message.blocks if b["type"] == "context" and len(b["elements"]) == 2)["elements"][
        1
    ]
    assert len(line["text"]) <= 2000
    assert line["text"].count("<") == line["text"].count(">") == 2  # two whole links, one bare name
    assert line["text"].endswith(", Outlet 2")
