"""The real public policy packs behind the cross-pack figures (tests/data/policy_packs) stay usable:
each loads as an admin's import would, every gold section names a heading the pack really has (a
renamed heading would silently turn right answers into misses in bench/policy_packs.py), each
records where it came from and under what terms, and each has enough questions of every kind."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from knowledge.check import load_cases, unknown_sections
from knowledge.index import pack_sections
from knowledge.policy_pack import load_policy_dir
from tests.departments import REGISTRY

PACKS = Path(__file__).resolve().parents[1] / "data" / "policy_packs"
FOLDERS = sorted(p for p in PACKS.iterdir() if (p / "questions.yaml").exists())


def test_there_are_at_least_seven_real_packs() -> None:
    assert len(FOLDERS) >= 7, [p.name for p in FOLDERS]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_pack_loads_and_its_questions_name_real_sections(folder: Path) -> None:
    sections = {
        (c.policy_id, c.heading)
        for c in pack_sections(load_policy_dir(folder / "policies", departments=REGISTRY))
    }
    cases = load_cases(folder / "questions.yaml")
    assert unknown_sections(cases, sections, str(folder / "questions.yaml")) == []
    kinds = Counter(case.kind for case in cases)
    assert kinds["in_scope"] >= 30 and kinds["off_topic"] >= 12 and kinds["near_miss"] >= 12, kinds
    assert len({case.question.lower() for case in cases}) == len(cases), "a question asked twice"


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_pack_records_its_source_and_licence(folder: Path) -> None:
    source = (folder / "SOURCE.md").read_text(encoding="utf-8")
    assert "github:" in source, "the origin, as github:OWNER/REPO@COMMIT:PATH"
    assert "Licence" in source
