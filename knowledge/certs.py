"""Certification recommendations (pure): rank the catalogue for a parsed ``/ai-certs`` request.

Ranking adds up department fit (including how well the certification's topics match what that
department cares about), requested topics and level; catalogue order breaks ties, so admins
control the order of equals. ``knowledge.cert_request`` understands the arguments.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from foundation.departments import DepartmentRegistry
from knowledge.cert_request import DEPARTMENT_TOPICS
from knowledge.pack_format import LEVELS
from knowledge.text import stem, words
from knowledge.types import CertPick, CertRequest, CertView, DepartmentPicks

_LABELS = {"hr": "HR", "it": "IT", "it-leadership": "IT leadership"}


def _adjacent(a: str, b: str) -> bool:
    order = {level: i for i, level in enumerate(LEVELS[:3])}
    if a in order and b in order:
        return abs(order[a] - order[b]) == 1
    return {a, b} == {"advanced", "executive"}


def _label(department: str) -> str:
    return _LABELS.get(department, department)


def score(cert: CertView, request: CertRequest) -> tuple[float, tuple[str, ...], bool]:
    """A certification's score for a request, why it fits, and whether it is relevant at all."""
    total = 0.0
    reasons: list[str] = []
    relevant = True
    cert_topics = set(cert.topics)
    if request.departments:
        fit = [d for d in request.departments if d in cert.departments]
        if fit:
            total += 3.0 + 1.0 / max(len(cert.departments), 1)
            cares = set().union(*(DEPARTMENT_TOPICS.get(d, frozenset()) for d in fit))
            shared = [t for t in cert.topics if t in cares]
            total += 0.5 * len(shared)
            reasons.append(f"suited to {', '.join(_label(d) for d in fit)} teams")
        elif "all" in cert.departments:
            total += 2.0
            reasons.append("suits every department")
        else:
            relevant = False
    if request.topics:
        hits = [t for t in request.topics if t in cert_topics]
        for t in hits:
            total += 2.0 + (0.3 if cert.topics and cert.topics[0] == t else 0.0)
        if hits:
            reasons.append("covers " + ", ".join(t.replace("-", " ") for t in hits))
        elif not request.departments:
            relevant = False
    if request.keywords:
        haystack = {stem(w) for w in words(f"{cert.name} {cert.provider} {' '.join(cert.topics)}")}
        hits = [k for k in request.keywords if stem(k) in haystack]
        total += 1.5 * len(hits)
        if hits:
            reasons.append("matches " + ", ".join(f"“{k}”" for k in hits))
        elif not (request.departments or request.topics):
            relevant = False
    if request.level:
        if cert.level == request.level:
            total += 2.5
            reasons.append(f"{cert.level} level, as asked")
        elif _adjacent(cert.level, request.level):
            total += 0.5
        elif not (request.departments or request.topics or request.keywords):
            relevant = False
    return total, tuple(reasons), relevant and total > 0


def rank(
    certs: Sequence[CertView], request: CertRequest, limit: int = 5, *, audience: Iterable[str] = ()
) -> list[CertPick]:
    """The best certifications for a request, best first (catalogue order breaks ties).

    ``audience``: the departments the asker may belong to (the bot's own). A request that names
    no department or role (``prompt engineering``) is answered for them: certifications whose
    ``departments`` field names one of them (or ``all``) come before those meant only for others
    (``it``: developers and engineers), each group in score order. Naming a department, a role
    (``developer``) or nothing but a level leaves the order to the score alone.
    """
    served = frozenset(audience) | {"all"}
    general = bool(audience) and not request.departments and bool(request.topics or request.keywords)
    scored = []
    for position, cert in enumerate(certs):
        value, reasons, relevant = score(cert, request)
        if relevant:
            elsewhere = general and served.isdisjoint(cert.departments)
            scored.append((elsewhere, -value, position, CertPick(cert, round(value, 3), reasons)))
    scored.sort(key=lambda item: item[:3])
    return [item[3] for item in scored[:limit]]


def department_overview(
    certs: Sequence[CertView], departments: DepartmentRegistry, per_department: int = 3
) -> list[DepartmentPicks]:
    """A few certifications per department for an empty request, mixing levels where possible.

    A short overview is more useful as "a starter, a practitioner and an advanced option" than
    as three advanced certifications that happen to score alike.
    """
    overview = []
    for department in departments.keys:
        ranked = rank(certs, CertRequest(departments=(department,)), limit=len(certs))
        chosen: list[CertPick] = []
        for pick in ranked:
            if len(chosen) < per_department and all(c.cert.level != pick.cert.level for c in chosen):
                chosen.append(pick)
        for pick in ranked:
            if len(chosen) < per_department and pick not in chosen:
                chosen.append(pick)
        order = {id(pick): i for i, pick in enumerate(ranked)}
        chosen.sort(key=lambda pick: order[id(pick)])
        overview.append(DepartmentPicks(department, tuple(chosen)))
    return overview


def department_recommendations(
    certs: Sequence[CertView], department: str, departments: DepartmentRegistry
) -> list[CertView]:
    """Every certification that fits a department, best first (for the briefing spotlight)."""
    resolved = departments.normalise(department) or department
    return [pick.cert for pick in rank(certs, CertRequest(departments=(resolved,)), limit=len(certs))]
