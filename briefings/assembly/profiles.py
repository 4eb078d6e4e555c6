"""Department profiles as data: weighted phrases, "why it matters" labels, aliases, exclusions.

The bundled profiles live in ``briefings/data/departments.yaml``. Admins may point
``BRIEFBOT_PROFILES_FILE`` at their own YAML file in the same format; each department it defines
replaces the bundled one (the others stay). ``briefings.assembly.profile_file`` reads them and
refuses an invalid file with the offending line.

The profiles are the one source of department names and aliases: ``Profiles.registry`` is the
``foundation.departments.DepartmentRegistry`` that the composition root hands to every layer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from briefings.errors import UnknownDepartment
from foundation.departments import Department, DepartmentRegistry

BUNDLED_PROFILES = Path(__file__).resolve().parent.parent / "data" / "departments.yaml"
DEPARTMENTS: tuple[str, ...] = ("finance", "legal", "operations", "hr")

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Phrase:
    """One weighted signal: the phrase, its variants (same meaning), weight and reader label."""

    phrase: str
    weight: float
    why: str
    variants: tuple[str, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        """The phrase and all its variants."""
        return (self.phrase, *self.variants)


@dataclass(frozen=True)
class Profile:
    """What one department cares about in AI news."""

    key: str
    name: str
    aliases: tuple[str, ...]
    concerns: str
    phrases: tuple[Phrase, ...]
    exclude: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profiles:
    """All department profiles: finance, legal, operations, hr, then any the admin added."""

    profiles: tuple[Profile, ...]
    source: str = "bundled"

    def __iter__(self) -> Iterator[Profile]:
        return iter(self.profiles)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(p.key for p in self.profiles)

    def get(self, key: str) -> Profile:
        """The profile for a canonical key (use :meth:`resolve` for user input)."""
        for profile in self.profiles:
            if profile.key == key:
                return profile
        raise UnknownDepartment(self.unknown_message(key))

    @cached_property
    def registry(self) -> DepartmentRegistry:
        """The department registry every layer is handed (keys, names, aliases, concerns)."""
        return DepartmentRegistry(
            tuple(
                Department(key=p.key, name=p.name, aliases=p.aliases, description=p.concerns)
                for p in self.profiles
            )
        )

    def normalise(self, name: str | None) -> str | None:
        """The canonical key for a department name or alias (any case), or None."""
        return self.registry.normalise(name)

    def resolve(self, name: str | None) -> Profile:
        """The profile for user input such as ``Ops`` or ``people``; a clear error otherwise."""
        return self.get(self.registry.resolve(name))

    def unknown_message(self, name: str) -> str:
        """ "I don't know department X" plus the list of valid names, for users."""
        return self.registry.unknown_message(name)

    def choices(self) -> str:
        """``finance, legal, operations (ops), hr (people)``: each key with its first alias."""
        return self.registry.choices()


def phrase_tokens(text: str) -> tuple[str, ...]:
    """Words of a phrase or text as matched: lowercase, punctuation dropped, possessives folded.

    Matching works on these tokens, so ``human-in-the-loop`` matches "human in the loop" and
    ``sr 11-7`` matches "SR 11-7", always on word boundaries.
    """
    return tuple(_WORD.findall(_POSSESSIVE.sub("", text.lower())))


def token_spans(text: str) -> list[tuple[str, int, int]]:
    """The same tokens as :func:`phrase_tokens` with their positions in ``text`` (for display)."""
    out = []
    for m in _WORD.finditer(text):
        start, end = m.span()
        if end - start == 1 and m.group() in "sS" and start > 0 and text[start - 1] in "'’":
            continue
        out.append((m.group().lower(), start, end))
    return out


_POSSESSIVE = re.compile(r"['’]s\b")


# ----------------------------------------------------------------------------- YAML loading
