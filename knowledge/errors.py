"""Errors of the knowledge package; every message is fit to show a user as it is."""

from __future__ import annotations

from dataclasses import dataclass

from foundation.errors import BriefbotError


class KnowledgeError(BriefbotError):
    """Something about policies or certifications the user can act on."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a data pack, located like a compiler error."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class PackError(KnowledgeError, ValueError):
    """A data pack failed validation; nothing was changed. ``problems`` lists every finding."""

    def __init__(self, what: str, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.what = what
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = [f"{what}: {count} problem{'s' if count != 1 else ''}, nothing was changed"]
        lines += [f"  {p}" for p in self.problems[:50]]
        if count > 50:
            lines.append(f"  ... and {count - 50} more")
        super().__init__("\n".join(lines))
