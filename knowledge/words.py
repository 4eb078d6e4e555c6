"""A general English word list: tells real words from typos, and fixes typos the pack cannot.

The list ships inside the ``pyspellchecker`` wheel (about 160,000 words with frequencies from a
large general corpus), so nothing is fetched at run time. Loading it takes a tenth of a second,
so it is loaded once per process, on first use (``KnowledgeService.warm`` does it at start).
"""

from __future__ import annotations

import threading
from functools import cached_property

from spellchecker import SpellChecker

# Shorter tokens are too ambiguous to correct ("vpn", "hr", "ui" are not typos of anything).
MIN_CORRECTABLE = 4
# The list's smallest count: a word it lacks is at least this rare.
FREQUENCY_FLOOR = 50


class EnglishWords:
    """Membership and one-edit corrections against the general English word list."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    @cached_property
    def _checker(self) -> SpellChecker:
        with self._lock:
            # Distance 1 only: two-edit candidates cost a hundred times more and guess wildly.
            return SpellChecker(language="en", distance=1)

    def __contains__(self, word: str) -> bool:
        return word in self._checker

    @cached_property
    def _total(self) -> int:
        return sum(self._checker.word_frequency.dictionary.values()) or 1

    def share(self, word: str) -> float:
        """How common a word is in general English (its share of the corpus); words missing
        from the list count as the rarest listed ones."""
        return max(self._checker[word] if word in self else 0, FREQUENCY_FLOOR) / self._total

    def neighbours(self, word: str) -> list[str]:
        """Real words one edit away from a non-word, most frequent first."""
        if len(word) < MIN_CORRECTABLE or word.isdigit() or word in self:
            return []
        found = self._checker.candidates(word) or set()
        options = [c for c in found if c != word and "'" not in c]
        return sorted(options, key=lambda c: (-self._checker[c], c))

    def load(self) -> None:
        """Load the list now rather than on the first question."""
        _ = self._checker


ENGLISH = EnglishWords()
