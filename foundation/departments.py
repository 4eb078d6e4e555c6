"""The department registry: the one list of department keys, display names and aliases.

It is built once per process from the department profiles (``briefings.assembly.profiles``, the bundled
YAML plus ``BRIEFBOT_PROFILES_FILE``) by the composition root and handed to every layer that
reads a department from a person: feeds (tagging), briefings (subscriptions, previews),
knowledge (certifications) and the Slack views (help, pickers). So an alias an admin adds to the
profiles works for ``/ai-feeds`` exactly as for ``/ai-brief``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from foundation.errors import UnknownDepartment


@dataclass(frozen=True)
class Department:
    """One department as people name it."""

    key: str
    name: str
    aliases: tuple[str, ...] = ()
    description: str = ""


def name_key(name: str) -> str:
    """How names compare: ``"Human Resources"``, ``"/hr"``, ``"#people_ops"`` reduce alike."""
    return re.sub(r"[\s_]+", "-", name.strip().strip("/").lower().lstrip("#"))


@dataclass(frozen=True)
class DepartmentRegistry:
    """Departments in their canonical order, with alias lookup that never guesses."""

    departments: tuple[Department, ...]

    def __post_init__(self) -> None:
        table: dict[str, str] = {}
        for dept in self.departments:
            for name in (dept.key, dept.name, *dept.aliases):
                table.setdefault(name_key(name), dept.key)
        object.__setattr__(self, "_table", table)

    def __iter__(self) -> Iterator[Department]:
        return iter(self.departments)

    def __len__(self) -> int:
        return len(self.departments)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(d.key for d in self.departments)

    def normalise(self, name: str | None) -> str | None:
        """The canonical key for a key, display name or alias (any case), or None."""
        key = name_key(name or "")
        return self._lookup().get(key) if key else None

    def resolve(self, name: str | None) -> str:
        """The canonical key for user input; ``UnknownDepartment`` naming the choices otherwise."""
        key = self.normalise(name)
        if key is None:
            raise UnknownDepartment(self.unknown_message(name or ""))
        return key

    def resolve_many(self, names: Iterable[str]) -> tuple[str, ...]:
        """Canonical keys for several names (comma-separated values allowed), de-duplicated, in order."""
        seen: list[str] = []
        for raw in names:
            for part in raw.split(","):
                if part.strip():
                    key = self.resolve(part)
                    if key not in seen:
                        seen.append(key)
        return tuple(seen)

    def get(self, key: str) -> Department:
        for dept in self.departments:
            if dept.key == key:
                return dept
        raise UnknownDepartment(self.unknown_message(key))

    def label(self, key: str) -> str:
        """The display name of ``key`` (the key itself if unknown)."""
        return next((d.name for d in self.departments if d.key == key), key)

    def choices(self) -> str:
        """``finance (fin), legal (law), ...``: each key with its first alias, for messages."""
        parts = []
        for dept in self.departments:
            alias = next((a for a in dept.aliases if name_key(a) != dept.key), None)
            parts.append(f"{dept.key} ({alias})" if alias else dept.key)
        return ", ".join(parts)

    def unknown_message(self, name: str) -> str:
        shown = name.strip()[:40] or "(empty)"
        return f"Unknown department {shown!r}. Choose one of: {self.choices()}."

    def _lookup(self) -> dict[str, str]:
        table: dict[str, str] = self.__dict__["_table"]
        return table
