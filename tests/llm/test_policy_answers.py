"""The optional model's short cited answer to a policy question, against a fake
OpenAI-compatible server on loopback: shown only when every citation and quote checks out."""

from __future__ import annotations

import json
from pathlib import Path

from bot.views.policy import policy_blocks
from tests.llm.conftest import model_services
from tests.llm.fake_model import FakeModel, ModelReply
from tests.mock_web_api_server import validate_blocks

QUESTION = "can I paste customer data into ChatGPT?"
GOOD = (
    "No: do not paste customer data into a public or personal AI account such as free ChatGPT [1]. "
    "Inside approved enterprise tools it is allowed only when the task really needs it [1]."
)


def ask(sqlite_db: str, fake: FakeModel, content: str) -> object:
    fake.reply = lambda seen: ModelReply(content)
    services = model_services(sqlite_db, fake)
    try:
        return services.knowledge.policy_answer(QUESTION)
    finally:
        services.close()


def test_a_cited_answer_is_shown_with_links_to_its_sections_and_marked(
    sqlite_db: str, fake_model: FakeModel
) -> None:
    answer = ask(sqlite_db, fake_model, GOOD)
    assert answer.kind == "answer" and answer.composed is not None
    assert answer.composed.cited == (1,) and answer.composed.model == "local-test-model"
    text, blocks = policy_blocks(answer)
    rendered = json.dumps(blocks)
    assert "do not paste customer data" in text  # the notification text carries it too
    assert validate_blocks(blocks) == []
    assert "do not paste customer data" in rendered
    assert f"<{answer.hits[0].url}|[1]>" in rendered  # the citation links to the section
    assert "Written by a language model (local-test-model)" in rendered
    assert "Customer and personal data in prompts" in rendered  # the section itself still shown
    # The model is asked only about the retrieved sections, the question as data.
    sent = json.loads(fake_model.requests[-1].user)
    assert sent["question"] == QUESTION and "1" in sent["sections"]


def test_bad_citations_quotes_or_claims_fall_back_to_the_excerpt_answer(
    tmp_path: Path, fake_model: FakeModel
) -> None:
    for n, content in enumerate(
        (
            "You may paste customer data into ChatGPT [7].",  # cites a section that was not retrieved
            "Customer data is fine in any tool.",  # no citation
            'The policy says "always allowed" [1].',  # a quote the section does not hold
            "Fines reach 50 million euros [1].",  # a number the section does not hold
            "Ask <!channel> about it [1].",  # a mention
        )
    ):
        # A database each: a refused text is remembered, and would not be asked again.
        before = len(fake_model.requests)
        answer = ask(f"sqlite:///{tmp_path / f'{n}.db'}", fake_model, content)
        assert len(fake_model.requests) == before + 1
        assert answer.kind == "answer" and answer.composed is None, content
        assert answer.hits[0].heading == "Customer and personal data in prompts"


def test_not_covered_declines_as_abstention_would(sqlite_db: str, fake_model: FakeModel) -> None:
    answer = ask(sqlite_db, fake_model, "NOT COVERED")
    assert answer.kind == "related" and answer.composed is None and answer.hits == ()
    assert answer.related and answer.related[0].heading == "Customer and personal data in prompts"


def test_model_failures_leave_todays_answer(sqlite_db: str, fake_model: FakeModel) -> None:
    for reply in (
        ModelReply(status=500, body=b"{}"),
        ModelReply(body=b"<html>"),
        ModelReply(status=429, body=b"{}"),
    ):
        fake_model.reply = lambda seen, reply=reply: reply
        services = model_services(sqlite_db, fake_model)
        answer = services.knowledge.policy_answer(QUESTION)
        services.close()
        assert answer.kind == "answer" and answer.composed is None
