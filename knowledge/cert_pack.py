"""Certification packs: parse and validate a certifications YAML file (pure, no database).

Everything is checked before anything is written: the loader returns a complete ``Pack`` or
raises ``PackError`` listing every problem as ``file:line: message``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from foundation.departments import DepartmentRegistry
from knowledge.errors import PackError, Problem
from knowledge.pack_format import (
    CERT_KEYS,
    CERT_ONLY,
    CERT_REQUIRED,
    ID_RE,
    ID_RULE,
    LEVELS,
    Pack,
    department_keys,
    fingerprint,
    known_keys,
    read_text,
    url_problem,
    yaml_problem,
)
from knowledge.types import CertView


def _node_lines(node: yaml.Node) -> tuple[int, dict[str, int]]:
    """The 1-based line of a mapping node and of each of its keys."""
    keys: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _value in node.value:
            keys.setdefault(str(key_node.value), key_node.start_mark.line + 1)
    return node.start_mark.line + 1, keys


def _string_list(value: Any) -> list[str] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return None
    return [v.strip() for v in value]


def _cert_entry(
    entry: dict[str, Any],
    at: Callable[[str], int],
    line: int,
    shown: str,
    seen: dict[str, int],
    registry: DepartmentRegistry,
) -> tuple[CertView | None, list[Problem]]:
    """Validate one certification entry (``seen``: ids so far and their lines)."""
    found: list[Problem] = []
    found += [
        Problem(shown, at(str(key)), f"unknown field {key!r} (known: {known_keys(CERT_KEYS)})")
        for key in entry
        if key not in CERT_KEYS
    ]
    found += [Problem(shown, line, f"missing {k}") for k in CERT_REQUIRED if entry.get(k) in (None, "", [])]
    cert_id = entry.get("id")
    if "id" in entry and (not isinstance(cert_id, str) or not ID_RE.match(cert_id)):
        found.append(Problem(shown, at("id"), f"id {ID_RULE}, got {cert_id!r}"))
    elif isinstance(cert_id, str) and cert_id in seen:
        found.append(Problem(shown, at("id"), f"duplicate id {cert_id!r} (first on line {seen[cert_id]})"))
    for key in ("name", "provider", "summary"):
        if entry.get(key) is not None and not isinstance(entry[key], str):
            found.append(Problem(shown, at(key), f"{key} must be text"))
    if entry.get("url") and (problem := url_problem(entry["url"])):
        found.append(Problem(shown, at("url"), f"url {problem}"))
    level = entry.get("level")
    if level and (not isinstance(level, str) or level.strip().lower() not in LEVELS):
        found.append(Problem(shown, at("level"), f"level must be one of {', '.join(LEVELS)}, not {level!r}"))
    topics = _string_list(entry.get("topics"))
    if entry.get("topics") and topics is None:
        found.append(Problem(shown, at("topics"), "topics must be a list, e.g. [governance, risk]"))
    departments: tuple[str, ...] = ()
    if entry.get("departments"):
        departments, problem = department_keys(entry["departments"], registry, CERT_ONLY)
        if problem:
            found.append(Problem(shown, at("departments"), f"departments {problem}"))
    hours = entry.get("hours")
    if hours is not None and (isinstance(hours, bool) or not isinstance(hours, int | float) or hours < 0):
        found.append(Problem(shown, at("hours"), f"hours must be a positive number, got {hours!r}"))
    cost = entry.get("cost")
    if cost is not None and not isinstance(cost, str | int | float):
        found.append(Problem(shown, at("cost"), "cost must be text, e.g. 'see the official page'"))
    if isinstance(cert_id, str):
        seen.setdefault(cert_id, at("id"))
    if found:
        return None, found
    return (
        CertView(
            id=cert_id,  # type: ignore[arg-type]
            name=" ".join(entry["name"].split()),
            provider=" ".join(entry["provider"].split()),
            url=entry["url"].strip(),
            level=str(level).strip().lower(),
            summary=" ".join(entry["summary"].split()),
            topics=tuple(t.lower() for t in topics or ()),
            departments=departments,
            hours=float(hours) if hours is not None else None,
            cost=str(cost) if cost is not None else None,
        ),
        [],
    )


def parse_certifications(
    text: str, shown: str, *, departments: DepartmentRegistry
) -> tuple[list[CertView], list[Problem]]:
    """Parse a certifications YAML document; returns the entries or the problems found."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return [], [yaml_problem(shown, exc)]
    if isinstance(data, dict) and set(data) == {"certifications"}:
        data = data["certifications"]
        assert isinstance(root, yaml.MappingNode)
        root = root.value[0][1]
    if not isinstance(data, list) or not isinstance(root, yaml.SequenceNode):
        return [], [Problem(shown, 1, "expected a list of entries (lines starting with '- id:')")]
    if not data:
        return [], [Problem(shown, 1, "the list of certifications is empty")]
    problems: list[Problem] = []
    certs: list[CertView] = []
    seen: dict[str, int] = {}
    for entry, node in zip(data, root.value, strict=True):
        line, key_lines = _node_lines(node)

        def at(key: str, line: int = line, key_lines: dict[str, int] = key_lines) -> int:
            return key_lines.get(key, line)

        if not isinstance(entry, dict):
            problems.append(Problem(shown, line, "each entry must be a mapping with id, name, provider, ..."))
            continue
        cert, found = _cert_entry(entry, at, line, shown, seen, departments)
        problems += found
        if cert is not None:
            certs.append(cert)
    return certs, problems


def load_certs_file(path: Path, *, departments: DepartmentRegistry) -> Pack:
    """Validate a certifications YAML file; raises ``PackError`` listing all problems."""
    what = f"certifications in {path}"
    problems: list[Problem] = []
    text = read_text(path, path.name, problems)
    if text is None:
        raise PackError(what, problems)
    certs, problems = parse_certifications(text, path.name, departments=departments)
    if problems:
        raise PackError(what, problems)
    return Pack("certifications", str(path), fingerprint(path), certifications=tuple(certs))
