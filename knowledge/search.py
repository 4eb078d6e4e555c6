"""Policy search: query analysis and a field-weighted BM25 ranker over the loaded pack.

The ranker is ``bm25s`` (a maintained BM25 library on sparse matrices), one index per field of
a section: the policy title, the heading path (the ``#`` heading a ``##`` section sits under,
then its own heading), the running text and the list items. It is built from the catalogue
once per catalogue version, so SQLite and PostgreSQL rank identically.

Questions are natural language ("can I paste customer data into ChatGPT?"): stopwords go, a
word that is neither in the pack nor a real English word is a typo and is replaced by the
closest pack word, and real words are never "corrected". The only expansion is learnt from
the pack's own text: an acronym the pack defines ("Data Protection Impact Assessment (DPIA)")
also searches its definition, at half weight, and an expansion never counts as covering the
question (see ``Ranked.coverage``). There is no hand-written synonym list.

Which words are specific to the pack (its subject) and which are everyday English comes from
comparing the pack's document frequencies with the general English frequencies that ship in
``pyspellchecker`` (``Vocabulary.specificity``); ``knowledge.decide`` uses that to abstain.
"""

from __future__ import annotations

import difflib
import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import bm25s
import numpy as np

from knowledge.text import STOPWORDS, stem, stems, unique, words
from knowledge.types import Correction
from knowledge.words import ENGLISH, EnglishWords

# bm25s logs every index build at DEBUG; one per catalogue version is noise in our logs.
logging.getLogger("bm25s").setLevel(logging.WARNING)

# Numbers with fewer digits are not searched: list numbering and "5 days" match everything.
MIN_NUMBER_DIGITS = 3
# difflib similarity a replacement needs: one wrong letter in a 6-letter word is 0.83.
TYPO_CUTOFF = 0.82
CORRECTION_CACHE = 20_000
# An expansion (a pack-defined acronym's definition) searches at this weight.
EXPANSION_WEIGHT = 0.5

# The ranker's indexes and their weights: "all" is every field in one document, BM25F-style
# (a field's words repeated ``REPEATS`` times, so one length normalisation and one idf cover
# the section), and the heading path once more on its own (headings are curated summaries).
# Summing separate per-field BM25 scores ranked worse on every pack (see bench/policy_packs.py).
FIELD_WEIGHTS: dict[str, float] = {"all": 1.0, "path": 0.5}
BM25_K1, BM25_B = 1.2, 0.5
# The text before a policy's first section (headed by the policy title) is an overview; a
# specific section that matches as well is the better answer.
INTRO_FACTOR = 0.8


@dataclass(frozen=True)
class TermGroup:
    """One concept of the question: the user's word plus expansions from the pack's own text."""

    text: str
    terms: tuple[str, ...]

    @property
    def expansions(self) -> tuple[str, ...]:
        return self.terms[1:]


@dataclass(frozen=True)
class QueryPlan:
    """What to search for, derived from the user's text."""

    text: str
    groups: tuple[TermGroup, ...]
    corrections: tuple[Correction, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def expansions(self) -> bool:
        return any(group.expansions for group in self.groups)

    def without_expansions(self) -> QueryPlan:
        """The same question searched with the user's own words only."""
        groups = tuple(TermGroup(g.text, (g.text,)) for g in self.groups)
        return QueryPlan(self.text, groups, self.corrections)

    def terms(self) -> list[str]:
        """Every distinct search term, user's words first."""
        return unique(term for group in self.groups for term in group.terms)


# "Data Protection Impact Assessment (DPIA)": capitalised words then the acronym in brackets.
_ACRONYM = re.compile(r"((?:[A-Za-z][\w-]*[ \t]+){1,8}?)\(([A-Z][A-Za-z]{1,9})s?\)")
_LINKING = frozenset({"of", "and", "for", "the", "on", "in", "to", "a", "&"})


def acronym_definitions(texts: Iterable[str]) -> dict[str, str]:
    """Acronyms the pack itself defines, lower-cased, mapped to their definitions.

    Only definitions whose initials spell the acronym count, so "(see below)" or "(GDPR)" after
    unrelated words define nothing.
    """
    found: dict[str, str] = {}
    for body in texts:
        for match in _ACRONYM.finditer(body):
            acronym = match.group(2)
            plural = acronym.endswith("s") and acronym[:-1].isupper() and len(acronym) > 2
            if plural:
                acronym = acronym[:-1]  # "LLMs": the initials are L, L, M
            candidates = match.group(1).split()
            # Walk back from the bracket until the initials spell the acronym.
            letters = acronym.upper()
            picked: list[str] = []
            i = len(candidates) - 1
            want = len(letters) - 1
            while i >= 0 and want >= 0:
                word = candidates[i]
                if word.lower() in _LINKING:
                    picked.append(word)
                elif word[0].upper() == letters[want]:
                    picked.append(word)
                    want -= 1
                else:
                    break
                i -= 1
            if want < 0:
                definition = " ".join(reversed(picked)).strip()
                key = acronym.lower()
                if len(key) >= 2 and key not in found and len(words(definition)) >= 2:
                    found[key] = found[key + "s"] = " ".join(words(definition))
    return found


class Vocabulary:
    """Words and document frequencies of the policy sections (typos, rarity, specificity).

    ``english`` is the general word list that tells a real word the policies never use ("dog",
    "office") from a typo, and how common a word is in everyday English; None judges by the
    policies' own words alone.
    """

    def __init__(
        self,
        documents: Iterable[str],
        *,
        english: EnglishWords | None = ENGLISH,
    ) -> None:
        self.english = english
        self.df: Counter[str] = Counter()
        self.n_docs = 0
        surface: set[str] = set()
        texts = []
        for document in documents:
            texts.append(document)
            self.n_docs += 1
            tokens = words(document)
            surface.update(tokens)
            self.df.update({stem(t) for t in tokens})
        self.acronyms = acronym_definitions(texts)
        self.stems = frozenset(self.df)
        self._buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        # People repeat the same unknown words ("thanks", "asap"): remember difflib's verdicts.
        self._corrections: dict[str, str | None] = {}
        for word in surface:
            if len(word) >= 3 and not word.isdigit() and word not in STOPWORDS:
                self._buckets[(word[0], len(word))].append(word)

    def knows(self, word: str) -> bool:
        """Whether the policies use this word or one of its forms."""
        return stem(word) in self.stems

    def is_real_word(self, word: str) -> bool:
        """A word of the general English list: never a typo, even if no policy uses it."""
        return self.english is not None and word in self.english

    def correct(self, word: str) -> str | None:
        """For a non-word: the closest policy word (same first letter, length within 2), else a
        policy word one edit away. A correction the policies do not use could not match anything,
        so a word like "wifi" stays as typed rather than becoming "wife"."""
        if len(word) < 4 or word.isdigit():
            return None
        if word in self._corrections:
            return self._corrections[word]
        candidates = [
            known
            for size in range(len(word) - 2, len(word) + 3)
            for known in self._buckets.get((word[0], size), ())
        ]
        matches = difflib.get_close_matches(word, candidates, n=1, cutoff=TYPO_CUTOFF)
        found = matches[0] if matches else None
        if found is None and self.english is not None:
            found = next((w for w in self.english.neighbours(word) if self.knows(w)), None)
        if len(self._corrections) >= CORRECTION_CACHE:
            self._corrections.clear()
        self._corrections[word] = found
        return found

    def specificity(self, term: str) -> float | None:
        """How much more often the policies use a term than general English does (log10 of the
        ratio of shares; a phrase counts as its most specific word). None when no policy uses it.

        "prompt", "vendor", "ai" score high; "office", "days", "new" low, even where a policy
        happens to use them. Numbers say nothing about the subject: they score 0.
        """
        values = []
        for word in words(term):
            df = self.df.get(stem(word), 0)
            if df:
                if word.isdigit():
                    values.append(0.0)
                    continue
                general = self.english.share(word) if self.english is not None else 1e-6
                values.append(math.log10(df / self.n_docs / general))
        return max(values) if values else None

    @property
    def unknown_weight(self) -> float:
        """The rarity of a word found in one section: what a word no section uses weighs."""
        return math.log(1 + (max(self.n_docs, 1) - 1 + 0.5) / 1.5)

    def idf(self, term: str) -> float:
        """Rarity of a term (a phrase counts as its rarest word); unknown terms weigh 0."""
        values = []
        for s in stems(term):
            df = self.df.get(s, 0)
            if df:
                values.append(math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5)))
        return max(values) if values else 0.0


def analyze_query(query: str, vocabulary: Vocabulary | None = None, *, fix_typos: bool = True) -> QueryPlan:
    """Split a question into concept groups: stopwords out, typos fixed, pack acronyms expanded."""
    groups: list[TermGroup] = []
    corrections: list[Correction] = []
    for word in words(query):
        if word in STOPWORDS or len(word) < 2 or (word.isdigit() and len(word) < MIN_NUMBER_DIGITS):
            continue  # short numbers ("3rd floor", "5 days") say nothing; "42001" or "2026" may
        if (
            fix_typos
            and vocabulary is not None
            and not vocabulary.knows(word)
            and not vocabulary.is_real_word(word)
            and word not in vocabulary.acronyms
        ):
            replacement = vocabulary.correct(word)
            if replacement is None:
                if word.isdigit():
                    continue  # a number found nowhere ("91") says nothing about the topic
                groups.append(TermGroup(word, (word,)))  # unknown everywhere: matches nothing
                continue
            corrections.append(Correction(word, replacement))
            word = replacement
        expansion = vocabulary.acronyms.get(word) if vocabulary is not None else None
        groups.append(TermGroup(word, (word, expansion) if expansion else (word,)))
    merged: dict[str, TermGroup] = {}
    for group in groups:
        merged.setdefault(group.text, group)
    return QueryPlan(query, tuple(merged.values()), tuple(corrections))


@dataclass(frozen=True)
class Candidate:
    """A policy section with what to show (``rank``: the ranker's score, higher is better)."""

    section_id: int
    rank: float
    heading: str
    body: str
    anchor: str
    level: int
    policy_id: str
    policy_title: str
    owner: str
    url: str | None
    updated: str | None
    owner_channel: str | None = None
    parent: str = ""

    @property
    def path(self) -> str:
        """The heading path: the ``#`` heading this section sits under, then its own."""
        return f"{self.parent} {self.heading}" if self.parent else self.heading

    @property
    def is_intro(self) -> bool:
        return self.level == 1 and self.heading == self.policy_title


_LIST_LINE = re.compile(r"^\s*(?:[-*+]|\d+[.)]|[a-z][.)])\s+")


def split_fields(candidate: Candidate) -> dict[str, str]:
    """A section's text by field: policy title, heading path, running text, list items."""
    body_lines: list[str] = []
    item_lines: list[str] = []
    for line in candidate.body.splitlines():
        (item_lines if _LIST_LINE.match(line) else body_lines).append(line)
    fields = {
        "title": candidate.policy_title,
        "path": _beyond_title(candidate),
        "body": "\n".join(body_lines),
        "items": "\n".join(item_lines),
    }
    fields["all"] = "\n".join(
        "\n".join([fields[name]] * REPEATS.get(name, 0)) for name in ("title", "path", "body", "items")
    )
    return fields


# BM25F-style field weights inside one document: a field's words are repeated this many times.
REPEATS: dict[str, int] = {"title": 1, "path": 2, "body": 1, "items": 1}


def _beyond_title(candidate: Candidate) -> str:
    """The heading path without the policy title's words: every section of a policy shares its
    title, so a heading repeating it ("What ChatGPT does" in the ChatGPT policy) says nothing
    more about the section."""
    title = set(stems(candidate.policy_title))
    kept = [w for w in words(candidate.path) if stem(w) not in title]
    return " ".join(kept) if kept else candidate.path


def index_tokens(text_: str) -> list[str]:
    """Stems the ranker indexes and searches: no stopwords, and never an empty document."""
    return [stem(w) for w in words(text_) if w not in STOPWORDS]


@dataclass(frozen=True)
class SectionStems:
    """A section's stems, computed once per catalogue version."""

    heading: frozenset[str]
    everything: frozenset[str]


def section_stems(candidate: Candidate) -> SectionStems:
    head = frozenset(stems(candidate.path))
    return SectionStems(head, head | frozenset(stems(candidate.body)))


@dataclass(frozen=True)
class Ranked:
    """A section with its score and what of the question it holds.

    ``coverage``: the share of the question's (rarity-weighted) concepts the section holds in
    the user's own words; an expansion matching adds at most half a concept, so expansions alone
    never make a question covered.
    """

    candidate: Candidate
    score: float
    coverage: float
    matched_groups: tuple[str, ...]
    matched_stems: frozenset[str]


def group_weights(plan: QueryPlan, vocabulary: Vocabulary) -> dict[str, float]:
    """Each concept's weight: the rarity of its own word (common words count little); a word
    found nowhere in the policies weighs as a word found in one section would, so it still
    counts against coverage whatever the pack's size."""
    return {group.text: vocabulary.idf(group.text) or vocabulary.unknown_weight for group in plan.groups}


@dataclass
class PackRanker:
    """Field-weighted BM25 (``bm25s``) over every section of the loaded pack."""

    sections: list[Candidate]
    field_weights: dict[str, float] = field(default_factory=lambda: dict(FIELD_WEIGHTS))
    _indexes: dict[str, bm25s.BM25] = field(default_factory=dict)
    _cache: dict[str, np.ndarray] = field(default_factory=dict)
    _prior: np.ndarray | None = None

    def __post_init__(self) -> None:
        columns: dict[str, list[list[str]]] = {name: [] for name in self.field_weights}
        for section in self.sections:
            fields = split_fields(section)
            for name in self.field_weights:
                columns[name].append(index_tokens(fields[name]))
        if self.sections:
            for name, corpus in columns.items():
                if not any(corpus):
                    continue  # e.g. a pack without lists: nothing for that field to rank
                index = bm25s.BM25(k1=BM25_K1, b=BM25_B)
                index.index(corpus, show_progress=False)
                self._indexes[name] = index
        self._prior = np.array([INTRO_FACTOR if s.is_intro else 1.0 for s in self.sections])

    def stem_scores(self, stem_: str) -> np.ndarray:
        """The field-weighted BM25 score of every section for one stem (memoised)."""
        found = self._cache.get(stem_)
        if found is None:
            found = np.zeros(len(self.sections))
            for name, index in self._indexes.items():
                if stem_ in index.vocab_dict:
                    found = found + self.field_weights[name] * index.get_scores([stem_])
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[stem_] = found
        return found

    def query_weights(self, plan: QueryPlan) -> dict[str, float]:
        """Each stem searched and its weight: the user's words 1, expansions ``EXPANSION_WEIGHT``."""
        weights: dict[str, float] = {}
        for group in plan.groups:
            for i, term in enumerate(group.terms):
                w = 1.0 if i == 0 else EXPANSION_WEIGHT
                for s in index_tokens(term):
                    weights[s] = max(weights.get(s, 0.0), w)
        return weights

    def scores(self, plan: QueryPlan) -> np.ndarray:
        total = np.zeros(len(self.sections))
        for s, w in self.query_weights(plan).items():
            total = total + w * self.stem_scores(s)
        assert self._prior is not None
        return total * self._prior


def rank(
    plan: QueryPlan,
    ranker: PackRanker,
    vocabulary: Vocabulary,
    stems_of: dict[int, SectionStems],
    limit: int = 20,
) -> list[Ranked]:
    """The best sections for a plan, best first, each with its coverage of the question."""
    if plan.is_empty or not ranker.sections:
        return []
    scores = ranker.scores(plan)
    order = [int(i) for i in np.argsort(-scores, kind="stable")[:limit] if scores[i] > 0]
    weights = group_weights(plan, vocabulary)
    total = sum(weights.values()) or 1.0
    ranked = []
    for position in order:
        c = ranker.sections[position]
        known = stems_of.get(c.section_id) or section_stems(c)
        covered = 0.0
        matched: list[str] = []
        matched_stems: set[str] = set()
        for group in plan.groups:
            own = frozenset(stems(group.text))
            if own and own <= known.everything:
                covered += weights[group.text]
                matched.append(group.text)
                matched_stems |= own
                continue
            for term in group.expansions:
                term_stems = frozenset(index_tokens(term))
                if term_stems and term_stems <= known.everything:
                    covered += EXPANSION_WEIGHT * weights[group.text]
                    matched.append(group.text)
                    matched_stems |= term_stems
                    break
        ranked.append(
            Ranked(
                replace(c, rank=float(scores[position])),
                float(scores[position]),
                covered / total,
                tuple(matched),
                frozenset(matched_stems),
            )
        )
    return ranked


def plain_bm25(sections: Sequence[Candidate]) -> bm25s.BM25:
    """The baseline: one BM25 index over heading and body, no fields, no abstention."""
    index = bm25s.BM25(k1=BM25_K1, b=BM25_B)
    index.index([index_tokens(f"{s.heading}\n{s.body}") for s in sections], show_progress=False)
    return index
