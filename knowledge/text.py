"""Pure text helpers shared by policy search and certification matching.

The light stemmer here only has to agree with itself (query words against section words for
coverage, excerpts and typo checks); the database does the real stemming for ranking (FTS5's
porter tokenizer, PostgreSQL's english configuration).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

WORD_RE = re.compile(r"[a-z0-9]+")
# Apostrophe suffixes ("company's", "don't") are dropped before splitting into words.
APOSTROPHE_RE = re.compile(r"['’][a-z]*")

# English function words plus question phrasing: they carry no topic, and leaving them in an OR
# query only adds noise to the ranking.
_STOPWORD_TEXT = """
    a about above after again against all also am an and any are aren as at be because been
    before being below between both but by can cannot could couldn did didn do does doesn doing
    don down during each either etc ever every few for from further get gets getting give go
    going got had has have having he her here hers herself him himself his how i if in into is
    isn it its itself just let lets like me might more most much must my myself need needs no nor
    not now of off ok okay on once one only or other ought our ours ourselves out over own please
    put really same say says shall she should so some such tell than that the their theirs them
    themselves then there these they thing things this those through to too under until up upon
    us very via want wants was we were what whats when where whether which while who whom whose
    why will with within without would yes yet you your yours yourself yourselves
    allowed allow okay fine policy policies rule rules company companys guideline guidelines
    anything something someone anyone everyone stuff know way ways
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def normalise(text: str) -> str:
    """Lower-case, Unicode-compatibility folded, accents removed."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Lower-case word tokens (apostrophe suffixes such as ``'s`` dropped)."""
    return WORD_RE.findall(APOSTROPHE_RE.sub("", normalise(text)))


_DOUBLE_END = re.compile(r"([bdfgmnprt])\1$")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A small suffix-stripping stemmer: ``pasting``/``pasted``/``paste`` -> ``past``."""
    w = word.lower()
    if len(w) <= 3 or w.isdigit():
        return w
    for suffix, replacement, keep in (
        ("ies", "y", 2),
        ("sses", "ss", 2),
        ("ses", "s", 3),
        ("ings", "", 2),
        ("ing", "", 2),
        ("edly", "", 3),
        ("ed", "", 3),
        ("ly", "", 4),
        ("s", "", 3),
    ):
        if w.endswith(suffix) and len(w) - len(suffix) >= keep:
            if suffix == "s" and w[-2] in "suia":
                continue
            if len(w) - len(suffix) == 2 and w[0] not in "aeiou":
                break  # thing, bring: not a suffix
            w = w[: len(w) - len(suffix)] + replacement
            if suffix.startswith("ing") and len(w) == 2:
                w += "e"  # using -> use, not "us"
            break
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    if _DOUBLE_END.search(w):
        w = w[:-1]
    return w


def stems(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


def unique(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without repeats."""
    seen: set[str] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
