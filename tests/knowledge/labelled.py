"""Scores the knowledge service on the labelled question sets in tests/data.

In-scope (policy_questions.yaml): every 4th question is held out from tuning, as before.
Off-topic (offtopic_questions.yaml): each question carries its split. Used by
``test_abstention.py`` and ``bench/abstention.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from knowledge.service import KnowledgeService

DATA = Path(__file__).resolve().parents[1] / "data"
SPLITS = ("tune", "held-out")


def in_scope() -> list[dict]:
    cases = yaml.safe_load((DATA / "policy_questions.yaml").read_text(encoding="utf-8"))
    return [{**c, "split": "held-out" if i % 4 == 3 else "tune"} for i, c in enumerate(cases)]


def off_topic() -> list[dict]:
    return yaml.safe_load((DATA / "offtopic_questions.yaml").read_text(encoding="utf-8"))


@dataclass
class Tally:
    total: int = 0
    top1: int = 0  # in-scope: answered with the labelled section first
    abstained: int = 0  # off-topic: no answer given ("no_match" or "related")
    no_match: int = 0
    misses: list[str] = field(default_factory=list)


def evaluate(knowledge: KnowledgeService) -> dict[str, dict[str, Tally]]:
    """{"in-scope"|"off-topic": {split: Tally}}; asks through ``policy_answer`` like users do."""
    out: dict[str, dict[str, Tally]] = {"in-scope": {}, "off-topic": {}}
    for case in in_scope():
        tally = out["in-scope"].setdefault(case["split"], Tally())
        answer = knowledge.policy_answer(case["question"])
        tally.total += 1
        got = [(h.policy_id, h.heading) for h in answer.hits[:1]]
        if answer.kind == "answer" and got == [(case["policy"], case["section"])]:
            tally.top1 += 1
        else:
            tally.misses.append(f"{case['question']!r} -> {answer.kind} {got}")
    for case in off_topic():
        tally = out["off-topic"].setdefault(case["split"], Tally())
        answer = knowledge.policy_answer(case["question"])
        tally.total += 1
        tally.abstained += answer.kind in ("no_match", "related")
        tally.no_match += answer.kind == "no_match"
        if answer.kind == "answer":
            tally.misses.append(f"{case['question']!r} -> {answer.hits[0].heading}")
    return out


def summary(result: dict[str, dict[str, Tally]]) -> str:
    lines = []
    for split in SPLITS:
        i, o = result["in-scope"][split], result["off-topic"][split]
        lines.append(
            f"{split:9} in-scope top-1 {i.top1}/{i.total} ({i.top1 / i.total:.0%}); "
            f"off-topic abstained {o.abstained}/{o.total} ({o.abstained / o.total:.0%}, "
            f"{o.no_match} as 'no policy covers this')"
        )
    return "\n".join(lines)
