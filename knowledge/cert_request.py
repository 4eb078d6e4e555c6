"""Understanding ``/ai-certs`` arguments (pure): what a request asks for, before any ranking.

Arguments come in any order and any mix: a department or its alias (``ops``, ``people``), a role
(``lawyer`` -> legal, ``cfo`` -> finance with a strategy slant), a topic (``security``,
``governance``), a level or its alias (``beginner`` -> foundational), or a free word matched
against names and providers (``aws``). ``knowledge.certs`` ranks the catalogue for the request.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from foundation.departments import DepartmentRegistry
from knowledge.pack_format import CERT_AUDIENCES
from knowledge.text import normalise, stem, unique, words
from knowledge.types import CertRequest, CertView, Correction

LEVEL_ALIASES: dict[str, str] = {
    "foundational": "foundational",
    "foundation": "foundational",
    "fundamentals": "foundational",
    "beginner": "foundational",
    "beginners": "foundational",
    "basic": "foundational",
    "basics": "foundational",
    "intro": "foundational",
    "introductory": "foundational",
    "entry": "foundational",
    "entry level": "foundational",
    "novice": "foundational",
    "starter": "foundational",
    "practitioner": "practitioner",
    "intermediate": "practitioner",
    "associate": "practitioner",
    "mid level": "practitioner",
    "advanced": "advanced",
    "expert": "advanced",
    "experts": "advanced",
    "senior": "advanced",
    "specialist": "advanced",
    "executive": "executive",
    "executives": "executive",
    "exec": "executive",
    "leadership": "executive",
    "board": "executive",
    "c suite": "executive",
}

TOPIC_ALIASES: dict[str, tuple[str, ...]] = {
    "governance": ("governance",),
    "responsible ai": ("governance",),
    "ethics": ("governance",),
    "oversight": ("governance",),
    "compliance": ("governance", "regulation"),
    "regulation": ("regulation",),
    "regulatory": ("regulation",),
    "ai act": ("eu-ai-act", "regulation"),
    "eu ai act": ("eu-ai-act", "regulation"),
    "privacy": ("privacy",),
    "gdpr": ("privacy",),
    "data protection": ("privacy",),
    "risk": ("risk",),
    "risks": ("risk",),
    "risk management": ("risk",),
    "audit": ("audit",),
    "audits": ("audit",),
    "auditing": ("audit",),
    "assurance": ("audit",),
    "security": ("security",),
    "cybersecurity": ("security",),
    "cyber": ("security",),
    "infosec": ("security",),
    "literacy": ("literacy",),
    "ai literacy": ("literacy",),
    "awareness": ("literacy",),
    "generative ai": ("generative-ai",),
    "generative": ("generative-ai",),
    "genai": ("generative-ai",),
    "gen ai": ("generative-ai",),
    "llm": ("generative-ai",),
    "llms": ("generative-ai",),
    "prompting": ("generative-ai",),
    "machine learning": ("ml-engineering",),
    "ml": ("ml-engineering",),
    "mlops": ("ml-engineering",),
    "engineering": ("ml-engineering",),
    "data science": ("ml-engineering", "data"),
    "data": ("data",),
    "analytics": ("data",),
    "agents": ("agents",),
    "agent": ("agents",),
    "agentic": ("agents",),
    "ai agents": ("agents",),
    "strategy": ("strategy",),
    "business": ("strategy",),
    "roi": ("strategy",),
    "investment": ("strategy",),
    "transformation": ("strategy",),
    "iso": ("iso-42001",),
    "42001": ("iso-42001",),
    "iso 42001": ("iso-42001",),
    "management system": ("iso-42001",),
    "nist": ("nist-ai-rmf",),
    "nist ai rmf": ("nist-ai-rmf",),
}


@dataclass(frozen=True)
class Role:
    departments: tuple[str, ...]
    topics: tuple[str, ...] = ()


ROLES: dict[str, Role] = {
    "lawyer": Role(("legal",)),
    "lawyers": Role(("legal",)),
    "attorney": Role(("legal",)),
    "counsel": Role(("legal",)),
    "general counsel": Role(("legal",)),
    "paralegal": Role(("legal",)),
    "solicitor": Role(("legal",)),
    "compliance officer": Role(("legal",), ("governance", "regulation")),
    "privacy officer": Role(("legal",), ("privacy",)),
    "dpo": Role(("legal",), ("privacy",)),
    "cfo": Role(("finance",), ("strategy",)),
    "controller": Role(("finance",)),
    "accountant": Role(("finance",)),
    "accountants": Role(("finance",)),
    "treasurer": Role(("finance",)),
    "fp a": Role(("finance",)),
    "analyst": Role(("finance",)),
    "auditor": Role(("finance",), ("audit",)),
    "auditors": Role(("finance",), ("audit",)),
    "internal audit": Role(("finance",), ("audit",)),
    "recruiter": Role(("hr",)),
    "recruiters": Role(("hr",)),
    "recruiting": Role(("hr",)),
    "talent": Role(("hr",)),
    "chro": Role(("hr",), ("strategy",)),
    "l d": Role(("hr",), ("literacy",)),
    "trainer": Role(("hr",), ("literacy",)),
    "coo": Role(("operations",), ("strategy",)),
    "supply chain": Role(("operations",)),
    "logistics": Role(("operations",)),
    "procurement": Role(("operations",)),
    "engineer": Role(("it",), ("ml-engineering",)),
    "engineers": Role(("it",), ("ml-engineering",)),
    "developer": Role(("it",), ("ml-engineering",)),
    "developers": Role(("it",), ("ml-engineering",)),
    "programmer": Role(("it",), ("ml-engineering",)),
    "data scientist": Role(("it",), ("ml-engineering", "data")),
    "ciso": Role(("it",), ("security",)),
    "cio": Role(("it",), ("strategy",)),
    "cto": Role(("it",), ("strategy",)),
    "it": Role(("it",)),
    "ceo": Role((), ("strategy",)),
}

# What each department cares about (DESIGN.md "Department concerns"), in catalogue topics.
DEPARTMENT_TOPICS: dict[str, frozenset[str]] = {
    "finance": frozenset({"audit", "risk", "strategy"}),
    "legal": frozenset({"governance", "privacy", "regulation", "eu-ai-act", "audit"}),
    "operations": frozenset({"risk", "security", "iso-42001", "agents", "generative-ai"}),
    "hr": frozenset({"literacy", "governance", "strategy", "privacy"}),
    "it": frozenset({"ml-engineering", "generative-ai", "agents", "data", "security"}),
}

_PHRASE_WORDS = 3


def _lookup(phrase: str, departments: DepartmentRegistry) -> tuple[str, object] | None:
    # A department's own name first; then roles and topics, which are more specific than the
    # registry's broader aliases ("cfo" is a finance alias but also a strategy slant, "privacy"
    # a legal alias but a catalogue topic); the aliases last.
    department = departments.normalise(phrase)
    if department and phrase.replace(" ", "-") in (department, departments.get(department).name.lower()):
        return "department", department
    if phrase in ROLES:
        return "role", ROLES[phrase]
    if phrase in TOPIC_ALIASES:
        return "topic", TOPIC_ALIASES[phrase]
    if phrase in LEVEL_ALIASES:
        return "level", LEVEL_ALIASES[phrase]
    department = department or CERT_AUDIENCES.get(phrase)
    return ("department", department) if department else None


@lru_cache(maxsize=8)
def _known_words(departments: DepartmentRegistry) -> list[str]:
    """Every word a request may use, for typo correction (departments come from the registry)."""
    names = [n for d in departments for n in (d.key, d.name.lower(), *d.aliases)]
    tables = (names, CERT_AUDIENCES, LEVEL_ALIASES, ROLES, TOPIC_ALIASES)
    return sorted({w for table in tables for k in table for w in k.replace("-", " ").split()})


# Words that say nothing about which certification fits ("certs for my team").
_FILLER = frozenset(
    [
        "for",
        "and",
        "or",
        "the",
        "a",
        "an",
        "in",
        "of",
        "my",
        "our",
        "team",
        "teams",
        "cert",
        "certs",
        "certification",
        "certifications",
        "ai",
        "level",
        "course",
        "courses",
        "me",
        "i",
        "am",
        "people's",
    ]
)


def _corrected(
    word: str, departments: DepartmentRegistry, corrections: list[Correction]
) -> tuple[str, object] | None:
    """The lookup of the known word ``word`` is a typo of (noted in ``corrections``), if any."""
    if len(word) < 4:
        return None
    close = difflib.get_close_matches(word, _known_words(departments), n=1, cutoff=0.8)
    found = _lookup(close[0], departments) if close else None
    # "prompt" for "prompting" is the same word, not a typo worth a "Read … as …" note.
    if found is not None and stem(word) != stem(close[0]):
        corrections.append(Correction(word, close[0]))
    return found


def parse_request(
    text: str,
    *,
    departments: DepartmentRegistry,
    level: str | None = None,
    catalogue_words: Iterable[str] = (),
) -> CertRequest:
    """Understand ``/ai-certs`` arguments in any order; unknown words are reported, not fatal."""
    tokens = [w for w in words(text.replace("&", " ").replace("/", " ")) if w]
    wanted: list[str] = []
    topics: list[str] = []
    keywords: list[str] = []
    unknown: list[str] = []
    corrections: list[Correction] = []
    levels: list[str] = []
    known_catalogue = {stem(w) for w in catalogue_words}
    i = 0
    while i < len(tokens):
        found = None
        for size in range(min(_PHRASE_WORDS, len(tokens) - i), 0, -1):
            found = _lookup(" ".join(tokens[i : i + size]), departments)
            if found:
                i += size
                break
        if found is None:
            word = tokens[i]
            i += 1
            if word in _FILLER:
                continue
            if stem(word) in known_catalogue:
                keywords.append(word)
                continue
            found = _corrected(word, departments, corrections)
            if found is None:
                unknown.append(word)
                continue
        kind, value = found
        if kind == "department":
            wanted.append(str(value))
        elif kind == "level":
            levels.append(str(value))
        elif kind == "role":
            assert isinstance(value, Role)
            wanted.extend(value.departments)
            topics.extend(value.topics)
        else:
            assert isinstance(value, tuple)
            topics.extend(value)
    if level:
        resolved = LEVEL_ALIASES.get(normalise(level).strip())
        if resolved:
            levels.insert(0, resolved)
        else:
            unknown.append(level)
    return CertRequest(
        departments=tuple(unique(wanted)),
        topics=tuple(unique(topics)),
        level=levels[0] if levels else None,
        keywords=tuple(unique(keywords)),
        unknown=tuple(unique(unknown)),
        corrections=tuple(corrections),
    )


def resolve_level(value: str) -> str | None:
    """A level name or alias (``beginner``) to its catalogue level, else None."""
    return LEVEL_ALIASES.get(normalise(value).strip())


def catalogue_words(certs: Iterable[CertView]) -> set[str]:
    """Words of names, providers and topics: free keywords are matched against these."""
    out: set[str] = set()
    for cert in certs:
        out.update(w for w in words(f"{cert.name} {cert.provider} {' '.join(cert.topics)}") if len(w) > 2)
    return out
