"""XML entity declarations in feeds: harmless ones allowed, expansion bombs and XXE refused.

A few feeds declare entities for characters or names (``<!ENTITY eacute "é">``,
``<!ENTITY co "Acme">``); those are allowed. Refused before any parsing, in one bounded scan:
external entities (``SYSTEM``/``PUBLIC``: file or network reads), parameter entities, values that
refer to other entities (nesting is how billion-laughs bombs grow), long values, many
declarations, and documents whose references would expand to more than ``MAX_EXPANSION``
characters (the quadratic blowup: one long entity referenced many times). The one parameter
entity allowed is a W3C HTML character-entity set (``%HTMLlat1;``), which RSS 1.0 feeds declare.
"""

from __future__ import annotations

import re

from feeds.errors import ParseError

HEAD_BYTES = 64 * 1024
MAX_ENTITIES = 300  # HTML's own set is 253 names
MAX_VALUE_CHARS = 100
MAX_EXPANSION = 1_000_000

_PARAMETER = "refused: the document uses parameter entities (an entity-expansion bomb pattern)"
_ENTITY_DECL = re.compile(r"<!ENTITY", re.IGNORECASE)
# What may precede the DOCTYPE: an XML declaration, comments, processing instructions, spaces.
_PROLOG = re.compile(r"(?:\ufeff|\s+|<\?.*?\?>|<!--.*?-->)*", re.S)
_DOCTYPE = re.compile(r"<!DOCTYPE\s[^\[>]*", re.S)
_SUBSET_TOKEN = re.compile(
    r"\s+|<!--.*?-->|<\?.*?\?>|%[\w.:-]+;|\]"
    r"|<!(?P<kind>ENTITY|ELEMENT|ATTLIST|NOTATION)\b(?P<body>(?:[^\"'>]|\"[^\"]*\"|'[^']*')*)>",
    re.S,
)
_INTERNAL = re.compile(r"\s+(?P<name>[A-Za-z_][\w.:-]*)\s+(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)')\s*", re.S)
_EXTERNAL = re.compile(r"\b(?:SYSTEM|PUBLIC)\b")
_CHAR_REF = re.compile(r"&#(?:\d{1,7}|x[0-9A-Fa-f]{1,6});")
_REFERENCE = re.compile(r"&([A-Za-z_][\w.:-]*);")


def refuse_hostile(body: bytes) -> None:
    """Raise ``ParseError`` if ``body`` declares entities that are unsafe to expand."""
    head = head_text(body)
    if not _ENTITY_DECL.search(head):
        return
    entities = _declared_entities(head)
    if entities:
        _check_expansion(body, entities)


def head_text(body: bytes) -> str:
    """The first ``HEAD_BYTES`` as text, good enough to read markup (UTF-16 aware)."""
    return _decode(body[:HEAD_BYTES])


def _declared_entities(head: str) -> dict[str, str]:
    """Name -> replacement text of the DOCTYPE's internal entities (refusing unsafe ones)."""
    prolog = _PROLOG.match(head)
    doctype = _DOCTYPE.match(head, prolog.end() if prolog else 0)
    # "<!ENTITY" outside a DOCTYPE (in an item's text, say) declares nothing.
    if doctype is None or not head.startswith("[", doctype.end()):
        return {}
    entities: dict[str, str] = {}
    standard_sets: set[str] = set()
    pos = doctype.end() + 1
    while True:
        token = _SUBSET_TOKEN.match(head, pos)
        if token is None:
            raise ParseError("refused: the DOCTYPE's internal subset is unreadable or too long")
        pos = token.end()
        text = token.group(0)
        if text == "]":
            return entities
        if text.startswith("%"):
            if text[1:-1] not in standard_sets:
                raise ParseError(_PARAMETER)
            continue  # a W3C character-entity set: names only, never read (see _standard_set)
        if token.group("kind") == "ENTITY":
            body = token.group("body")
            standard = _standard_set(body)
            if standard:
                standard_sets.add(standard)
                continue
            name, value = _internal_entity(body)
            entities[name] = value
            if len(entities) > MAX_ENTITIES:
                raise ParseError(f"refused: the document declares more than {MAX_ENTITIES} XML entities")


# RSS 1.0 feeds (and XHTML) pull in the W3C's HTML character-entity sets so that &eacute; and
# friends are declared: "<!ENTITY % HTMLlat1 PUBLIC "-//W3C//ENTITIES Latin 1 for XHTML//EN" "...">
# %HTMLlat1;". Nothing here or in the parsers reads the external file (feedparser drops the
# DOCTYPE, and HTML's named references are made numeric before parsing), so such a declaration
# is only a list of names. Any other parameter entity is still refused.
_STANDARD_SET = re.compile(
    r"\s+%\s+(?P<name>[A-Za-z][\w.-]*)\s+PUBLIC\s+(?:\"-//W3C//ENTITIES [^\"<>%&]{1,100}//EN\"|"
    r"'-//W3C//ENTITIES [^'<>%&]{1,100}//EN')(?:\s+(?:\"[^\"<>%&]{0,300}\"|'[^'<>%&]{0,300}'))?\s*",
    re.S,
)


def _standard_set(decl: str) -> str | None:
    """The name of a parameter entity that declares one of the W3C's HTML entity sets."""
    match = _STANDARD_SET.fullmatch(decl)
    return match.group("name") if match else None


def _internal_entity(decl: str) -> tuple[str, str]:
    if decl.lstrip().startswith("%"):
        raise ParseError(_PARAMETER)
    match = _INTERNAL.fullmatch(decl)
    if match is None:
        if _EXTERNAL.search(decl):
            raise ParseError(
                "refused: the document declares an external XML entity (it could read local files)"
            )
        raise ParseError("refused: the document has an unreadable XML entity declaration")
    name, value = match.group("name"), match.group("dq") or match.group("sq") or ""
    if len(value) > MAX_VALUE_CHARS:
        raise ParseError(f"refused: XML entity '{name[:40]}' is longer than {MAX_VALUE_CHARS} characters")
    if "&" in _CHAR_REF.sub("", value) or "%" in value:
        raise ParseError(
            f"refused: XML entity '{name[:40]}' refers to other entities (an entity-expansion bomb pattern)"
        )
    if "<" in value:
        raise ParseError(f"refused: XML entity '{name[:40]}' contains markup")
    return name, value


def _check_expansion(body: bytes, entities: dict[str, str]) -> None:
    text = _decode(body)
    total = 0
    for match in _REFERENCE.finditer(text):
        value = entities.get(match.group(1))
        if value is not None:
            total += len(value)
            if total > MAX_EXPANSION:
                raise ParseError(
                    "refused: the document's entity references would expand to more than "
                    f"{MAX_EXPANSION:,} characters (an entity-expansion bomb pattern)"
                )


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        return data.decode("utf-16", errors="ignore")
    return data.decode("latin-1")
