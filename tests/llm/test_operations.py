"""Operating the optional model: `briefbot doctor` checks the endpoint, /metrics counts it."""

from __future__ import annotations

import json
import socket

from click.testing import CliRunner

from briefbot.cli import cli
from briefbot.services import make_services
from foundation.metrics import exposition
from foundation.settings import Settings
from tests.llm.fake_model import FakeModel, ModelReply


def doctor(db_url: str, base_url: str) -> dict[str, dict[str, str]]:
    make_services(Settings(database_url=db_url)).close()  # doctor reads a migrated database
    env = {
        "DATABASE_URL": db_url,
        "BRIEFBOT_LLM_BASE_URL": base_url,
        "BRIEFBOT_LLM_MODEL": "local-test-model",
        "BRIEFBOT_LLM_TIMEOUT_SECONDS": "2",
        "SLACK_BOT_TOKEN": "",
    }
    result = CliRunner().invoke(cli, ["doctor", "--json"], env=env)
    return {c["check"]: c for c in json.loads(result.stdout)}


def test_doctor_says_whether_the_model_answers(sqlite_db: str, fake_model: FakeModel) -> None:
    fake_model.reply = lambda seen: ModelReply("ok")
    check = doctor(sqlite_db, fake_model.url)["language model"]
    assert check["status"] == "ok" and "local-test-model" in check["detail"]
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/v1"
    check = doctor(sqlite_db, dead)["language model"]
    assert check["status"] == "fail" and "fall back to the deterministic texts" in check["detail"]


def test_doctor_skips_the_model_when_none_is_configured(sqlite_db: str) -> None:
    make_services(Settings(database_url=sqlite_db)).close()
    result = CliRunner().invoke(
        cli, ["doctor", "--json"], env={"DATABASE_URL": sqlite_db, "SLACK_BOT_TOKEN": ""}
    )
    assert "language model" not in {c["check"] for c in json.loads(result.stdout)}


def test_metrics_count_requests_by_outcome_tokens_and_cache_hits(
    sqlite_db: str, fake_model: FakeModel
) -> None:
    from tests.llm.conftest import model_services
    from tests.llm.test_policy_answers import GOOD, QUESTION

    fake_model.reply = lambda seen: ModelReply(GOOD, tokens=123)
    services = model_services(sqlite_db, fake_model)
    services.knowledge.policy_answer(QUESTION)
    services.knowledge.policy_answer(QUESTION)
    text = exposition().decode()
    assert 'briefbot_llm_requests_total{kind="answer",outcome="ok"}' in text
    assert 'briefbot_llm_cache_hits_total{kind="answer"}' in text
    assert "briefbot_llm_tokens_total" in text
