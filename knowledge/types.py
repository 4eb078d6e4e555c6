"""Frozen records that cross layers: what the service returns to Slack views, the CLI and briefings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class PolicyInfo:
    """One policy in the catalogue (for listings)."""

    id: str
    title: str
    owner: str
    url: str | None
    updated: str | None
    departments: tuple[str, ...]
    sections: int
    owner_channel: str | None = None


@dataclass(frozen=True)
class SectionHit:
    """A policy section that answers a question, with an excerpt around the matched terms."""

    policy_id: str
    policy_title: str
    heading: str
    excerpt: str
    url: str | None
    owner: str
    updated: str | None
    score: float = 0.0
    matched_terms: tuple[str, ...] = ()
    section_id: int = 0
    # The policy's owners' Slack channel ID (front matter ``owner_channel``), if any.
    owner_channel: str | None = None
    # The excerpt with the pack's Markdown emphasis and links kept (Slack renders it as mrkdwn).
    excerpt_markdown: str = ""


@dataclass(frozen=True)
class ComposedAnswer:
    """A short answer a language model wrote from the retrieved sections only: each sentence
    cites them as [1], [2] (``cited``: the 1-based numbers of ``PolicyAnswer.hits`` used)."""

    text: str
    cited: tuple[int, ...]
    model: str


@dataclass(frozen=True)
class Correction:
    """A query word replaced by a close word from the policies (typo tolerance)."""

    original: str
    replacement: str


PolicyAnswerKind = Literal["answer", "related", "no_match", "list", "empty"]


@dataclass(frozen=True)
class PolicyAnswer:
    """The answer to ``/ai-policy`` and ``briefbot policy``.

    ``kind``: "answer" (``hits`` holds the best section then up to two related ones),
    "related" (no section answers; ``related`` holds the closest one, shown as "related, not an
    answer"), "no_match" (no policy covers this; ``suggestions`` holds the closest AI-policy
    topics), "list" (empty question: ``policies``), "empty" (no policies are loaded at all).
    ``contact`` names who to ask; ``concepts`` are the question's concepts as searched.
    """

    query: str
    kind: PolicyAnswerKind
    contact: str
    hits: tuple[SectionHit, ...] = ()
    corrections: tuple[Correction, ...] = ()
    suggestions: tuple[str, ...] = ()
    policies: tuple[PolicyInfo, ...] = ()
    related: tuple[SectionHit, ...] = ()
    concepts: tuple[str, ...] = ()
    # The optional language model's short answer from ``hits`` (None: it is off or failed).
    composed: ComposedAnswer | None = None

    @property
    def unanswered(self) -> bool:
        """Whether this belongs in the unanswered-questions log."""
        return self.kind in ("related", "no_match")

    @property
    def best(self) -> SectionHit | None:
        return self.hits[0] if self.hits else None


@dataclass(frozen=True)
class CertView:
    """One certification from the catalogue."""

    id: str
    name: str
    provider: str
    url: str
    level: str
    summary: str
    topics: tuple[str, ...]
    departments: tuple[str, ...]
    hours: float | None = None
    cost: str | None = None


@dataclass(frozen=True)
class CertRequest:
    """``/ai-certs`` arguments understood: departments, topics, level and free keywords."""

    departments: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    level: str | None = None
    keywords: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    corrections: tuple[Correction, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.departments or self.topics or self.level or self.keywords)


@dataclass(frozen=True)
class CertPick:
    """A recommended certification and why it fits the request."""

    cert: CertView
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class DepartmentPicks:
    department: str
    picks: tuple[CertPick, ...]


CertAnswerKind = Literal["recommendations", "overview", "no_match", "empty"]

FEES_NOTE = "Fees, exam formats and prerequisites change: check the official page before you enrol."


@dataclass(frozen=True)
class CertAnswer:
    """The answer to ``/ai-certs`` and ``briefbot certs``.

    ``kind``: "recommendations" (``picks`` ranked best first), "overview" (no arguments:
    ``overview`` per department), "no_match" (nothing fits; ``picks`` may hold general
    suggestions), "empty" (no certifications are loaded).
    """

    query: str
    kind: CertAnswerKind
    request: CertRequest
    picks: tuple[CertPick, ...] = ()
    overview: tuple[DepartmentPicks, ...] = ()
    note: str = FEES_NOTE
    levels: tuple[str, ...] = field(default=("foundational", "practitioner", "advanced", "executive"))
    level: str | None = None  # the level option (``briefbot certs --level``), resolved; not in ``query``


@dataclass(frozen=True)
class GapGroup:
    """Similar questions nobody could answer, grouped (``briefbot knowledge gaps``)."""

    example: str
    questions: tuple[str, ...]
    count: int
    verdict: str  # "no_match", or "related" when some asks got a related section
    first_asked: str
    last_asked: str
    departments: tuple[str, ...]
    policy_id: str | None = None


@dataclass(frozen=True)
class DigestMessage:
    """One digest post: where it goes and why there (``owner_channel``, ``contact``, ``admin``)."""

    destination: str
    route: str
    policy_id: str | None
    text: str
    groups: int
