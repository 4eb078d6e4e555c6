"""In-memory helpers rebuilt once per catalogue version: answer cache, policy index, memo."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from knowledge.pack_format import Pack
from knowledge.query import Vocabulary
from knowledge.search import Candidate, PackRanker, SectionStems, section_stems
from knowledge.store import CatalogueStore
from knowledge.text import STOPWORDS, unique, words
from knowledge.types import PolicyInfo

T = TypeVar("T")


class AnswerCache:
    """A small LRU of finished answers, keyed by catalogue version and normalised question.

    People ask the same things ("/ai-certs legal", an empty "/ai-policy"); an answer depends only
    on the catalogue version and the text, so a repeat costs a dictionary lookup.
    """

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


class VersionedMemo:
    """One value per name, rebuilt when the catalogue version it was built for changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, tuple[object, Any]] = {}

    def get(self, name: str, version: object, build: Callable[[], T]) -> T:
        entry = self._values.get(name)
        if entry is not None and entry[0] == version:
            return entry[1]  # type: ignore[no-any-return]
        with self._lock:  # one thread builds; the others wait rather than all building at once
            entry = self._values.get(name)
            if entry is not None and entry[0] == version:
                return entry[1]  # type: ignore[no-any-return]
            value = build()
            self._values[name] = (version, value)
            return value


@dataclass
class PolicyIndex:
    """What lookups need: the sections, their ranker, the vocabulary, listings and memoised text."""

    vocabulary: Vocabulary
    policies: list[PolicyInfo]
    headings: list[tuple[str, str]]
    ranker: PackRanker = field(default_factory=lambda: PackRanker([]))
    heading_words: dict[str, list[int]] = field(default_factory=dict)
    stems: dict[int, SectionStems] = field(default_factory=dict)
    _buckets: dict[str, list[str]] | None = None

    def __post_init__(self) -> None:
        # Word -> positions of the section headings (not policy intros) that contain it.
        for position, (title, heading) in enumerate(self.headings):
            if heading == title:
                continue
            for word in unique(w for w in words(heading) if len(w) > 3 and w not in STOPWORDS):
                self.heading_words.setdefault(word, []).append(position)
        for candidate in self.ranker.sections:
            self.stems[candidate.section_id] = section_stems(candidate)

    def heading_buckets(self) -> dict[str, list[str]]:
        """Heading words by first letter, so close-word lookups compare few candidates."""
        if self._buckets is None:
            buckets: dict[str, list[str]] = {}
            for word in self.heading_words:
                buckets.setdefault(word[0], []).append(word)
            self._buckets = buckets
        return self._buckets

    def stems_of(self, candidate: Candidate) -> SectionStems:
        """Section stems, computed once per catalogue version."""
        known = self.stems.get(candidate.section_id)
        if known is None:
            known = self.stems[candidate.section_id] = section_stems(candidate)
        return known


def index_sections(
    sections: list[Candidate], policies: list[PolicyInfo], headings: list[tuple[str, str]]
) -> PolicyIndex:
    """The index over a list of sections (also used by the benches, without a database)."""
    vocabulary = Vocabulary(f"{c.path}\n{c.body}\n{c.policy_title}" for c in sections)
    return PolicyIndex(vocabulary, policies, headings, ranker=PackRanker(sections))


def pack_sections(pack: Pack) -> list[Candidate]:
    """A validated pack's sections as the catalogue would hold them (ids by position), with
    the same heading paths as the catalogue store's: for checks and benches without a database."""
    out: list[Candidate] = []
    for policy in pack.policies:
        parent = ""
        for section in policy.sections:
            if section.level == 1:
                parent = "" if section.heading == policy.title else section.heading
            out.append(
                Candidate(
                    section_id=len(out) + 1,
                    rank=0.0,
                    heading=section.heading,
                    body=section.body,
                    anchor=section.anchor,
                    level=section.level,
                    policy_id=policy.id,
                    policy_title=policy.title,
                    owner=policy.owner,
                    url=policy.url,
                    updated=policy.updated,
                    owner_channel=policy.owner_channel,
                    parent=parent if section.level > 1 else "",
                )
            )
    return out


def build_policy_index(store: CatalogueStore) -> PolicyIndex:
    """Read the policy catalogue once and build the ranker and every section's stems."""
    catalogue = store.policy_catalogue()
    return index_sections(catalogue.sections, catalogue.policies, catalogue.headings)
