"""Is a model-written text grounded in what it was written from?

The model is handed untrusted text (feed items, policy sections) and its output is untrusted too.
A text is refused when it carries anything its sources do not: a number, a name (a capitalised
word that is not an ordinary English word opening a sentence), a quoted phrase; and always when
it mentions people or channels, or carries a link. Sources may be checked case-insensitively
for words, exactly for numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from spellchecker import SpellChecker

MENTION = re.compile(r"<[@#!]|(?<![\w.])@(channel|here|everyone|[A-Za-z0-9._-]+)\b", re.IGNORECASE)
LINK = re.compile(r"https?://|\bwww\.|<[^>]*\|", re.IGNORECASE)
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
QUOTED = re.compile(r"[\"“”«»]([^\"“”«»]{2,200})[\"“”«»]")
WORD = re.compile(r"[A-Za-z][A-Za-z0-9&'’.-]*[A-Za-z0-9]|[A-Za-z]")
SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|\n)$")


@lru_cache(maxsize=1)
def _english() -> SpellChecker:
    return SpellChecker(language="en")


def _plain_number(text: str) -> str:
    return text.replace(",", "")


def problems(
    text: str, sources: Iterable[str], *, allowed: Iterable[str] = (), limit: int = 400
) -> list[str]:
    """Why ``text`` may not be shown (empty list: it may)."""
    found: list[str] = []
    stripped = text.strip()
    if not stripped:
        return ["empty"]
    if len(stripped) > limit:
        found.append(f"longer than {limit} characters")
    if MENTION.search(stripped):
        found.append("mentions someone")
    if LINK.search(stripped):
        found.append("carries a link")
    source = " ".join(sources)
    lowered = source.lower()
    numbers = {_plain_number(n) for n in NUMBER.findall(source)}
    for number in NUMBER.findall(stripped):
        if _plain_number(number) not in numbers:
            found.append(f"number {number} is not in the source")
    for quoted in QUOTED.findall(stripped):
        if quoted.strip().lower() not in lowered:
            found.append(f"quote “{quoted.strip()}” is not in the source")
    known = {a.lower() for a in allowed}
    source_words = {w.lower().strip("'’.") for w in WORD.findall(source)}
    english = _english()
    for match in WORD.finditer(stripped):
        word = match.group().strip("'’.")
        if not word or not word[0].isupper() or word.lower() in known:
            continue
        if word.lower() in source_words or word.lower().removesuffix("'s") in source_words:
            continue
        opening = SENTENCE_START.search(stripped[: match.start()]) is not None
        if opening and word.lower() in english:
            continue  # an ordinary word capitalised because it opens a sentence
        found.append(f"name {word} is not in the source")
    return found
