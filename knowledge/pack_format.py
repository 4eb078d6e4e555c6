"""Data packs' shared shape: the validated pack types, the format's limits and the checks both
kinds of pack use (pure, no database).

Formats are the contract in DESIGN.md ("Data packs") and are described for admins in
``knowledge/data/README.md``; ``knowledge.policy_pack`` and ``knowledge.cert_pack`` parse the
two kinds, ``knowledge.packs`` tells which a path is and loads it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml

from foundation.departments import DepartmentRegistry
from knowledge.errors import Problem
from knowledge.text import normalise
from knowledge.types import CertView

LEVELS: tuple[str, ...] = ("foundational", "practitioner", "advanced", "executive")
MAX_FILE_BYTES = 1024 * 1024
MAX_FILES = 2000
MAX_TITLE = 300
MAX_HEADING = 300
MAX_SECTION_CHARS = 60_000
ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
ID_RULE = "must be lower-case letters, digits, '-', '_' or '.'"

POLICY_KEYS = frozenset({"id", "title", "owner", "owner_channel", "url", "updated", "departments"})
# A Slack channel ID (public C…, private G…): where the policy's owners read the gaps digest.
CHANNEL_ID_RE = re.compile(r"^[CG][A-Z0-9]{8,}$")
CERT_REQUIRED = ("id", "name", "provider", "url", "level", "topics", "departments", "summary")
CERT_KEYS = frozenset({*CERT_REQUIRED, "hours", "cost"})


def known_keys(keys: frozenset[str]) -> str:
    return ", ".join(sorted(keys))


# Certification-only audiences: catalogue entries may name them besides the departments.
CERT_AUDIENCES: dict[str, str] = {
    "it": "it",
    "it leadership": "it-leadership",
    "it-leadership": "it-leadership",
    "all": "all",
    "everyone": "all",
}
CERT_ONLY: tuple[str, ...] = tuple(dict.fromkeys(CERT_AUDIENCES.values()))

PackKind = Literal["policies", "certifications"]


@dataclass(frozen=True)
class SectionDoc:
    """A heading and the text under it, up to the next ``#``/``##`` heading."""

    heading: str
    anchor: str
    level: int
    position: int
    body: str
    line: int


@dataclass(frozen=True)
class PolicyDoc:
    id: str
    title: str
    owner: str
    url: str | None
    updated: str | None
    departments: tuple[str, ...]
    source_file: str
    sections: tuple[SectionDoc, ...]
    owner_channel: str | None = None


@dataclass(frozen=True)
class Pack:
    """A validated pack, ready to replace a catalogue."""

    kind: PackKind
    location: str
    fingerprint: str
    policies: tuple[PolicyDoc, ...] = ()
    certifications: tuple[CertView, ...] = ()

    @property
    def items(self) -> int:
        return len(self.policies) if self.kind == "policies" else len(self.certifications)

    @property
    def sections(self) -> int:
        return sum(len(p.sections) for p in self.policies)


def policy_files(folder: Path) -> list[Path]:
    """The Markdown files of a policy folder (not recursive; hidden files skipped), sorted."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in (".md", ".markdown") and not p.name.startswith(".")
    )


def fingerprint(path: Path) -> str:
    """A content hash of a pack (file names and bytes): equal fingerprints mean nothing changed."""
    digest = hashlib.sha256()
    files = policy_files(path) if path.is_dir() else [path]
    for file in files:
        digest.update(file.name.encode() + b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def read_text(path: Path, shown: str, problems: list[Problem]) -> str | None:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            problems.append(Problem(shown, 1, f"file is {size} bytes; the limit is {MAX_FILE_BYTES}"))
            return None
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(shown, 1, f"not UTF-8 text ({exc.reason} at byte {exc.start})"))
    except OSError as exc:
        problems.append(Problem(shown, 1, f"cannot read: {exc.strerror or exc}"))
    return None


def yaml_problem(shown: str, exc: yaml.YAMLError, line_offset: int = 0) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = (mark.line + 1 if mark is not None else 1) + line_offset
    what = getattr(exc, "problem", None) or str(exc)
    return Problem(shown, line, f"invalid YAML: {what}")


def url_problem(value: Any) -> str | None:
    """The problem with a URL value, or None when it is a usable http(s) link."""
    if not isinstance(value, str) or not value.strip():
        return "must be an http(s) URL"
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"must be an http(s) URL, got {value!r}"
    if any(ch in value for ch in " <>|\"'"):
        return f"URL contains characters that cannot appear in a link: {value!r}"
    return None


def department_keys(
    value: Any, departments: DepartmentRegistry, extra: tuple[str, ...]
) -> tuple[tuple[str, ...], str | None]:
    """Canonical keys for a pack's ``departments`` list: the registry's names and aliases, plus
    the ``extra`` audiences this kind of entry may name (``all``; for certifications also ``it``)."""
    choices = ", ".join((*departments.keys, *extra))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return (), f"must be a list of department names ({choices})"
    out = []
    for item in value:
        plain = normalise(item).strip()
        name = departments.normalise(item) or CERT_AUDIENCES.get(plain)
        if name is None or (name not in departments.keys and name not in extra):
            return (), f"unknown department {item!r} (use {choices})"
        if name not in out:
            out.append(name)
    return tuple(out), None
