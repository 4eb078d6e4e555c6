"""Policy packs: parse and validate a folder of policy Markdown files (pure, no database).

Everything is checked before anything is written: the loader returns a complete ``Pack`` or
raises ``PackError`` listing every problem as ``file:line: message``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from foundation.departments import DepartmentRegistry
from knowledge.errors import KnowledgeError, PackError, Problem
from knowledge.pack_format import (
    CHANNEL_ID_RE,
    ID_RE,
    ID_RULE,
    MAX_FILES,
    MAX_HEADING,
    MAX_SECTION_CHARS,
    MAX_TITLE,
    POLICY_KEYS,
    Pack,
    PolicyDoc,
    SectionDoc,
    department_keys,
    fingerprint,
    known_keys,
    policy_files,
    read_text,
    url_problem,
    yaml_problem,
)
from knowledge.text import normalise

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


# An explicit heading anchor (``## Data in prompts {#data-in-prompts}``, the attribute syntax of
# Pandoc, kramdown and most static-site generators): it names the page's real fragment, so it
# wins over our slug, and the marker itself is not part of the heading people read.
_EXPLICIT_ANCHOR = re.compile(r"\s*\{#([A-Za-z][\w.:-]{0,199})\}\s*$")


def heading_anchor(heading: str) -> tuple[str, str | None]:
    """(heading without an explicit ``{#id}`` marker, that id or None)."""
    match = _EXPLICIT_ANCHOR.search(heading)
    if match is None:
        return heading, None
    return heading[: match.start()].rstrip(), match.group(1)


def slugify(text: str) -> str:
    """GitHub-style heading anchor: lower-case words joined by hyphens."""
    slug = re.sub(r"[^\w\s-]", "", normalise(text)).strip()
    return re.sub(r"[\s_]+", "-", slug)[:200] or "section"


def _front_matter(lines: list[str], shown: str) -> tuple[dict[str, Any], dict[str, int], int, list[Problem]]:
    """(front matter, line of each key, first body line, problems) of a policy file."""
    if not lines or lines[0].strip() != "---":
        return {}, {}, 0, []
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return {}, {}, 0, [Problem(shown, 1, "front matter starts with --- but is never closed")]
    raw = "\n".join(lines[1:end])
    try:
        loaded = yaml.safe_load(raw) if raw.strip() else {}
    except yaml.YAMLError as exc:
        return {}, {}, 0, [yaml_problem(shown, exc, line_offset=1)]
    if not isinstance(loaded, dict):
        return {}, {}, 0, [Problem(shown, 2, "front matter must be a mapping of key: value lines")]
    meta_lines: dict[str, int] = {}
    for i in range(1, end):
        meta_lines.setdefault(lines[i].split(":", 1)[0].strip(), i + 1)
    return loaded, meta_lines, end + 1, []


def _updated(value: Any) -> tuple[str | None, str | None]:
    """(ISO date, problem) for the ``updated`` field."""
    if value is None:
        return None, None
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), None
    if isinstance(value, dt.date):
        return value.isoformat(), None
    try:
        return dt.date.fromisoformat(str(value)).isoformat(), None
    except ValueError:
        return None, f"updated must be a date (YYYY-MM-DD), not {value!r}"


def _check_meta(meta: dict[str, Any], at: Callable[[str], int], shown: str) -> list[Problem]:
    """Problems with the front-matter keys and values that need no further parsing."""
    problems = [
        Problem(shown, at(str(key)), f"unknown front-matter key {key!r} (known: {known_keys(POLICY_KEYS)})")
        for key in meta
        if key not in POLICY_KEYS
    ]
    policy_id = meta.get("id")
    if "id" in meta and (not isinstance(policy_id, str) or not ID_RE.match(policy_id)):
        problems.append(Problem(shown, at("id"), f"id {ID_RULE}, got {policy_id!r}"))
    for key in ("title", "owner"):
        if key in meta and (not isinstance(meta[key], str) or not meta[key].strip()):
            problems.append(Problem(shown, at(key), f"{key} must be non-empty text"))
    channel = meta.get("owner_channel")
    if channel is not None and (not isinstance(channel, str) or not CHANNEL_ID_RE.match(channel.strip())):
        problems.append(
            Problem(
                shown,
                at("owner_channel"),
                f"owner_channel must be a Slack channel ID such as C0123ABCDE, not {channel!r}",
            )
        )
    url = meta.get("url")
    if url is not None and (problem := url_problem(url)):
        problems.append(Problem(shown, at("url"), f"url {problem}"))
    return problems


def parse_policy(
    text: str, shown: str, default_id: str, *, departments: DepartmentRegistry
) -> tuple[PolicyDoc | None, list[Problem]]:
    """Parse one policy Markdown file; returns the policy or the problems found."""
    lines = text.splitlines()
    meta, meta_lines, body_start, problems = _front_matter(lines, shown)
    if problems:
        return None, problems

    def at(key: str) -> int:
        return meta_lines.get(key, 1)

    problems = _check_meta(meta, at, shown)
    if "id" not in meta and not ID_RE.match(default_id):
        problems.append(Problem(shown, at("id"), f"id {ID_RULE}, got {default_id!r}"))
    updated, problem = _updated(meta.get("updated"))
    if problem:
        problems.append(Problem(shown, at("updated"), problem))
    tagged: tuple[str, ...] = ()
    if "departments" in meta:
        tagged, problem = department_keys(meta["departments"], departments, ("all",))
        if problem:
            problems.append(Problem(shown, at("departments"), f"departments {problem}"))

    sections, first_h1, section_problems = split_sections(lines, body_start, shown)
    problems += section_problems
    title = meta.get("title") if isinstance(meta.get("title"), str) else None
    title = (title or first_h1 or default_id.replace("-", " ").capitalize()).strip()
    if len(title) > MAX_TITLE:
        problems.append(Problem(shown, at("title"), f"title is longer than {MAX_TITLE} characters"))
    if not sections and not section_problems:
        problems.append(Problem(shown, body_start + 1, "no text: add # or ## headings with text"))
    if problems:
        return None, problems
    owner, url, channel = meta.get("owner"), meta.get("url"), meta.get("owner_channel")
    policy = PolicyDoc(
        id=str(meta.get("id", default_id)),
        title=title,
        owner=owner.strip() if isinstance(owner, str) else "",
        url=url.strip() if isinstance(url, str) else None,
        updated=updated,
        departments=tagged,
        source_file=shown,
        sections=tuple(sections),
        owner_channel=channel.strip() if isinstance(channel, str) else None,
    )
    return policy, []


def split_sections(
    lines: list[str], start: int, shown: str
) -> tuple[list[SectionDoc], str | None, list[Problem]]:
    """Split Markdown lines at ``#``/``##`` headings (not inside code fences).

    Deeper headings stay inside their section's text. Text before the first heading belongs to
    a section headed by the title; sections without text are dropped.
    """
    problems: list[Problem] = []
    raw: list[tuple[str, int, int, list[str]]] = []  # heading, level, line, body lines
    current: tuple[str, int, int, list[str]] = ("", 1, start + 1, [])
    first_h1: str | None = None
    in_fence = False
    for index in range(start, len(lines)):
        line = lines[index]
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match and len(match.group(1)) <= 2:
            raw.append(current)
            heading = match.group(2).strip()
            level = len(match.group(1))
            if level == 1 and first_h1 is None:
                first_h1 = heading_anchor(heading)[0]
            if len(heading) > MAX_HEADING:
                problems.append(Problem(shown, index + 1, f"heading is longer than {MAX_HEADING} characters"))
            current = (heading, level, index + 1, [])
        else:
            current[3].append(line)
    raw.append(current)
    sections: list[SectionDoc] = []
    anchors: dict[str, int] = {}
    for heading, level, start_line, body_lines in raw:
        body = "\n".join(body_lines).strip()
        if not body:
            continue
        if len(body) > MAX_SECTION_CHARS:
            problems.append(
                Problem(shown, start_line, f"section is longer than {MAX_SECTION_CHARS} characters; split it")
            )
            continue
        heading, explicit = heading_anchor(heading or first_h1 or "Introduction")
        heading = heading or "Introduction"
        anchor = explicit or slugify(heading)
        if explicit:
            anchors.setdefault(anchor, 0)
        elif anchor in anchors:
            anchors[anchor] += 1
            anchor = f"{anchor}-{anchors[anchor]}"
        else:
            anchors[anchor] = 0
        sections.append(SectionDoc(heading, anchor, level, len(sections), body, start_line))
    return sections, first_h1, problems


def load_policy_dir(folder: Path, *, departments: DepartmentRegistry) -> Pack:
    """Validate every policy file in ``folder``; raises ``PackError`` listing all problems."""
    if not folder.is_dir():
        raise KnowledgeError(f"{folder}: not a folder")
    files = policy_files(folder)
    what = f"policies in {folder}"
    if not files:
        raise PackError(what, [Problem(str(folder), 0, "no .md files found")])
    if len(files) > MAX_FILES:
        raise PackError(what, [Problem(str(folder), 0, f"{len(files)} files; the limit is {MAX_FILES}")])
    problems: list[Problem] = []
    policies: list[PolicyDoc] = []
    seen: dict[str, str] = {}
    for file in files:
        text = read_text(file, file.name, problems)
        if text is None:
            continue
        policy, found = parse_policy(text, file.name, default_id=slugify(file.stem), departments=departments)
        problems += found
        if policy is None:
            continue
        if policy.id in seen:
            problems.append(Problem(file.name, 1, f"id {policy.id!r} is also used by {seen[policy.id]}"))
            continue
        seen[policy.id] = file.name
        policies.append(policy)
    if problems:
        raise PackError(what, problems)
    return Pack("policies", str(folder), fingerprint(folder), policies=tuple(policies))
