"""Data packs: parse and validate a policy folder or a certifications file (pure, no database).

Everything is checked before anything is written: a loader returns a complete ``Pack`` or raises
``PackError`` listing every problem as ``file:line: message``. Formats are the contract in
DESIGN.md ("Data packs") and are described for admins in ``knowledge/data/README.md``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml

from foundation.departments import DepartmentRegistry
from knowledge.errors import KnowledgeError, PackError, Problem
from knowledge.text import normalise
from knowledge.types import CertView

BUNDLED_DIR = Path(__file__).resolve().parent / "data"
BUNDLED_POLICIES = BUNDLED_DIR / "policies"
BUNDLED_CERTS = BUNDLED_DIR / "certifications.yaml"

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


def _known(keys: frozenset[str]) -> str:
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


# --- locating and fingerprinting ---------------------------------------------------------


def pack_kind(path: Path) -> PackKind:
    """Which catalogue a path feeds: a folder is policies, a .yaml/.yml file certifications."""
    if not path.exists():
        raise KnowledgeError(f"{path}: no such file or folder")
    if path.is_dir():
        return "policies"
    if path.suffix.lower() in (".yaml", ".yml"):
        return "certifications"
    if path.suffix.lower() in (".md", ".markdown"):
        raise KnowledgeError(
            f"{path}: policies are imported as a folder of Markdown files; give the folder instead"
        )
    raise KnowledgeError(f"{path}: expected a folder of policy Markdown files or a certifications .yaml file")


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


def load_pack(path: Path, *, departments: DepartmentRegistry) -> Pack:
    """Validate the pack at ``path`` completely; raises ``PackError`` or ``KnowledgeError``."""
    path = path.expanduser()
    kind = pack_kind(path)
    return (
        load_policy_dir(path, departments=departments)
        if kind == "policies"
        else load_certs_file(path, departments=departments)
    )


# --- policies ----------------------------------------------------------------------------

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


def _read_text(path: Path, shown: str, problems: list[Problem]) -> str | None:
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


def _yaml_problem(shown: str, exc: yaml.YAMLError, line_offset: int = 0) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = (mark.line + 1 if mark is not None else 1) + line_offset
    what = getattr(exc, "problem", None) or str(exc)
    return Problem(shown, line, f"invalid YAML: {what}")


def _check_url(value: Any) -> str | None:
    """The problem with a URL value, or None when it is a usable http(s) link."""
    if not isinstance(value, str) or not value.strip():
        return "must be an http(s) URL"
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"must be an http(s) URL, got {value!r}"
    if any(ch in value for ch in " <>|\"'"):
        return f"URL contains characters that cannot appear in a link: {value!r}"
    return None


def _departments(
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
        return {}, {}, 0, [_yaml_problem(shown, exc, line_offset=1)]
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
        Problem(shown, at(str(key)), f"unknown front-matter key {key!r} (known: {_known(POLICY_KEYS)})")
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
    if url is not None and (problem := _check_url(url)):
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
        tagged, problem = _departments(meta["departments"], departments, ("all",))
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
        text = _read_text(file, file.name, problems)
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


# --- certifications ----------------------------------------------------------------------


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
        Problem(shown, at(str(key)), f"unknown field {key!r} (known: {_known(CERT_KEYS)})")
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
    if entry.get("url") and (problem := _check_url(entry["url"])):
        found.append(Problem(shown, at("url"), f"url {problem}"))
    level = entry.get("level")
    if level and (not isinstance(level, str) or level.strip().lower() not in LEVELS):
        found.append(Problem(shown, at("level"), f"level must be one of {', '.join(LEVELS)}, not {level!r}"))
    topics = _string_list(entry.get("topics"))
    if entry.get("topics") and topics is None:
        found.append(Problem(shown, at("topics"), "topics must be a list, e.g. [governance, risk]"))
    departments: tuple[str, ...] = ()
    if entry.get("departments"):
        departments, problem = _departments(entry["departments"], registry, CERT_ONLY)
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
        return [], [_yaml_problem(shown, exc)]
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
    text = _read_text(path, path.name, problems)
    if text is None:
        raise PackError(what, problems)
    certs, problems = parse_certifications(text, path.name, departments=departments)
    if problems:
        raise PackError(what, problems)
    return Pack("certifications", str(path), fingerprint(path), certifications=tuple(certs))
