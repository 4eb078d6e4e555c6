"""Data-pack parsing and validation: every problem reported with file and line, nothing partial."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.cert_pack import parse_certifications
from knowledge.errors import KnowledgeError, PackError
from knowledge.pack_format import fingerprint
from knowledge.packs import BUNDLED_CERTS, BUNDLED_POLICIES, load_pack
from knowledge.policy_pack import parse_policy
from tests.departments import REGISTRY

POLICY = """---
id: remote-work
title: Remote Work with AI
owner: "IT (#ask-it)"
url: https://intranet.example.com/remote
updated: 2026-01-31
departments: [ops, people]
---
# Remote Work with AI

Intro text.

## Using assistants at home

Sign in with SSO.

```
## not a heading inside a fence
```

### A sub-heading stays in the section

More text.

## Empty section

## Reporting

Tell #it.
"""

CERT = """- id: one
  name: Cert One
  provider: Example
  url: https://example.com/one
  level: foundational
  topics: [governance]
  departments: [legal, ops]
  summary: For beginners.
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_policy_front_matter_and_sections() -> None:
    policy, problems = parse_policy(POLICY, "remote.md", default_id="remote", departments=REGISTRY)
    assert problems == []
    assert policy is not None
    assert policy.id == "remote-work"
    assert policy.title == "Remote Work with AI"
    assert policy.owner == "IT (#ask-it)"
    assert policy.updated == "2026-01-31"
    assert policy.departments == ("operations", "hr")
    headings = [s.heading for s in policy.sections]
    # Empty sections are dropped; ## inside a code fence and ### headings do not split.
    assert headings == ["Remote Work with AI", "Using assistants at home", "Reporting"]
    using = policy.sections[1]
    assert "not a heading inside a fence" in using.body
    assert "A sub-heading stays" in using.body
    assert using.anchor == "using-assistants-at-home"
    assert using.line == 13


def test_policy_without_front_matter_takes_title_from_heading() -> None:
    policy, problems = parse_policy(
        "# Plain Policy\n\n## Rule\n\nDo this.\n", "plain.md", "plain", departments=REGISTRY
    )
    assert problems == [] and policy is not None
    assert (policy.id, policy.title, policy.owner, policy.url) == ("plain", "Plain Policy", "", None)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("---\ntitle: [unclosed\n---\n## A\n\ntext\n", 2, "invalid YAML"),
        ("---\ntitle: x\n", 1, "never closed"),
        ("---\ntitel: Typo\n---\n## A\n\ntext\n", 2, "unknown front-matter key 'titel'"),
        ("---\nurl: ftp://example.com/x\n---\n## A\n\ntext\n", 2, "http(s) URL"),
        ("---\nupdated: last week\n---\n## A\n\ntext\n", 2, "YYYY-MM-DD"),
        ("---\ndepartments: [legal, marketing]\n---\n## A\n\ntext\n", 2, "unknown department 'marketing'"),
        ("---\nid: Not An Id\n---\n## A\n\ntext\n", 2, "id must be"),
        ("---\ntitle: Empty\n---\n\n", 4, "no text"),
    ],
)
def test_policy_problems_name_the_line(text: str, line: int, fragment: str) -> None:
    policy, problems = parse_policy(text, "bad.md", "bad", departments=REGISTRY)
    assert policy is None
    assert problems, "expected a problem"
    assert problems[0].file == "bad.md"
    assert problems[0].line == line
    assert fragment in problems[0].message


def test_policy_folder_reports_every_broken_file(tmp_path: Path) -> None:
    folder = tmp_path / "policies"
    write(folder, "good.md", "# Good\n\n## A\n\ntext\n")
    write(folder, "bad1.md", "---\nowner: [\n---\n## A\n\ntext\n")
    write(folder, "bad2.md", "---\nurl: javascript:alert(1)\n---\n## A\n\ntext\n")
    (folder / "latin1.md").write_bytes("# Caf\xe9\n\n## A\n\nt\n".encode("latin-1"))
    with pytest.raises(PackError) as info:
        load_pack(folder, departments=REGISTRY)
    files = sorted(p.file for p in info.value.problems)
    assert files == ["bad1.md", "bad2.md", "latin1.md"]
    message = str(info.value)
    assert "nothing was changed" in message
    assert "bad2.md:2: url must be an http(s) URL" in message
    assert "latin1.md:1: not UTF-8" in message


def test_duplicate_policy_ids_are_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    write(folder, "a.md", "---\nid: same\n---\n## A\n\ntext\n")
    write(folder, "b.md", "---\nid: same\n---\n## B\n\ntext\n")
    with pytest.raises(PackError, match=r"also used by a\.md"):
        load_pack(folder, departments=REGISTRY)


def test_empty_folder_and_wrong_paths(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(PackError, match=r"no \.md files"):
        load_pack(tmp_path / "empty", departments=REGISTRY)
    with pytest.raises(KnowledgeError, match="no such file"):
        load_pack(tmp_path / "missing", departments=REGISTRY)
    with pytest.raises(KnowledgeError, match="give the folder"):
        load_pack(write(tmp_path, "one.md", "# x\n\ntext\n"), departments=REGISTRY)
    with pytest.raises(KnowledgeError, match="expected a folder"):
        load_pack(write(tmp_path, "list.csv", "a,b\n"), departments=REGISTRY)


def test_certifications_parse() -> None:
    certs, problems = parse_certifications(CERT, "certs.yaml", departments=REGISTRY)
    assert problems == []
    assert certs[0].id == "one"
    assert certs[0].departments == ("legal", "operations")
    assert certs[0].topics == ("governance",)


@pytest.mark.parametrize(
    ("edit", "line", "fragment"),
    [
        (lambda t: t.replace("level: foundational", "level: expert"), 5, "level must be one of"),
        (lambda t: t.replace("  url: https://example.com/one\n", ""), 1, "missing url"),
        (lambda t: t.replace("https://example.com/one", "example.com/one"), 4, "http(s) URL"),
        (lambda t: t.replace("[legal, ops]", "[legal, sales]"), 7, "unknown department 'sales'"),
        (lambda t: t + "  fee: 300\n", 9, "unknown field 'fee'"),
        (lambda t: t.replace("topics: [governance]", "topics: governance: x"), 6, "invalid YAML"),
        (lambda t: t + "  hours: lots\n", 9, "hours must be a positive number"),
        (lambda t: t + CERT, 9, "duplicate id 'one'"),
    ],
)
def test_certification_problems_name_the_line(edit, line: int, fragment: str) -> None:  # type: ignore[no-untyped-def]
    _certs, problems = parse_certifications(edit(CERT), "certs.yaml", departments=REGISTRY)
    assert problems, "expected a problem"
    assert (problems[0].file, problems[0].line) == ("certs.yaml", line), problems
    assert fragment in problems[0].message


def test_certifications_must_be_a_non_empty_list() -> None:
    assert (
        "expected a list" in parse_certifications("name: x\n", "c.yaml", departments=REGISTRY)[1][0].message
    )
    assert "empty" in parse_certifications("[]\n", "c.yaml", departments=REGISTRY)[1][0].message


def test_bundled_pack_is_valid_and_follows_the_contract() -> None:
    policies = load_pack(BUNDLED_POLICIES, departments=REGISTRY)
    assert 8 <= policies.items <= 12
    for policy in policies.policies:
        assert policy.owner and policy.updated and policy.url, policy.id
        assert len(policy.sections) >= 4, policy.id
    certs = load_pack(BUNDLED_CERTS, departments=REGISTRY)
    assert certs.items >= 15
    for cert in certs.certifications:
        assert cert.url.startswith("https://"), cert.id
        assert cert.cost is None, "fees change: the bundled catalogue must not state them"


def test_fingerprint_changes_with_content(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    path = write(folder, "a.md", "# A\n\ntext\n")
    before = fingerprint(folder)
    assert fingerprint(folder) == before
    path.write_text("# A\n\nother text\n", encoding="utf-8")
    assert fingerprint(folder) != before
