"""/ai-policy end to end: signed slash commands into the real Bolt app over HTTP."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from bot import reply
from tests.conftest import BotServer
from tests.mock_web_api_server import FakeSlack, validate_blocks


def ask(bot_server: BotServer, text: str) -> dict[str, Any]:
    response = bot_server.slack.command("/ai-policy", text)
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert body.get("text"), "a fallback text must accompany blocks"
    assert validate_blocks(body.get("blocks", [])) == []
    return body


def test_question_is_answered_in_the_ack_with_section_excerpt_and_source(
    bot_server: BotServer, fake_slack: FakeSlack
) -> None:
    started = time.monotonic()
    body = ask(bot_server, "what is our policy on pasting customer data into ChatGPT?")
    assert time.monotonic() - started < 3.0
    rendered = str(body["blocks"])
    assert "Customer and personal data in prompts" in rendered
    assert (
        "<https://intranet.example.com/policies/acceptable-use#customer-and-personal-data-in-prompts|"
        in rendered
    )
    assert "Acceptable Use of Generative AI" in rendered
    assert "Owner: Legal &amp; Compliance" in rendered
    assert "Related sections" in rendered
    assert fake_slack.calls_to("response_url") == []  # nothing left to send later


def test_empty_question_lists_the_policies(bot_server: BotServer) -> None:
    rendered = str(ask(bot_server, "")["blocks"])
    assert "Company AI policies" in rendered
    assert "Data Classification and Privacy in AI Use" in rendered


def test_no_match_says_so_and_names_who_to_ask(bot_server: BotServer) -> None:
    rendered = str(ask(bot_server, "quantum teleportation")["blocks"])
    assert "No AI policy covers “quantum teleportation”" in rendered
    assert "#ask-legal" in rendered


def test_typo_is_corrected_and_shown(bot_server: BotServer) -> None:
    rendered = str(ask(bot_server, "promt injecton")["blocks"])
    assert "Prompt injection and untrusted content" in rendered
    assert "Read “promt” as “prompt”, “injecton” as “injection”." in rendered


def test_user_text_cannot_ping_anyone(bot_server: BotServer) -> None:
    body = ask(bot_server, "<!here> <@U123> zzqqx & <b>")
    rendered = str(body["blocks"]) + body["text"]
    assert "No AI policy covers" in rendered  # the question is echoed back ...
    assert "<!here>" not in rendered and "<@U123>" not in rendered and "<b>" not in rendered
    assert "&lt;!here&gt; &lt;@U123&gt; zzqqx &amp; &lt;b&gt;" in str(body["blocks"])  # ... escaped


def test_failing_lookup_gives_a_friendly_message(
    bot_server: BotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(bot_server.services.knowledge, "policy_answer", broken)
    body = ask(bot_server, "anything")
    assert body["text"] == reply.LOOKUP_FAILED
    assert "hunter2" not in str(body) and "Traceback" not in str(body)


def test_slow_lookup_acks_at_once_and_answers_via_response_url(
    bot_server: BotServer, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    knowledge = bot_server.services.knowledge
    real = knowledge.policy_answer

    def slow(*args: Any, **kwargs: Any) -> Any:
        time.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(knowledge, "policy_answer", slow)
    monkeypatch.setattr(reply, "ANSWER_BUDGET_SECONDS", 0.05)
    body = ask(bot_server, "how do I report an AI incident")
    assert body["text"] == reply.LOOKING
    late = fake_slack.wait_for("response_url", timeout=5)
    assert late.args["response_type"] == "ephemeral"
    assert "How to report an AI incident" in str(late.args["blocks"])


def test_stuck_lookups_queue_others_fairly_and_never_block_other_commands(
    bot_server: BotServer, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two stuck lookups hold both lookup slots: a third question waits its turn (and is told
    so within the budget), /ai-brief help is answered at once, and every answer arrives."""
    knowledge = bot_server.services.knowledge
    real = knowledge.policy_answer
    release = threading.Event()

    def maybe_stuck(question: str, **kwargs: Any) -> Any:
        if "incident" in question:
            release.wait(10)
        return real(question, **kwargs)

    monkeypatch.setattr(knowledge, "policy_answer", maybe_stuck)
    monkeypatch.setattr(reply, "ANSWER_BUDGET_SECONDS", 0.3)
    assert reply.LOOKUP_SLOTS == 2
    stuck = [
        threading.Thread(target=ask, args=(bot_server, "how do I report an AI incident"))
        for _n in range(reply.LOOKUP_SLOTS)
    ]
    for thread in stuck:
        thread.start()
    time.sleep(0.1)  # both stuck lookups have their slots

    started = time.monotonic()
    help_body = bot_server.slack.command("/ai-brief", "help").json()
    assert time.monotonic() - started < 0.3
    assert "/ai-policy" in help_body["text"]

    queued = ask(bot_server, "can I paste customer data into ChatGPT?")
    assert queued["text"] == reply.LOOKING  # told within the budget, not left hanging
    assert fake_slack.calls_to("response_url") == []  # and not answered ahead of the queue

    release.set()
    for thread in stuck:
        thread.join(5)
    answers = fake_slack.wait_for("response_url", count=3, timeout=5)
    assert answers  # every placeholder got its answer
    rendered = [str(call.args.get("blocks")) for call in fake_slack.calls_to("response_url")]
    assert len(rendered) == 3
    assert sum("Customer and personal data in prompts" in r for r in rendered) == 1
    assert sum("How to report an AI incident" in r for r in rendered) == 2


@pytest.mark.parametrize(
    "question",
    [
        "how do I reset my VPN password",
        "can I bring my dog to the office",
        "how many vacation days do I have left",
        "what's the wifi password for guests",
        "how do I order a new laptop charger",
    ],
)
def test_off_topic_questions_say_no_policy_covers_them(bot_server: BotServer, question: str) -> None:
    body = ask(bot_server, question)
    rendered = str(body["blocks"])
    assert "No AI policy covers" in rendered
    assert "Closest AI-policy topics (suggestions, not answers)" in rendered
    assert "Please ask the Legal &amp; Compliance team (#ask-legal)." in rendered
    assert "Read “" not in rendered  # reset, office, guests...: real words, never "corrected"
    assert "Not sure it applies" not in rendered  # no section is presented as the answer


def test_unanswered_questions_are_logged_with_the_channels_department(bot_server: BotServer) -> None:
    from storage.audit import Actor

    bot_server.services.briefings.subscribe("CFINANCE1", "finance", "weekdays 09:00", actor=Actor.cli())
    bot_server.slack.command("/ai-policy", "when is payday this month", channel_id="CFINANCE1")
    bot_server.slack.command("/ai-policy", "when is payday?", channel_id="CNOSUBS01")
    (group,) = bot_server.services.knowledge.unanswered()
    assert (group.example, group.count, group.departments) == ("when is payday this month", 2, ("finance",))
