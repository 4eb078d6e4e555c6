"""Policy questions understood: concept groups, typo fixes and the pack's own vocabulary.

Questions are natural language ("can I paste customer data into ChatGPT?"): stopwords go, a
word that is neither in the pack nor a real English word is a typo and is replaced by the
closest pack word, and real words are never "corrected". The only expansion is learnt from
the pack's own text: an acronym the pack defines ("Data Protection Impact Assessment (DPIA)")
also searches its definition, at half weight, and an expansion never counts as covering the
question (see ``knowledge.search.Ranked.coverage``). There is no hand-written synonym list.

Which words are specific to the pack (its subject) and which are everyday English comes from
comparing the pack's document frequencies with the general English frequencies that ship in
``pyspellchecker`` (``Vocabulary.specificity``); ``knowledge.decide`` uses that to abstain.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from knowledge.text import STOPWORDS, stem, stems, unique, words
from knowledge.types import Correction
from knowledge.words import ENGLISH, EnglishWords

# Numbers with fewer digits are not searched: list numbering and "5 days" match everything.
MIN_NUMBER_DIGITS = 3
# difflib similarity a replacement needs: one wrong letter in a 6-letter word is 0.83.
TYPO_CUTOFF = 0.82
CORRECTION_CACHE = 20_000
# An expansion (a pack-defined acronym's definition) searches at this weight.
EXPANSION_WEIGHT = 0.5


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
