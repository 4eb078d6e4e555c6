"""``briefbot knowledge check``: an admin's own questions against a policy pack.

The questions file is a YAML list::

    - question: "can i put customer emails in chatgpt"
      kind: in_scope            # in_scope | off_topic | near_miss (optional; for reporting)
      expect:
        - policy: acceptable-use
          section: Customer and personal data in prompts
    - question: "whats the wifi password"
      kind: off_topic
      expect: none

A question with sections is answered right when one of them is the answer shown first (a
"not covered" counts as a miss: a wrong decline); it is in the top 3 when one of them is among
the three best-ranked sections, whatever the verdict. A question expecting ``none`` should be
declined: "no policy covers this" or "related, not an answer". Questions are answered exactly as
``/ai-policy`` answers them, but nothing is logged as an unanswered question.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from knowledge.errors import KnowledgeError, PackError, Problem
from knowledge.types import PolicyAnswer, SectionHit

KINDS = ("in_scope", "off_topic", "near_miss")


@dataclass(frozen=True)
class Expected:
    policy: str
    section: str


@dataclass(frozen=True)
class CheckCase:
    question: str
    kind: str
    expect: tuple[Expected, ...]  # empty: the question should be declined
    line: int = 0

    @property
    def should_decline(self) -> bool:
        return not self.expect


@dataclass(frozen=True)
class Shown:
    """A section as the check saw it."""

    policy: str
    section: str


@dataclass(frozen=True)
class Outcome:
    """One question's result: the verdict, what was shown first, and the ranking's top 3."""

    question: str
    kind: str
    expected: tuple[Expected, ...]
    verdict: str
    shown: tuple[Shown, ...]
    top3: tuple[Shown, ...]
    right: bool
    in_top3: bool


@dataclass
class CheckReport:
    """Figures over a questions file (``None`` where no question of that kind was asked)."""

    questions: int = 0
    answerable: int = 0
    top1: int = 0
    top3: int = 0
    wrong_declines: int = 0
    should_decline: int = 0
    declined: int = 0
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    misses: list[Outcome] = field(default_factory=list)

    def rate(self, name: str) -> float | None:
        base = self.answerable if name in ("top1", "top3", "wrong_declines") else self.should_decline
        return getattr(self, name) / base if base else None

    def as_dict(self) -> dict[str, Any]:
        rates = {n: self.rate(n) for n in ("top1", "top3", "wrong_declines", "declined")}
        return {
            "questions": self.questions,
            "answerable": self.answerable,
            "should_decline": self.should_decline,
            "top1": self.top1,
            "top3": self.top3,
            "wrong_declines": self.wrong_declines,
            "declined": self.declined,
            "rates": {k: None if v is None else round(v, 4) for k, v in rates.items()},
            "by_kind": self.by_kind,
            "misses": self.misses,
        }


def load_cases(path: Path) -> list[CheckCase]:
    """Parse and validate a questions file; raises ``PackError`` listing every problem."""
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise KnowledgeError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise PackError(
            f"questions in {shown}",
            [Problem(shown, mark.line + 1 if mark else 1, f"invalid YAML: {getattr(exc, 'problem', exc)}")],
        ) from exc
    if not isinstance(data, list) or not data:
        raise PackError(
            f"questions in {shown}", [Problem(shown, 1, "expected a non-empty list of questions")]
        )
    lines = [item.start_mark.line + 1 for item in node.value] if isinstance(node, yaml.SequenceNode) else []
    problems: list[Problem] = []
    cases: list[CheckCase] = []
    for i, entry in enumerate(data):
        line = lines[i] if i < len(lines) else 1
        case, found = _case(entry, shown, line)
        problems += found
        if case is not None:
            cases.append(case)
    if problems:
        raise PackError(f"questions in {shown}", problems)
    return cases


def _case(entry: Any, shown: str, line: int) -> tuple[CheckCase | None, list[Problem]]:
    if not isinstance(entry, dict):
        return None, [Problem(shown, line, "each entry must be a mapping with question and expect")]
    problems = [
        Problem(shown, line, f"unknown key {key!r} (known: expect, kind, question)")
        for key in entry
        if key not in ("question", "kind", "expect")
    ]
    question = entry.get("question")
    if not isinstance(question, str) or not question.strip():
        problems.append(Problem(shown, line, "question must be non-empty text"))
    expect = entry.get("expect")
    kind = entry.get("kind")
    if kind is not None and kind not in KINDS:
        problems.append(Problem(shown, line, f"kind must be one of {', '.join(KINDS)}, not {kind!r}"))
    wanted: list[Expected] = []
    if expect == "none" or (expect is None and "expect" in entry and kind in ("off_topic", "near_miss")):
        pass
    elif isinstance(expect, list) and expect:
        for item in expect:
            if (
                isinstance(item, dict)
                and isinstance(item.get("policy"), str)
                and isinstance(item.get("section"), str)
            ):
                wanted.append(Expected(item["policy"].strip(), item["section"].strip()))
            else:
                problems.append(Problem(shown, line, "each expected entry needs policy and section (text)"))
    else:
        problems.append(Problem(shown, line, "expect must be `none` or a list of {policy, section}"))
    if kind == "in_scope" and not wanted and not problems:
        problems.append(Problem(shown, line, "an in_scope question needs expected sections"))
    if problems:
        return None, problems
    resolved = kind or ("in_scope" if wanted else "off_topic")
    return CheckCase(question.strip(), resolved, tuple(wanted), line), []  # type: ignore[union-attr]


def unknown_sections(cases: Iterable[CheckCase], sections: set[tuple[str, str]], shown: str) -> list[Problem]:
    """Expected sections the pack does not have (a renamed heading, a typo in the file)."""
    return [
        Problem(shown, case.line, f"no section {e.section!r} in policy {e.policy!r}")
        for case in cases
        for e in case.expect
        if (e.policy, e.section) not in sections
    ]


def _shown(hit: SectionHit) -> Shown:
    return Shown(hit.policy_id, hit.heading)


def outcome(case: CheckCase, answer: PolicyAnswer, ranking: list[SectionHit]) -> Outcome:
    """Score one answer (``ranking``: the best sections whatever the verdict)."""
    wanted = {(e.policy, e.section) for e in case.expect}
    shown = tuple(_shown(h) for h in (answer.hits if answer.kind == "answer" else answer.related))
    top3 = tuple(_shown(h) for h in ranking[:3])
    if case.should_decline:
        right = answer.kind != "answer"
        in_top3 = right
    else:
        right = answer.kind == "answer" and bool(shown) and (shown[0].policy, shown[0].section) in wanted
        in_top3 = any((s.policy, s.section) in wanted for s in top3)
    return Outcome(case.question, case.kind, case.expect, answer.kind, shown, top3, right, in_top3)


def tally(outcomes: Iterable[Outcome]) -> CheckReport:
    report = CheckReport()
    for o in outcomes:
        report.questions += 1
        kind = report.by_kind.setdefault(o.kind, {"questions": 0, "right": 0})
        kind["questions"] += 1
        kind["right"] += o.right
        if o.expected:
            report.answerable += 1
            report.top1 += o.right
            report.top3 += o.in_top3
            report.wrong_declines += o.verdict != "answer"
        else:
            report.should_decline += 1
            report.declined += o.right
        if not o.right:
            report.misses.append(o)
    return report


def report_text(report: CheckReport, source: str) -> str:
    """The report as an admin reads it: figures, then every miss with what was shown."""

    def pct(name: str) -> str:
        value = report.rate(name)
        return "-" if value is None else f"{value:.0%}"

    lines = [
        f"Checked {report.questions} questions against {source}.",
        f"  right section first:   {report.top1}/{report.answerable} ({pct('top1')})",
        f"  right section in top 3: {report.top3}/{report.answerable} ({pct('top3')})",
        f"  wrongly declined:      {report.wrong_declines}/{report.answerable} ({pct('wrong_declines')})",
        f"  declined when it should: {report.declined}/{report.should_decline} ({pct('declined')})",
    ]
    for kind in KINDS:
        if kind in report.by_kind:
            k = report.by_kind[kind]
            lines.append(f"    {kind}: {k['right']}/{k['questions']} right")
    if not report.misses:
        lines.append("No misses.")
        return "\n".join(lines)
    lines.append(f"Misses ({len(report.misses)}):")
    for m in report.misses:
        want = "; ".join(f"{e.policy} › {e.section}" for e in m.expected) or "a decline (none)"
        got = f"{m.verdict}: " + ("; ".join(f"{s.policy} › {s.section}" for s in m.shown[:1]) or "-")
        lines.append(f"  ✗ {m.question}  [{m.kind}]")
        lines.append(f"      expected {want}")
        lines.append(f"      shown    {got}")
        if m.expected:
            lines.append("      top 3    " + ("; ".join(f"{s.policy} › {s.section}" for s in m.top3) or "-"))
    return "\n".join(lines)
