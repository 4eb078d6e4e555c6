"""/ai-certs end to end: signed slash commands into the real Bolt app over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot import reply
from tests.conftest import BotServer
from tests.mock_web_api_server import validate_blocks


def ask(bot_server: BotServer, text: str) -> dict[str, Any]:
    response = bot_server.slack.command("/ai-certs", text)
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert body.get("text")
    assert validate_blocks(body.get("blocks", [])) == []
    return body


def test_department_gets_ranked_certifications_with_why_and_link(bot_server: BotServer) -> None:
    rendered = str(ask(bot_server, "legal")["blocks"])
    assert rendered.index("Artificial Intelligence Governance Professional") < rendered.index("ISACA")
    assert "<https://iapp.org/certify/aigp/|" in rendered
    assert "suited to legal teams" in rendered
    assert "Fees, exam formats and prerequisites change" in rendered


def test_role_and_level_in_any_order(bot_server: BotServer) -> None:
    a = ask(bot_server, "advanced cfo")["blocks"]
    b = ask(bot_server, "cfo advanced")["blocks"]
    assert a[1:] == b[1:]  # only the header (echoing the request) differs
    assert "advanced level, as asked" in str(a)


def test_empty_input_gives_an_overview_per_department(bot_server: BotServer) -> None:
    rendered = str(ask(bot_server, "")["blocks"])
    for department in ("Finance", "Legal", "Operations", "HR"):
        assert f"*{department}*" in rendered


def test_unknown_words_are_named_and_the_overview_shown(bot_server: BotServer) -> None:
    rendered = str(ask(bot_server, "xyzzy <!here>")["blocks"])
    assert "didn't understand" in rendered and "xyzzy" in rendered
    assert "<!here>" not in rendered
    assert "*Legal*" in rendered


def test_huge_catalogue_entries_stay_within_block_kit_limits(bot_server: BotServer, tmp_path: Path) -> None:
    long = "Very long summary with <b>markup</b> & more. " * 80
    entries = [
        f"- id: c{i}\n  name: {'Certification ' * 20}{i}\n  provider: P\n  url: https://example.com/{i}\n"
        f"  level: practitioner\n  topics: [governance]\n  departments: [legal]\n  summary: '{long}'\n"
        for i in range(40)
    ]
    path = tmp_path / "certs.yaml"
    path.write_text("".join(entries), encoding="utf-8")
    bot_server.services.knowledge.import_path(path)
    body = ask(bot_server, "legal governance")
    assert "<b>" not in str(body["blocks"])


def test_failing_lookup_gives_a_friendly_message(
    bot_server: BotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("internal detail")

    monkeypatch.setattr(bot_server.services.knowledge, "recommend_certs", broken)
    body = ask(bot_server, "legal")
    assert body["text"] == reply.LOOKUP_FAILED
    assert "internal detail" not in str(body)


def test_a_general_topic_leads_with_certifications_for_the_bots_departments(bot_server: BotServer) -> None:
    body = ask(bot_server, "prompt engineering")
    rendered = str(body["blocks"])
    assert "AI certifications for “prompt engineering”" in rendered
    assert "Read “" not in rendered  # "prompt" is not a typo of "prompting"
    # The catalogue says whom each is for: the first picks are for business teams, not developers.
    first = rendered.index("AWS Certified AI Practitioner")
    assert first < rendered.index("Generative AI Developer")
    # Asking as a developer still gets the developer exams first.
    developer = str(ask(bot_server, "developer prompt engineering")["blocks"])
    assert (
        "*1. <https://aws.amazon.com/certification/certified-generative-ai-developer-professional/|"
        in developer
    )
    assert "AWS Certified AI Practitioner" not in developer
