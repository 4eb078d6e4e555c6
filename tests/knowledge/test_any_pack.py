"""A company's own pack: explicit anchors, its owners as the contact, `knowledge check`, and
expansions that can never turn an off-topic question into an answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from bot.views.policy import policy_blocks
from briefbot.cli import cli
from knowledge.query import analyze_query
from knowledge.render import policy_text
from knowledge.service import KnowledgeConfig, KnowledgeService
from storage import Database
from tests.departments import REGISTRY
from tests.mock_web_api_server import validate_blocks

CONTACT = "the AI desk (#ask-ai)"

DATA_POLICY = """---
id: data-rules
title: Data Rules for AI Tools
owner: Privacy Office
owner_channel: C0PRIVACY01
url: https://intranet.example.com/data-rules
---
# Data Rules for AI Tools

## Customer data in prompts {#customer-data}

Before you paste anything into an AI assistant, check these rules:

- Never paste customer names, emails or account numbers into a chatbot prompt.
- Remove **all** personal details from support tickets first.
- Use only tools on the [approved list](https://intranet.example.com/tools).

## Retention of chatbot conversations

Chatbot conversations are deleted after 30 days. Ask the Privacy Office to keep one longer.
"""

TOOLS_POLICY = """---
id: tools
title: Choosing Generative AI Tools
url: https://intranet.example.com/tools
---
# Choosing Generative AI Tools

## Requesting a new generative AI tool

Generative AI tools (GAT) need approval from the AI board before anyone uses them. Send the
request form with the vendor's security answers; the board replies within ten working days.
"""


def write_pack(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data-rules.md").write_text(DATA_POLICY, encoding="utf-8")
    (folder / "tools.md").write_text(TOOLS_POLICY, encoding="utf-8")
    return folder


@pytest.fixture
def knowledge(db: Database, tmp_path: Path) -> KnowledgeService:
    service = KnowledgeService(db=db, config=KnowledgeConfig(departments=REGISTRY, policy_contact=CONTACT))
    service.import_path(write_pack(tmp_path / "pack"))
    return service


# --- anchors and the right contact ---------------------------------------------------------


def test_explicit_heading_anchor_wins_and_is_not_shown(knowledge: KnowledgeService) -> None:
    answer = knowledge.policy_answer("can i paste customer emails into a chatbot prompt")
    assert answer.kind == "answer", answer
    best = answer.hits[0]
    assert best.heading == "Customer data in prompts"
    assert best.url == "https://intranet.example.com/data-rules#customer-data"
    # A heading without one keeps the slug.
    other = knowledge.search("when are chatbot conversations deleted", limit=1)[0]
    assert other.url == "https://intranet.example.com/data-rules#retention-of-chatbot-conversations"


def test_not_sure_names_the_answering_policys_owner_and_channel(knowledge: KnowledgeService) -> None:
    answer = knowledge.policy_answer("can i paste customer emails into a chatbot prompt")
    text = policy_text(answer)
    assert text.splitlines()[-1] == "Not sure it applies? Ask Privacy Office in <#C0PRIVACY01>."
    assert CONTACT not in text
    _fallback, blocks = policy_blocks(answer)
    assert validate_blocks(blocks) == []
    rendered = json.dumps(blocks)
    assert "Not sure it applies to your case? Ask Privacy Office in <#C0PRIVACY01>." in rendered
    # The excerpt is the list with its lead-in, Markdown rendered as Slack mrkdwn.
    assert ">Before you paste anything into an AI assistant, check these rules:" in rendered
    assert "Remove *all* personal details" in rendered
    assert "<https://intranet.example.com/tools|approved list>" in rendered


def test_global_contact_only_when_no_policy_applies(knowledge: KnowledgeService) -> None:
    answer = knowledge.policy_answer("can I bring my dog to the office")
    assert answer.kind == "no_match"
    assert policy_text(answer).splitlines()[-1] == f"Please ask {CONTACT}."
    # A policy without an owner falls back to the global contact too.
    tools = knowledge.policy_answer("how do i request a new generative ai tool approval")
    assert tools.kind == "answer" and tools.hits[0].policy_id == "tools"
    assert policy_text(tools).splitlines()[-1] == f"Not sure it applies? Ask {CONTACT}."


# --- expansions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "how do I reset my VPN password dpia",
        "can I bring my dog to the office aedt",
    ],
)
def test_no_expansion_can_make_an_off_topic_question_an_answer(db: Database, question: str) -> None:
    # The bundled pack defines DPIA and AEDT ("automated employment decision tool"), so each
    # acronym also searches its definition, which finds a section. The rest of the question is
    # about something else: an expansion may find a section, never make it the answer.
    service = KnowledgeService(db=db, config=KnowledgeConfig(departments=REGISTRY, policy_contact=CONTACT))
    service.load_configured_packs()
    index = service.policies.index()
    assert analyze_query(question, index.vocabulary).expansions
    answer = service.policy_answer(question)
    assert answer.kind != "answer", answer.hits
    assert service.policy_answer("what is a dpia").kind == "answer"  # the acronym itself still works


# --- knowledge check -----------------------------------------------------------------------

QUESTIONS = [
    {
        "question": "can i paste customer emails into a chatbot prompt",
        "kind": "in_scope",
        "expect": [{"policy": "data-rules", "section": "Customer data in prompts"}],
    },
    {
        # A miss on purpose: the expected section is the wrong one for this question.
        "question": "when are chatbot conversations deleted",
        "kind": "in_scope",
        "expect": [{"policy": "tools", "section": "Requesting a new generative AI tool"}],
    },
    {"question": "can I bring my dog to the office", "kind": "off_topic", "expect": "none"},
]


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "BRIEFBOT_POLICY_DIR": "",
        "BRIEFBOT_CERTS_FILE": "",
        "BRIEFBOT_POLICY_CONTACT": CONTACT,
    }

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), env=env)

    return invoke


def questions_file(tmp_path: Path, cases: object = QUESTIONS) -> Path:
    path = tmp_path / "questions.yaml"
    path.write_text(yaml.safe_dump(cases, sort_keys=False), encoding="utf-8")
    return path


def test_check_reports_figures_and_every_miss(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pack = write_pack(tmp_path / "pack")
    result = run("knowledge", "check", str(questions_file(tmp_path)), "--policy-dir", str(pack))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"Checked 3 questions against {pack}."
    assert "  right section first:   1/2 (50%)" in lines
    assert "  declined when it should: 1/1 (100%)" in lines
    miss = lines.index("  ✗ when are chatbot conversations deleted  [in_scope]")
    assert lines[miss + 1] == "      expected tools › Requesting a new generative AI tool"
    assert lines[miss + 2].startswith(
        "      shown    answer: data-rules › Retention of chatbot conversations"
    )


def test_check_json_against_the_loaded_pack(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pack = write_pack(tmp_path / "pack")
    assert run("knowledge", "import", str(pack)).exit_code == 0
    result = run("knowledge", "check", str(questions_file(tmp_path)), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["source"].startswith("the loaded policies")
    assert (data["answerable"], data["top1"], data["top3"], data["should_decline"], data["declined"]) == (
        2,
        1,
        1,
        1,
        1,
    )
    assert data["rates"]["top1"] == 0.5 and data["wrong_declines"] == 0
    [miss] = data["misses"]
    assert miss["question"] == "when are chatbot conversations deleted"
    assert miss["verdict"] == "answer"
    assert miss["shown"][0] == {"policy": "data-rules", "section": "Retention of chatbot conversations"}


@pytest.mark.parametrize(
    ("cases", "fragment"),
    [
        ([{"question": "q", "expect": [{"policy": "tools", "section": "No such heading"}]}], "no section"),
        ([{"question": "q", "kind": "sideways", "expect": "none"}], "kind must be one of"),
        ([{"question": "", "expect": "none"}], "question must be non-empty text"),
        ({"not": "a list"}, "expected a non-empty list"),
    ],
)
def test_check_refuses_bad_input(run, tmp_path: Path, cases: object, fragment: str) -> None:  # type: ignore[no-untyped-def]
    pack = write_pack(tmp_path / "pack")
    result = run("knowledge", "check", str(questions_file(tmp_path, cases)), "--policy-dir", str(pack))
    assert result.exit_code != 0
    assert fragment in result.output
