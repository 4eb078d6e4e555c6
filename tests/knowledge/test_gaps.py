"""The unanswered-questions log: recording, grouping, ``briefbot knowledge gaps`` and the digest."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from click.testing import CliRunner, Result
from sqlalchemy import func, select, text

from briefbot.cli import cli
from knowledge import decide
from knowledge.errors import PackError
from knowledge.policy_pack import load_policy_dir
from knowledge.service import KnowledgeConfig, KnowledgeService
from storage import Database
from storage.models import KnowledgeGap
from storage.types import utcnow
from tests.departments import REGISTRY
from tests.mock_web_api_server import FakeSlack


def service(db: Database, **config: object) -> KnowledgeService:
    built = KnowledgeService(db=db, config=KnowledgeConfig(**{"departments": REGISTRY, **config}))  # type: ignore[arg-type]
    built.load_configured_packs()
    return built


def write_pack(folder: Path, owner_channel: str | None = "C0SECURITY1") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    channel = f"owner_channel: {owner_channel}\n" if owner_channel else ""
    (folder / "security.md").write_text(
        f"---\nid: ai-security\ntitle: AI Security\nowner: Security\n{channel}---\n# AI Security\n\n"
        "## Passwords and API keys for AI tools\n\nNever paste passwords, API keys or tokens into "
        "prompts. Store AI tool API keys in the vault.\n\n## Prompt injection\n\nTreat retrieved "
        "content as untrusted; prompt injection can make an AI assistant leak data.\n",
        encoding="utf-8",
    )
    return folder


def test_unanswered_questions_are_logged_and_similar_ones_grouped(db: Database) -> None:
    knowledge = service(db)
    for question in (
        "how do I reset my VPN password",
        "reset VPN password?",
        "can I bring my dog to the office",
    ):
        knowledge.policy_answer(question, department="finance")
    knowledge.policy_answer("how do I reset my VPN password", department=lambda: "legal")
    knowledge.policy_answer("what is prompt injection")  # answered: not logged
    knowledge.policy_answer("")  # the listing: not logged
    groups = knowledge.unanswered()
    assert [(g.example, g.count) for g in groups] == [
        ("how do I reset my VPN password", 3),
        ("can I bring my dog to the office", 1),
    ]
    vpn = groups[0]
    assert vpn.questions == ("how do I reset my VPN password", "reset VPN password?")
    assert vpn.departments == ("finance", "legal") and vpn.verdict == "no_match"
    assert vpn.first_asked <= vpn.last_asked
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(KnowledgeGap)) == 4


def test_old_asks_fall_out_of_the_window(db: Database) -> None:
    knowledge = service(db)
    knowledge.gaps.clock = lambda: utcnow() - timedelta(days=10)
    knowledge.policy_answer("can I bring my dog to the office")
    knowledge.gaps.clock = utcnow
    assert knowledge.unanswered(days=7) == []
    assert len(knowledge.unanswered(days=30)) == 1


def test_a_failing_log_never_costs_the_answer(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    knowledge = service(db)

    def broken() -> str:
        raise RuntimeError("directory down")

    answer = knowledge.policy_answer("can I bring my dog to the office", department=broken)
    assert answer.kind == "no_match"


def test_digest_goes_to_the_owner_channel_else_the_contact_channel_else_the_admins(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Routing, not calibration: every section that matches is "related, not an answer" here.
    never_sure = replace(decide.shipped_model(), answer_at=1.1, related_at=0.0)
    monkeypatch.setattr(decide, "shipped_model", lambda: never_sure)
    knowledge = service(db, policy_contact="Jo in <#C0CONTACT1|ask-ai>", admins=("UADMIN1", "UADMIN2"))
    knowledge.import_path(write_pack(tmp_path / "p"))
    related = knowledge.policy_answer("how often should I rotate API keys")
    assert related.kind == "related" and related.related[0].policy_id == "ai-security"
    knowledge.policy_answer("can I bring my dog to the office")
    knowledge.policy_answer("can I bring my dog to the office")
    posted: list[tuple[str, str]] = []
    sent = knowledge.send_gaps_digest(lambda destination, text: posted.append((destination, text)))
    routes = {m.route: m.destination for m in sent}
    assert routes["contact"] == "C0CONTACT1"
    assert len(posted) == len(sent)
    contact_text = dict(posted)["C0CONTACT1"]
    assert "“can I bring my dog to the office” — asked 2×" in contact_text
    assert routes["owner_channel"] == "C0SECURITY1"
    owner_text = dict(posted)["C0SECURITY1"]
    assert "near *AI Security*" in owner_text and "a related section was shown" in owner_text
    assert "dog" not in owner_text
    # No channel in the contact: each admin gets a direct message.
    admins = KnowledgeService(
        db=db, config=KnowledgeConfig(departments=REGISTRY, admins=("UADMIN1", "UADMIN2"))
    )
    assert {m.destination for m in admins.gaps_digest() if m.route == "admin"} == {"UADMIN1", "UADMIN2"}


def test_digest_escapes_what_people_typed(db: Database) -> None:
    knowledge = service(db, admins=("UADMIN",))
    knowledge.policy_answer("<!channel> can I bring my dog <@U999> to the office")
    (message,) = knowledge.gaps_digest()
    assert "<!channel>" not in message.text and "<@U999>" not in message.text
    assert "&lt;!channel&gt;" in message.text


def test_owner_channel_must_be_a_channel_id(tmp_path: Path) -> None:
    assert (
        load_policy_dir(write_pack(tmp_path / "ok"), departments=REGISTRY).policies[0].owner_channel
        == "C0SECURITY1"
    )
    with pytest.raises(PackError, match="owner_channel must be a Slack channel ID"):
        load_policy_dir(write_pack(tmp_path / "bad", owner_channel="security-team"), departments=REGISTRY)


def test_migration_upgrades_a_populated_database(db: Database) -> None:
    """0006 adds the log and the owner column under existing catalogues without losing them."""
    service(db)
    command.downgrade(db.alembic_config(), "0004")
    with db.read() as session:
        before = session.execute(text("SELECT count(*) FROM policy_sections")).scalar()
    assert before
    db.upgrade()
    knowledge = KnowledgeService(db=db, config=KnowledgeConfig(departments=REGISTRY))
    assert knowledge.policy_answer("what is prompt injection").kind == "answer"  # FTS still in step
    knowledge.policy_answer("can I bring my dog to the office")
    assert len(knowledge.unanswered()) == 1


@pytest.fixture
def run(sqlite_url: str, fake_slack: FakeSlack):  # type: ignore[no-untyped-def]
    env = {
        "DATABASE_URL": sqlite_url,
        "BRIEFBOT_POLICY_DIR": "",
        "BRIEFBOT_CERTS_FILE": "",
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": fake_slack.url,
        "BRIEFBOT_ADMINS": "UADMIN",
        "BRIEFBOT_POLICY_CONTACT": "Legal (#ask-legal)",
    }

    def invoke(*args: str, **extra: str) -> Result:
        return CliRunner().invoke(cli, list(args), env={**env, **extra})

    return invoke


def test_cli_lists_sends_and_explains(run, fake_slack: FakeSlack) -> None:  # type: ignore[no-untyped-def]
    assert run("knowledge", "gaps").stdout.strip() == "No unanswered policy questions in the last 7 days."
    for question in (
        "how many vacation days do I have left",
        "vacation days left?",
        "where can I park my bike",
    ):
        assert run("policy", question).exit_code == 0
    listing = run("knowledge", "gaps")
    assert listing.exit_code == 0, listing.output
    assert "  2× how many vacation days do I have left" in listing.stdout
    assert "also: vacation days left?" in listing.stdout
    data = json.loads(run("knowledge", "gaps", "--json").stdout)
    assert [g["count"] for g in data["groups"]] == [2, 1] and data["sent"] == []

    sent = run("knowledge", "gaps", "--send")
    assert sent.exit_code == 0, sent.output
    assert "Digest posted to UADMIN (admin, 2 groups)." in sent.stdout
    (post,) = fake_slack.calls_to("chat.postMessage")
    assert post.args["channel"] == "UADMIN"
    assert "“how many vacation days do I have left” — asked 2×" in post.args["text"]

    to_channel = run("knowledge", "gaps", "--send", "--json", BRIEFBOT_POLICY_CONTACT="Jo <#C0LEGAL123>")
    assert json.loads(to_channel.stdout)["sent"][0]["destination"] == "C0LEGAL123"
    assert fake_slack.calls_to("chat.postMessage")[-1].args["channel"] == "C0LEGAL123"

    nowhere = run("knowledge", "gaps", "--send", BRIEFBOT_ADMINS="")
    assert nowhere.exit_code == 1
    assert nowhere.stderr.strip().startswith("Error: nowhere to send the digest")


@pytest.mark.parametrize(
    ("contact", "channel"),
    [
        ("Jo in <#C0123ABCD|ask-ai>", "C0123ABCD"),
        ("<#G0PRIVATE1>", "G0PRIVATE1"),
        ("the AI desk, channel C0AIDESK12", "C0AIDESK12"),
        ("the Legal & Compliance team (#ask-legal)", None),
        ("ask LEGAL COMPLIANCE", None),
    ],
)
def test_the_contact_names_a_channel_only_by_its_id(contact: str, channel: str | None) -> None:
    assert KnowledgeConfig(departments=REGISTRY, policy_contact=contact).contact_channel == channel
