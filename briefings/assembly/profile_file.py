"""Reading department profiles from YAML: the bundled file and an admin's
``BRIEFBOT_PROFILES_FILE``, each field checked, an invalid file refused with its line.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from briefings.assembly.profiles import (
    BUNDLED_PROFILES,
    DEPARTMENTS,
    Phrase,
    Profile,
    Profiles,
    phrase_tokens,
)
from briefings.errors import InvalidProfiles
from foundation.departments import name_key

_PROFILE_FIELDS = {"name", "aliases", "concerns", "description", "examples", "phrases", "exclude"}
_KEY = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
_PHRASE_FIELDS = {"phrase", "weight", "why", "variants"}


class _Where:
    """Builds error messages that name the file and line of a YAML node."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, node: yaml.Node | None, message: str) -> InvalidProfiles:
        line = f", line {node.start_mark.line + 1}" if node is not None else ""
        return InvalidProfiles(f"invalid department profiles in {self.source}{line}: {message}")


def _mapping(where: _Where, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise where.error(node, f"{what} must be a mapping of name: value")
    seen: set[str] = set()
    out: list[tuple[str, yaml.Node, yaml.Node]] = []
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise where.error(key_node, f"{what} keys must be plain names")
        key = str(key_node.value)
        if key in seen:
            raise where.error(key_node, f"{key!r} appears twice in {what}")
        seen.add(key)
        out.append((key, key_node, value_node))
    return out


def _string(where: _Where, node: yaml.Node, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise where.error(node, f"{what} must be non-empty text")
    return str(node.value).strip()


def _strings(where: _Where, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node]]:
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise where.error(node, f"{what} must be a list, e.g. [one, two]")
    return [(_string(where, item, f"each entry of {what}"), item) for item in node.value]


def _weight(where: _Where, node: yaml.Node, phrase: str) -> float:
    try:
        value = float(node.value) if isinstance(node, yaml.ScalarNode) else None
    except ValueError:
        value = None
    if value is None or not 0 < value <= 5:
        raise where.error(node, f"weight of {phrase!r} must be a number above 0 and at most 5")
    return value


def _words(where: _Where, node: yaml.Node, text: str) -> str:
    if not phrase_tokens(text):
        raise where.error(node, f"{text!r} has no words to match")
    return text.lower()


def _phrase(where: _Where, node: yaml.Node, dept: str) -> Phrase:
    fields = dict((k, v) for k, _kn, v in _mapping(where, node, f"a phrase of {dept}"))
    unknown = sorted(set(fields) - _PHRASE_FIELDS)
    if unknown:
        raise where.error(
            node, f"unknown field {unknown[0]!r} in a phrase (allowed: phrase, weight, why, variants)"
        )
    for required in ("phrase", "weight", "why"):
        if required not in fields:
            raise where.error(node, f"a phrase of {dept} has no {required!r}")
    text = _words(where, fields["phrase"], _string(where, fields["phrase"], "phrase"))
    variants = tuple(
        _words(where, n, v) for v, n in _strings(where, fields.get("variants", _EMPTY), "variants")
    )
    return Phrase(
        phrase=text,
        weight=_weight(where, fields["weight"], text),
        why=_string(where, fields["why"], f"why of {text!r}"),
        variants=variants,
    )


_EMPTY = yaml.ScalarNode(tag="tag:yaml.org,2002:null", value="")


def _profile(where: _Where, key: str, key_node: yaml.Node, node: yaml.Node) -> Profile:
    fields = {k: (kn, v) for k, kn, v in _mapping(where, node, f"department {key!r}")}
    unknown = sorted(set(fields) - _PROFILE_FIELDS)
    if unknown:
        raise where.error(
            fields[unknown[0]][0],
            f"unknown field {unknown[0]!r} in {key} (allowed: {', '.join(sorted(_PROFILE_FIELDS))})",
        )
    phrases_node = fields.get("phrases", (None, _EMPTY))[1]
    if isinstance(phrases_node, yaml.SequenceNode):
        phrases = tuple(_phrase(where, item, key) for item in phrases_node.value)
    elif isinstance(phrases_node, yaml.ScalarNode) and phrases_node.value in ("", "~", "null"):
        phrases = ()
    else:
        raise where.error(phrases_node, f"phrases of {key} must be a list")
    if "concerns" in fields and "description" in fields:
        raise where.error(
            fields["description"][0], f"{key} has both concerns and description (they are one field)"
        )
    described = fields.get("concerns") or fields.get("description")
    concerns = _string(where, described[1], f"description of {key}") if described else ""
    examples = tuple(e for e, _ in _strings(where, fields.get("examples", (None, _EMPTY))[1], "examples"))
    if not phrases and not (concerns and examples):
        raise where.error(
            key_node, f"department {key!r} needs phrases, or a description and example headlines"
        )
    name = _string(where, fields["name"][1], f"name of {key}") if "name" in fields else key.title()
    aliases = [a.lower() for a, _ in _strings(where, fields.get("aliases", (None, _EMPTY))[1], "aliases")]
    exclude = [
        _words(where, n, e) for e, n in _strings(where, fields.get("exclude", (None, _EMPTY))[1], "exclude")
    ]
    return Profile(
        key=key,
        name=name,
        aliases=tuple(aliases),
        concerns=concerns,
        phrases=phrases,
        exclude=tuple(exclude),
        examples=examples,
    )


def parse_profiles(text: str, source: str = "profiles", *, trusted: bool = False) -> dict[str, Profile]:
    """Parse and validate profile YAML; raises :class:`InvalidProfiles` naming the line.

    ``trusted`` text (the bundled file, known valid) is read with libyaml when PyYAML has it:
    0.17 s less on every CLI command. An admin's file keeps the pure-Python reader, whose error
    messages the tests pin.
    """
    where = _Where(source)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader) if trusted else yaml.SafeLoader
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f", line {mark.line + 1}" if mark is not None else ""
        context = exc.context_mark
        if context is not None and mark is not None and context.line != mark.line:
            line += f" ({exc.context} started on line {context.line + 1})"
        raise InvalidProfiles(
            f"invalid department profiles in {source}{line}: not valid YAML ({exc.problem})"
        ) from exc
    except yaml.YAMLError as exc:
        raise InvalidProfiles(f"invalid department profiles in {source}: not valid YAML ({exc})") from exc
    if root is None:
        raise InvalidProfiles(f"invalid department profiles in {source}: the file is empty")
    out: dict[str, Profile] = {}
    for key, key_node, value in _mapping(where, root, "the top level"):
        if not _KEY.match(key):
            raise where.error(
                key_node,
                f"department name {key!r} must be lowercase letters, digits or '-', starting with a letter",
            )
        out[key] = _profile(where, key, key_node, value)
    return out


def _check_aliases(profiles: tuple[Profile, ...], source: str) -> None:
    owner: dict[str, str] = {}
    for profile in profiles:
        for name in {profile.key, *profile.aliases}:
            norm = name_key(name)
            other = owner.setdefault(norm, profile.key)
            if other != profile.key:
                raise InvalidProfiles(
                    f"invalid department profiles in {source}: alias {name!r} is used by both "
                    f"{other} and {profile.key}"
                )


@lru_cache(maxsize=8)
def _load(path: str | None, _mtime: float) -> Profiles:
    bundled = parse_profiles(
        BUNDLED_PROFILES.read_text(encoding="utf-8"), str(BUNDLED_PROFILES), trusted=True
    )
    source = "bundled"
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidProfiles(f"cannot read department profiles {path}: {exc.strerror}") from exc
        bundled.update(parse_profiles(text, path))
        source = path
    missing = [d for d in DEPARTMENTS if d not in bundled]
    if missing:
        raise InvalidProfiles(f"department profiles have no entry for {', '.join(missing)}")
    ordered = tuple(bundled[d] for d in DEPARTMENTS) + tuple(
        p for k, p in bundled.items() if k not in DEPARTMENTS
    )
    _check_aliases(ordered, source)
    return Profiles(profiles=ordered, source=source)


def load_profiles(path: Path | str | None = None) -> Profiles:
    """The bundled profiles, with the departments defined in ``path`` (if any) replacing them.

    Cached per file and modification time, so an edited override file is picked up.
    """
    if path is None:
        return _load(None, 0.0)
    try:
        mtime = Path(path).stat().st_mtime
    except OSError as exc:
        raise InvalidProfiles(f"cannot read department profiles {path}: {exc.strerror}") from exc
    return _load(str(path), mtime)


def normalise_department(name: str | None, path: Path | str | None = None) -> str | None:
    """``"Ops"`` -> ``"operations"``; None when ``name`` is no known department or alias."""
    return load_profiles(path).normalise(name)
