"""Ranking's small pure functions: headline words and near-duplicates, merging a retelling into
the story it retells, recency, and the phrases a story matched (how much, which first, as shown).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from briefings.assembly.briefing import AlsoReported
from briefings.assembly.profiles import Phrase, Profile, phrase_tokens, token_spans
from briefings.assembly.ranked import Candidate, DeptMatch, ScoredStory

# Words that say nothing about which story a headline is about.
_STOPWORDS = frozenset(
    phrase_tokens(
        "a an and are as at be by for from has have how in into is it its new of on or says than that the "
        "their this to was what when where which who why will with"
    )
)


def title_words(title: str) -> frozenset[str]:
    """The content words of a headline, for near-duplicate detection."""
    return frozenset(w for w in phrase_tokens(title) if w not in _STOPWORDS)


def near_duplicate(a: frozenset[str], b: frozenset[str], threshold: float = 0.6) -> bool:
    """Two headlines sharing most of their content words (Jaccard >= ``threshold``)."""
    if len(a) < 3 or len(b) < 3:
        return a == b and bool(a)
    return len(a & b) / len(a | b) >= threshold


def merged(story: ScoredStory, twin: Candidate) -> ScoredStory:
    """``story`` with ``twin`` collapsed into it: the twin's outlets added to the sources (each
    named once) and listed with its link as "also reported by"; its IDs remembered with it."""
    cand = story.candidate
    sources = list(cand.sources)
    keys = list(cand.source_keys)
    links = twin.links
    also = list(cand.also)
    for name, key in zip(twin.sources, twin.source_keys or twin.sources, strict=False):
        if name not in sources:
            sources.append(name)
            keys.append(key)
            also.append(AlsoReported(source=name, title=twin.title, url=links[0] if links else None))
    merged = replace(
        cand,
        sources=tuple(sources),
        source_keys=tuple(keys),
        also=tuple(also),
        also_story_ids=(*cand.also_story_ids, *twin.story_ids),
    )
    return replace(story, candidate=merged)


def recency(published_at: datetime, now: datetime, half_life_hours: float) -> float:
    """1.0 for a fresh story, falling towards (never below) 0.5 as it ages."""
    age_hours = max(0.0, (now - published_at).total_seconds() / 3600.0)
    # float ** float is typed Any (a negative base would give a complex); the base here is 0.5.
    return float(0.5 + 0.5 * 0.5 ** (age_hours / half_life_hours))


def phrase_relevance(profile: Profile, m: DeptMatch, title_factor: float) -> float:
    total = 0.0
    for p in m.title:
        total += profile.phrases[p].weight * title_factor
    for p in m.summary - m.title:
        total += profile.phrases[p].weight
    return total


def strongest(profile: Profile, m: DeptMatch, title_factor: float) -> list[int]:
    def contribution(p: int) -> tuple[float, str]:
        weight = profile.phrases[p].weight * (title_factor if p in m.title else 1.0)
        return (-weight, profile.phrases[p].phrase)

    return sorted(m.title | m.summary, key=contribution)


def shown_form(phrase: Phrase, text: str) -> str:
    """The words of ``text`` that matched ``phrase`` (keeps the article's capitals), else the phrase."""
    spans = token_spans(text)
    words = [w for w, _s, _e in spans]
    for form in phrase.forms:
        want = list(phrase_tokens(form))
        size = len(want)
        for i in range(len(words) - size + 1):
            if words[i : i + size] == want:
                return text[spans[i][1] : spans[i + size - 1][2]]
    return phrase.phrase


def dedupe(items: tuple[str, ...]) -> tuple[str, ...]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item.lower() not in seen:
            seen.add(item.lower())
            out.append(item)
    return tuple(out)
