"""``briefbot policy``, ``briefbot certs`` and ``briefbot knowledge import|status``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from briefbot.cli import cli


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "BRIEFBOT_POLICY_DIR": "",
        "BRIEFBOT_CERTS_FILE": "",
    }

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), env=env)

    return invoke


def test_policy_question_unquoted(run) -> None:  # type: ignore[no-untyped-def]
    result = run("policy", "can", "I", "paste", "customer", "data", "into", "ChatGPT?")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Customer and personal data in prompts — Acceptable Use of Generative AI")
    assert "Owner: Legal & Compliance (#ask-legal)" in result.stdout
    assert "https://intranet.example.com/policies/acceptable-use#" in result.stdout


def test_policy_json_is_one_document(run) -> None:  # type: ignore[no-untyped-def]
    result = run("policy", "prompt injection", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["kind"] == "answer"
    assert data["hits"][0]["heading"] == "Prompt injection and untrusted content"
    listing = json.loads(run("policy", "--json").stdout)
    assert listing["kind"] == "list" and len(listing["policies"]) >= 8


def test_certs_with_level_option(run) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(run("certs", "lawyer", "--level", "beginner", "--json").stdout)
    assert data["kind"] == "recommendations"
    assert data["picks"][0]["cert"]["level"] == "foundational"
    text = run("certs").stdout
    assert "legal:" in text and "hr:" in text and "Fees" in text


def test_certs_title_names_the_query_and_the_level_option_apart(run) -> None:  # type: ignore[no-untyped-def]
    text = run("certs", "cfo", "--level", "advanced").stdout
    assert text.startswith("Certifications for “cfo” at advanced level:\n1. Advanced in AI Audit (AAIA)")
    assert "--level" not in text
    assert run("certs", "--level", "beginner").stdout.startswith(
        "Certifications for any topic at foundational level:"
    )
    data = json.loads(run("certs", "cfo", "--level", "advanced", "--json").stdout)
    assert (data["query"], data["level"]) == ("cfo", "advanced")


def test_certs_prompt_engineering_reads_well_and_leads_with_business_certifications(run) -> None:  # type: ignore[no-untyped-def]
    text = run("certs", "prompt", "engineering").stdout
    assert text.startswith("Certifications for “prompt engineering”:\n1. AWS Certified AI Practitioner")
    assert "Searched for" not in text and "Read “" not in text
    typo = run("certs", "securty").stdout
    assert typo.startswith("Read “securty” as “security”.\n")


def test_certs_bad_level_is_one_line_error(run) -> None:  # type: ignore[no-untyped-def]
    result = run("certs", "legal", "--level", "guru")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: unknown level 'guru': use foundational, practitioner, advanced or executive"
    ]


def test_import_broken_pack_changes_nothing_and_names_file_and_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "ok.md").write_text("# Travel\n\n## Receipts\n\nKeep receipts.\n", encoding="utf-8")
    (folder / "bad.md").write_text("---\nupdated: someday\n---\n## A\n\ntext\n", encoding="utf-8")
    result = run("knowledge", "import", str(folder))
    assert result.exit_code == 1
    assert "bad.md:2: updated must be a date" in result.stderr
    assert "nothing was changed" in result.stderr
    assert result.stdout == ""
    assert "Customer and personal data" in run("policy", "customer data in chatgpt").stdout

    (folder / "bad.md").unlink()
    result = run("knowledge", "import", str(folder))
    assert result.exit_code == 0, result.output
    assert "Imported 1 policies (1 sections)" in result.stdout
    assert run("policy", "receipts").stdout.startswith("Receipts — Travel")
    status = json.loads(run("knowledge", "status", "--json").stdout)
    assert {s["kind"]: s["source"] for s in status} == {"policies": "import", "certifications": "bundled"}


def test_import_of_a_missing_path(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = run("knowledge", "import", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert "no such file or folder" in result.stderr


def test_import_json_is_the_imported_catalogue_and_a_refusal_prints_no_json(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "travel.md").write_text(
        "# Travel\n\n## Receipts\n\nKeep receipts.\n\n## Hotels\n\nBook.\n", encoding="utf-8"
    )
    result = run("knowledge", "import", str(folder), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["kind"], data["items"], data["sections"], data["source"]) == ("policies", 1, 2, "import")
    assert data["location"] == str(folder) and data["changed"] is True and data["version"] >= 1

    (folder / "bad.md").write_text("---\nupdated: someday\n---\n## A\n\ntext\n", encoding="utf-8")
    refused = run("knowledge", "import", str(folder), "--json")
    assert refused.exit_code == 1 and refused.stdout == ""
    assert "bad.md:2: updated must be a date" in refused.stderr
