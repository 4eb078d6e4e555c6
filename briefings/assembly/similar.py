"""Retellings: the same news told by different outlets in different words (pure functions).

Feeds merge items into one story only on the same canonical URL or a near-identical title, so
one event retold by two outlets arrives as two stories. A briefing collapses them when it picks
its stories (see :meth:`briefings.assembly.rank.Ranker.select`): the best-ranked one stays and the others
become "also reported by" sources. Nothing stored is merged, so a wrong call costs one briefing,
not the archive.

Two stories are retellings when the *rare* content words of their titles and summaries mostly
coincide. Each text becomes a set of stemmed content words (stop words and newsroom filler
dropped); a word weighs its rarity among the stories being compared (idf over the candidate
pool, smoothed by a prior of :attr:`SimilarityConfig.prior_docs` stories in which it never
occurs, so a pool of two stories does not make every shared word worthless), and title words
weigh :attr:`SimilarityConfig.title_boost` times more. The score is the cosine of the two weight
vectors. Same-topic stories share the topic's words ("EU AI Act", "pricing", "OpenAI"), which
are common in the pool and weigh little; retellings share the names, numbers and verbs of the
event, which are rare.

Precision matters more than recall (a wrong merge hides news), so thresholds were chosen on
``tests/data/story_pairs.yaml`` for zero false merges with a margin: see
``tests/briefings/test_similar.py`` for the measured precision and recall.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from briefings.assembly.profiles import phrase_tokens
from knowledge.text import stem


@dataclass(frozen=True)
class SimilarityConfig:
    """Thresholds of :func:`retelling` (chosen on tests/data/story_pairs.yaml)."""

    # Cosine at or above which two stories published within ``window_hours`` are one event.
    threshold: float = 0.30
    window_hours: float = 72.0
    # Retellings further apart (a study covered a week later) need stronger evidence; beyond
    # ``max_hours`` stories are never collapsed.
    late_threshold: float = 0.36
    max_hours: float = 7 * 24.0
    # Each title names someone or something the other story never mentions (Samsung vs Apple
    # restricting ChatGPT): likely two actors doing the same kind of thing, so more is needed.
    distinct_names_threshold: float = 0.42
    # Fewer shared content words than this is never enough, whatever the cosine: two bare
    # headlines "Layoffs in Berlin" and "Layoffs in Tokyo" share one word out of two.
    min_shared: int = 5
    title_boost: float = 1.5
    prior_docs: int = 50
    summary_chars: int = 400


# English function words, reporting verbs and words every AI news story has: none of them says
# which event a story is about.
_STOPWORD_TEXT = """
    a about above after again against all also am an and any are as at be been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers him his how i if in into is it its itself just me more
    most my no nor not now of off on once only or other our out over own same she should so some
    such than that the their them then there these they this those through to too under until
    up very was we were what when where which while who whom why will with would you your
    says said say saying told tells according reports reported report new news latest update
    today yesterday week weeks month months year years day days first one two three
    ai artificial intelligence company companies firm firms business businesses people
    percent per cent mr ms via vs amid set make makes made get gets use uses used using
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_AMOUNT = re.compile(r"^(\d+)(?:bn|b|m|k|mn)$")
_FIGURE = re.compile(r"^(\d+)(?:bn|b|m|k|mn)?$")
_CAPITALISED = re.compile(r"\b[A-Z][\w'’-]*")


@dataclass(frozen=True)
class StoryTerms:
    """A story's content words (stemmed): those of the title, and all of them; the names its
    title capitalises, every word it uses (unstemmed, for "does the other story mention X") and
    the figures it quotes."""

    title: frozenset[str]
    words: frozenset[str]
    names: frozenset[str] = frozenset()
    tokens: frozenset[str] = frozenset()
    figures: frozenset[str] = frozenset()


def content_terms(text: str) -> list[str]:
    """Stemmed content words of ``text``: no stop words, ``$4bn`` counted as ``4``."""
    out = []
    for token in phrase_tokens(text):
        amount = _AMOUNT.match(token)
        if amount:
            token = amount.group(1)
        if token in _STOPWORDS or token == "000" or (len(token) == 1 and not token.isdigit()):
            continue
        out.append(stem(token))
    return out


def story_terms(title: str, summary: str, *, summary_chars: int = 400) -> StoryTerms:
    """The terms compared for ``title`` and the start of ``summary`` (teasers vary in length:
    only the first ``summary_chars`` characters count, where the news is)."""
    head = set(content_terms(title))
    text = f"{title} {summary[:summary_chars]}"
    body = set(content_terms(summary[:summary_chars]))
    tokens = frozenset(phrase_tokens(text))
    names = frozenset(
        token
        for word in _CAPITALISED.findall(title)
        for token in phrase_tokens(word)
        if token not in _STOPWORDS and len(token) > 1
    )
    figures = frozenset(
        match.group(1) for token in tokens if (match := _FIGURE.match(token)) and token != "000"
    )
    return StoryTerms(
        title=frozenset(head), words=frozenset(head | body), names=names, tokens=tokens, figures=figures
    )


class Rarity:
    """Document frequencies of terms over a pool of stories, as idf weights."""

    def __init__(self, stories: Iterable[StoryTerms], *, prior_docs: int = 50) -> None:
        self.df: Counter[str] = Counter()
        self.docs = 0
        for terms in stories:
            self.df.update(terms.words)
            self.docs += 1
        self._total = self.docs + prior_docs + 1
        self._idf: dict[str, float] = {}
        # Keyed by object identity: the pool's StoryTerms live as long as this (one selection).
        self._vectors: dict[tuple[int, float], tuple[StoryTerms, dict[str, float], float]] = {}

    def idf(self, term: str) -> float:
        """``log((docs + prior + 1) / (df + 1))``: high for words few stories in the pool use."""
        value = self._idf.get(term)
        if value is None:
            value = self._idf[term] = math.log(self._total / (self.df.get(term, 0) + 1))
        return value

    def vector(self, terms: StoryTerms, title_boost: float) -> tuple[dict[str, float], float]:
        """``terms`` weighted (idf, x ``title_boost`` for title words) and the vector's norm."""
        key = (id(terms), title_boost)
        found = self._vectors.get(key)
        if found is not None and found[0] is terms:
            return found[1], found[2]
        idf = self.idf
        weights = {t: idf(t) * (title_boost if t in terms.title else 1.0) for t in terms.words}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        self._vectors[key] = (terms, weights, norm)
        return weights, norm


def similarity(a: StoryTerms, b: StoryTerms, rarity: Rarity, *, title_boost: float = 1.5) -> float:
    """Cosine of the two stories' rarity-weighted term vectors (title words count more), 0..1."""
    wa, norm_a = rarity.vector(a, title_boost)
    wb, norm_b = rarity.vector(b, title_boost)
    if len(wb) < len(wa):
        wa, wb = wb, wa
    dot = sum(w * wb[t] for t, w in wa.items() if t in wb)
    return dot / (norm_a * norm_b) if norm_a and norm_b else 0.0


def retelling(
    a: StoryTerms,
    b: StoryTerms,
    *,
    a_published: datetime,
    b_published: datetime,
    rarity: Rarity,
    config: SimilarityConfig | None = None,
) -> bool:
    """Whether ``a`` and ``b`` tell the same news (see the module docstring)."""
    cfg = config or SimilarityConfig()
    hours = abs((a_published - b_published).total_seconds()) / 3600.0
    if hours > cfg.max_hours or len(a.words & b.words) < cfg.min_shared or conflicting_figures(a, b):
        return False
    needed = cfg.threshold if hours <= cfg.window_hours else cfg.late_threshold
    if distinct_names(a, b):
        needed = max(needed, cfg.distinct_names_threshold)
    return similarity(a, b, rarity, title_boost=cfg.title_boost) >= needed


def conflicting_figures(a: StoryTerms, b: StoryTerms) -> bool:
    """Both stories quote figures and share none ($4bn vs $1bn): retellings repeat the numbers."""
    return bool(a.figures and b.figures and not a.figures & b.figures)


def distinct_names(a: StoryTerms, b: StoryTerms) -> bool:
    """Each title capitalises a name the other story never uses."""
    return bool(a.names - b.tokens and b.names - a.tokens)
