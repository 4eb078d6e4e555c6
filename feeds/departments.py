"""Canonical department ids and the aliases people type for them.

The briefings package owns the full department profiles; this is the small shared table every
front door uses to turn ``ops`` or ``People`` into ``operations`` or ``hr``.
"""

from __future__ import annotations

from types import MappingProxyType

from feeds.errors import UnknownDepartment

DEPARTMENTS: tuple[str, ...] = ("finance", "legal", "operations", "hr")

_ALIASES: dict[str, tuple[str, ...]] = {
    "finance": ("fin", "finances", "financial", "accounting", "treasury", "fp&a", "cfo"),
    "legal": ("law", "compliance", "privacy", "regulatory", "counsel", "gc"),
    "operations": ("ops", "operation", "op", "operational", "supply-chain", "logistics", "coo"),
    "hr": ("people", "human-resources", "humanresources", "human_resources", "talent", "people-ops", "chro"),
}

#: alias (lower case) -> canonical id; canonical ids map to themselves.
ALIASES: MappingProxyType[str, str] = MappingProxyType(
    {
        **{dept: dept for dept in DEPARTMENTS},
        **{alias: dept for dept, aliases in _ALIASES.items() for alias in aliases},
    }
)


def valid_departments_text() -> str:
    """``finance, legal, operations (ops), hr (people)``: for messages and help."""
    return "finance, legal, operations (ops), hr (people)"


def is_department(name: str) -> bool:
    """True when ``name`` is a canonical id or a known alias."""
    return _key(name) in ALIASES


def normalise_department(name: str) -> str:
    """Map a department name or alias to its canonical id; raise ``UnknownDepartment`` otherwise."""
    key = _key(name)
    try:
        return ALIASES[key]
    except KeyError:
        shown = name.strip()[:40] or "(empty)"
        raise UnknownDepartment(
            f"unknown department {shown!r}: use one of {valid_departments_text()}"
        ) from None


def normalise_departments(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Canonical ids for several names (comma-separated values allowed), de-duplicated, in order."""
    seen: list[str] = []
    for raw in names:
        for part in raw.split(","):
            if not part.strip():
                continue
            dept = normalise_department(part)
            if dept not in seen:
                seen.append(dept)
    return tuple(seen)


def _key(name: str) -> str:
    # "Human Resources", "/hr" (OPML category paths) and " OPS " all reduce to a table key.
    key = name.strip().strip("/").lower()
    return "-".join(key.split())
