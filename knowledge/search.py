"""Policy search: query analysis, full-text backends, re-ranking and excerpts.

One interface, two database backends:

* SQLite (embedded default): FTS5 with porter stemming, ranked by ``bm25()`` with the heading
  weighted above the body and the policy title.
* PostgreSQL (at scale): a generated ``tsvector`` column with a GIN index, queried with
  ``websearch_to_tsquery('english', ...)`` and ranked by ``ts_rank`` with the same weighting.

A pure-Python BM25 (``MemoryBackend``) stands in when a SQLite build lacks FTS5.

Questions are natural language ("can I paste customer data into ChatGPT?"), so the query is an
OR of its content words, each widened by the synonym map. A word that is neither in the policies
nor a real English word is a typo: it is replaced by the closest policy word (typo tolerance).
Real words are never "corrected", even when no policy uses them. The backend's rank picks and
orders candidates; a light re-rank then blends in how many of the question's concepts a
section covers (weighted by rarity), so both backends agree on the best answer.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.engine import Connection

from knowledge.synonyms import MAX_PHRASE_WORDS, SYNONYMS, expansions
from knowledge.text import STOPWORDS, stem, stems, unique, words
from knowledge.types import Correction
from knowledge.words import ENGLISH, EnglishWords

# Field weights: heading, body, policy title (SQLite bm25 arguments; PostgreSQL's setweight
# classes A, B, C get the same proportions in PG_RANK_WEIGHTS).
SQLITE_BM25_WEIGHTS = (4.0, 1.0, 0.5)
PG_RANK_WEIGHTS = "{0.05, 0.125, 0.25, 1.0}"  # D, C (title), B (body), A (heading)

# Final score = backend rank (normalised to the best candidate) + share of the question's
# concepts the section covers + share found in its heading (headings are curated summaries).
BLEND_RANK, BLEND_COVERAGE, BLEND_HEADING = 0.40, 0.35, 0.25

CANDIDATES = 20
# Terms rarer than this go to the database (idf 0.5: a word in about 60% of sections).
COMMON_TERM_IDF = 0.5
# difflib similarity a replacement needs: one wrong letter in a 6-letter word is 0.83.
TYPO_CUTOFF = 0.82


@dataclass(frozen=True)
class TermGroup:
    """One concept of the question: the user's word or phrase plus its expansions."""

    text: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class QueryPlan:
    """What to search for, derived from the user's text."""

    text: str
    groups: tuple[TermGroup, ...]
    corrections: tuple[Correction, ...] = ()
    # Rarity of each search term in the catalogue (see ``weigh``); empty means all equal.
    weights: tuple[tuple[str, float], ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.groups

    def terms(self) -> list[str]:
        """Every distinct search term, user's words first."""
        return unique(term for group in self.groups for term in group.terms)


CORRECTION_CACHE = 20_000


class Vocabulary:
    """Words and document frequencies of the policy sections (for typos and term weights).

    ``english`` is the general word list that tells a real word the policies never use ("dog",
    "office") from a typo; None judges by the policies' own words alone.
    """

    def __init__(
        self,
        documents: Iterable[str],
        extra_words: Iterable[str] = (),
        *,
        english: EnglishWords | None = ENGLISH,
    ) -> None:
        self.english = english
        self.df: Counter[str] = Counter()
        self.n_docs = 0
        surface: set[str] = set()
        for document in documents:
            self.n_docs += 1
            tokens = words(document)
            surface.update(tokens)
            self.df.update({stem(t) for t in tokens})
        for phrase in extra_words:
            surface.update(words(phrase))
        self.stems = frozenset(self.df) | frozenset(stem(w) for w in surface)
        self._buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
        # People repeat the same unknown words ("thanks", "asap"): remember difflib's verdicts.
        self._corrections: dict[str, str | None] = {}
        for word in surface:
            if len(word) >= 3 and not word.isdigit() and word not in STOPWORDS:
                self._buckets[(word[0], len(word))].append(word)

    def knows(self, word: str) -> bool:
        """Whether the policies (or the synonym map) use this word or one of its forms."""
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
        happens to use them: that tells a question about the policies' subject from one that
        merely shares everyday words with them.
        """
        values = []
        for word in words(term):
            df = self.df.get(stem(word), 0)
            if df:
                general = self.english.share(word) if self.english is not None else 1e-6
                values.append(math.log10(df / self.n_docs / general))
        return max(values) if values else None

    def idf(self, term: str) -> float:
        """Rarity of a term (a phrase counts as its rarest word); unknown terms weigh 0."""
        values = []
        for s in stems(term):
            df = self.df.get(s, 0)
            if df:
                values.append(math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5)))
        return max(values) if values else 0.0


def analyze_query(query: str, vocabulary: Vocabulary | None = None, *, fix_typos: bool = True) -> QueryPlan:
    """Split a question into concept groups: synonyms phrase-first, stopwords out, typos fixed."""
    tokens = words(query)
    groups: list[TermGroup] = []
    corrections: list[Correction] = []
    i = 0
    while i < len(tokens):
        matched = False
        for size in range(min(MAX_PHRASE_WORDS, len(tokens) - i), 1, -1):
            phrase = " ".join(tokens[i : i + size])
            if phrase in SYNONYMS:
                groups.append(TermGroup(phrase, (phrase, *expansions(phrase))))
                i += size
                matched = True
                break
        if matched:
            continue
        word = tokens[i]
        i += 1
        if word in STOPWORDS or (len(word) < 2 and not word.isdigit()):
            continue
        if (
            word not in SYNONYMS
            and fix_typos
            and vocabulary is not None
            and not vocabulary.knows(word)
            and not vocabulary.is_real_word(word)
        ):
            replacement = vocabulary.correct(word)
            if replacement is None:
                if word.isdigit():
                    continue  # a number found nowhere ("91") says nothing about the topic
                # Unknown everywhere: still searched (it simply matches nothing).
                groups.append(TermGroup(word, (word,)))
                continue
            corrections.append(Correction(word, replacement))
            word = replacement
        groups.append(TermGroup(word, (word, *expansions(word))))
    merged: dict[str, TermGroup] = {}
    for group in groups:
        merged.setdefault(group.text, group)
    return QueryPlan(query, tuple(merged.values()), tuple(corrections))


def weigh(plan: QueryPlan, vocabulary: Vocabulary) -> QueryPlan:
    """Attach each term's rarity, for backends whose ranking has no corpus statistics."""
    return replace(plan, weights=tuple((term, vocabulary.idf(term)) for term in plan.terms()))


def backend_terms(plan: QueryPlan) -> list[str]:
    """Terms worth sending to the database: words found in nearly every section ("AI") are left
    out when rarer ones exist, since they only make the database score every row.
    """
    terms = plan.terms()
    if not plan.weights:
        return terms
    weights = dict(plan.weights)
    useful = [t for t in terms if weights.get(t, 0.0) == 0.0 or weights[t] >= COMMON_TERM_IDF]
    return useful or terms


def _clean_term(term: str) -> list[str]:
    return [w for w in words(term) if w]


def fts5_match(plan: QueryPlan) -> str:
    """An FTS5 MATCH expression: every term quoted (phrases stay phrases), joined with OR."""
    parts = []
    for term in backend_terms(plan):
        tokens = _clean_term(term)
        if tokens:
            parts.append('"' + " ".join(tokens) + '"')
    return " OR ".join(unique(parts))


def websearch_query(plan: QueryPlan) -> str:
    """Input for ``websearch_to_tsquery``: quoted phrases and words joined with ``or``."""
    parts = []
    for term in backend_terms(plan):
        tokens = _clean_term(term)
        if len(tokens) == 1:
            parts.append(tokens[0])
        elif tokens:
            parts.append('"' + " ".join(tokens) + '"')
    return " or ".join(unique(parts))


@dataclass(frozen=True)
class Candidate:
    """A section the backend matched, with its rank (higher is better) and what to show."""

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


_CANDIDATE_COLUMNS = """
    s.id, s.heading, s.body, s.anchor, s.level, p.id, p.title, p.owner, p.url, p.updated
"""


def _candidate(row: Sequence, rank: float) -> Candidate:
    return Candidate(
        section_id=row[0],
        rank=rank,
        heading=row[1],
        body=row[2],
        anchor=row[3],
        level=row[4],
        policy_id=row[5],
        policy_title=row[6],
        owner=row[7],
        url=row[8],
        updated=row[9],
    )


class SearchBackend(Protocol):
    """Finds candidate sections for a plan; ``rank`` is backend-specific but higher is better."""

    name: str

    def candidates(self, conn: Connection, plan: QueryPlan, limit: int = CANDIDATES) -> list[Candidate]: ...


class SqliteFtsBackend:
    """SQLite FTS5: BM25 over heading, body and policy title with porter stemming."""

    name = "sqlite-fts5"

    # Rank inside the FTS table first, then join only the best rows. Sent as driver SQL: this
    # runs on every lookup, and SQLAlchemy's per-statement bookkeeping cost more than the query.
    SQL = (
        f"SELECT {_CANDIDATE_COLUMNS}, best.score FROM ("
        "SELECT rowid, bm25(policy_sections_fts, {}, {}, {}) AS score "
        "FROM policy_sections_fts WHERE policy_sections_fts MATCH ? "
        "ORDER BY score LIMIT ?) AS best "
        "JOIN policy_sections s ON s.id = best.rowid "
        "JOIN policies p ON p.id = s.policy_id ORDER BY best.score"
    ).format(*SQLITE_BM25_WEIGHTS)

    def candidates(self, conn: Connection, plan: QueryPlan, limit: int = CANDIDATES) -> list[Candidate]:
        match = fts5_match(plan)
        if not match:
            return []
        rows = conn.exec_driver_sql(self.SQL, (match, limit)).all()
        # bm25() is negative, better matches more negative.
        return [_candidate(row, -float(row[-1])) for row in rows]


class PostgresBackend:
    """PostgreSQL: websearch_to_tsquery against the generated tsvector, ranked by ts_rank.

    ``ts_rank`` knows nothing about how common a word is across sections, so with an OR query a
    word found everywhere ("AI") would outweigh the rare word that identifies the answer. Each
    term is therefore ranked separately and weighted by its rarity (the BM25 idea of idf).
    """

    name = "postgresql-tsvector"
    max_terms = 24

    def candidates(self, conn: Connection, plan: QueryPlan, limit: int = CANDIDATES) -> list[Candidate]:
        query = websearch_query(plan)
        if not query:
            return []
        weights = dict(plan.weights)
        terms = [t for t in backend_terms(plan) if _clean_term(t)][: self.max_terms]
        params: dict[str, object] = {"query": query, "limit": limit}
        queries = ["websearch_to_tsquery('english', :query) AS q"]
        parts = []
        for i, term in enumerate(terms):
            params[f"t{i}"] = websearch_query(QueryPlan(term, (TermGroup(term, (term,)),)))
            params[f"w{i}"] = weights.get(term, 1.0) if weights else 1.0
            queries.append(f"websearch_to_tsquery('english', :t{i}) AS q{i}")
            parts.append(f"ts_rank('{PG_RANK_WEIGHTS}', s.search_vector, q.q{i}, 1) * :w{i}")
        score = " + ".join(parts) or "0"
        # Two stages: one ts_rank over every match picks a shortlist, then the rarity-weighted
        # per-term rank orders it (ranking every match per term costs a ts_rank call per term
        # per row). Queries are parsed once, and wide columns are fetched for the winners only.
        params["shortlist"] = max(limit * 4, 100)
        rows = conn.execute(
            text(
                f"WITH q AS (SELECT {', '.join(queries)}), "
                "shortlist AS (SELECT s.id, s.search_vector FROM policy_sections s, q "
                "WHERE s.search_vector @@ q.q "
                f"ORDER BY ts_rank('{PG_RANK_WEIGHTS}', s.search_vector, q.q, 1) DESC, s.id "
                "LIMIT :shortlist), "
                f"best AS (SELECT s.id, ({score}) AS score FROM shortlist s, q "
                "ORDER BY score DESC, s.id LIMIT :limit) "
                f"SELECT {_CANDIDATE_COLUMNS}, best.score FROM best "
                "JOIN policy_sections s ON s.id = best.id JOIN policies p ON p.id = s.policy_id "
                "ORDER BY best.score DESC, s.id"
            ),
            params,
        ).all()
        return [_candidate(row, float(row[-1])) for row in rows]


@dataclass
class MemoryBackend:
    """BM25 in Python over every section; the fallback when SQLite lacks FTS5."""

    name: str = "python-bm25"
    _docs: list[tuple[Candidate, Counter[str], Counter[str], int]] = field(default_factory=list)
    _df: Counter[str] = field(default_factory=Counter)
    _loaded_version: object = None

    def load(self, conn: Connection, version: object) -> None:
        if version == self._loaded_version and self._docs:
            return
        rows = conn.execute(
            text(
                f"SELECT {_CANDIDATE_COLUMNS} FROM policy_sections s "
                "JOIN policies p ON p.id = s.policy_id ORDER BY s.id"
            )
        ).all()
        docs = []
        df: Counter[str] = Counter()
        for row in rows:
            candidate = _candidate(row, 0.0)
            body = Counter(stems(candidate.body))
            head = Counter(stems(candidate.heading))
            docs.append((candidate, head, body, sum(body.values()) + sum(head.values())))
            df.update(set(body) | set(head))
        self._docs, self._df, self._loaded_version = docs, df, version

    def candidates(self, conn: Connection, plan: QueryPlan, limit: int = CANDIDATES) -> list[Candidate]:
        if not self._docs:
            self.load(conn, None)
        n = len(self._docs) or 1
        avg = sum(d[3] for d in self._docs) / n
        term_stems = unique(s for term in plan.terms() for s in stems(term))
        scored = []
        for candidate, head, body, length in self._docs:
            score = 0.0
            for s in term_stems:
                tf = body.get(s, 0) + SQLITE_BM25_WEIGHTS[0] * head.get(s, 0)
                if tf:
                    idf = math.log(1 + (n - self._df[s] + 0.5) / (self._df[s] + 0.5))
                    score += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / max(avg, 1)))
            if score > 0:
                scored.append((score, candidate))
        scored.sort(key=lambda pair: (-pair[0], pair[1].section_id))
        return [replace(c, rank=score) for score, c in scored[:limit]]


@dataclass(frozen=True)
class Ranked:
    """A candidate with its final score and which of the question's terms it contains."""

    candidate: Candidate
    score: float
    coverage: float
    matched_groups: tuple[str, ...]
    matched_stems: frozenset[str]


def _term_in(term_stems: frozenset[str], known: frozenset[str]) -> bool:
    return bool(term_stems) and term_stems <= known


# Weight of a question word found nowhere in the policies: it still counts against coverage,
# so a question that is mostly about something the policies do not cover gets "no match".
UNKNOWN_WEIGHT = 2.0
# The text before a policy's first section (headed by the policy title) is an overview; a
# specific section that matches as well is the better answer.
INTRO_FACTOR = 0.8


def group_weights(plan: QueryPlan, vocabulary: Vocabulary) -> dict[str, float]:
    """Each concept's weight: the rarity of its rarest known term (common words count little)."""
    weights = {}
    for group in plan.groups:
        idfs = [vocabulary.idf(term) for term in group.terms]
        weights[group.text] = max(idfs) if any(idfs) else UNKNOWN_WEIGHT
    return weights


@dataclass(frozen=True)
class SectionStems:
    """A section's stems, computed once per catalogue version."""

    heading: frozenset[str]
    everything: frozenset[str]


def section_stems(candidate: Candidate) -> SectionStems:
    head = frozenset(stems(candidate.heading))
    return SectionStems(head, head | frozenset(stems(candidate.body)))


def rerank(
    plan: QueryPlan,
    candidates: Sequence[Candidate],
    vocabulary: Vocabulary,
    stems_of: Callable[[Candidate], SectionStems] = section_stems,
) -> list[Ranked]:
    """Blend the backend's rank with concept coverage (in the text and in the heading)."""
    if not candidates:
        return []
    weights = group_weights(plan, vocabulary)
    total = sum(weights.values()) or 1.0
    top = max(c.rank for c in candidates) or 1.0
    term_stems = {term: frozenset(stems(term)) for term in plan.terms()}
    ranked = []
    for c in candidates:
        known = stems_of(c)
        covered = 0.0
        in_heading = 0.0
        matched_groups = []
        matched_stems: set[str] = set()
        for group in plan.groups:
            hits = [term for term in group.terms if _term_in(term_stems[term], known.everything)]
            if hits:
                covered += weights[group.text]
                matched_groups.append(group.text)
                for term in hits:
                    matched_stems.update(term_stems[term])
                if any(_term_in(term_stems[term], known.heading) for term in hits):
                    in_heading += weights[group.text]
        coverage = covered / total
        score = BLEND_RANK * (c.rank / top) + BLEND_COVERAGE * coverage + BLEND_HEADING * (in_heading / total)
        if c.level == 1 and c.heading == c.policy_title:
            score *= INTRO_FACTOR
        ranked.append(Ranked(c, score, coverage, tuple(matched_groups), frozenset(matched_stems)))
    ranked.sort(key=lambda r: (-r.score, r.candidate.section_id))
    return ranked


# --- excerpts -------------------------------------------------------------------------------

_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^)]+)\)")
_MD_MARKS = re.compile(r"(\*\*|__|`)")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+(?=[\"'(A-Z0-9])")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def plain_text(markdown: str) -> str:
    """Markdown body to plain text: links become their label, emphasis marks are dropped."""
    text_ = _MD_LINK.sub(r"\1", markdown)
    return _MD_MARKS.sub("", text_)


def sentences(body: str) -> list[str]:
    """Sentences of a section body; list items count as sentences of their own."""
    out: list[str] = []
    for paragraph in re.split(r"\n\s*\n", plain_text(body)):
        lines = [line for line in paragraph.splitlines() if line.strip()]
        buffer: list[str] = []
        for line in lines:
            if _LIST_ITEM.match(line):
                if buffer:
                    out.extend(_SENTENCE_END.split(" ".join(buffer)))
                    buffer = []
                out.append(_LIST_ITEM.sub("", line).strip())
            elif line.lstrip().startswith("#"):
                continue
            else:
                buffer.append(line.strip())
        if buffer:
            out.extend(_SENTENCE_END.split(" ".join(buffer)))
    return [s.strip() for s in out if s.strip()]


@dataclass(frozen=True)
class Sentences:
    """A section body split into sentences, with each sentence's stems (memoised per section)."""

    parts: tuple[str, ...]
    stems: tuple[frozenset[str], ...]

    @classmethod
    def of(cls, body: str) -> Sentences:
        parts = tuple(sentences(body))
        return cls(parts, tuple(frozenset(stems(p)) for p in parts))


def excerpt(body: str | Sentences, match_stems: Iterable[str], max_chars: int = 420) -> str:
    """A few consecutive sentences around the matched terms, cut at ``max_chars``.

    The window with the most distinct matched stems wins (earliest on ties); ``…`` marks text
    left out before or after.
    """
    wanted = set(match_stems)
    split = body if isinstance(body, Sentences) else Sentences.of(body)
    parts = split.parts
    if not parts:
        return ""
    found = [wanted & sentence_stems for sentence_stems in split.stems]
    best_start, best_end, best_score = 0, 1, -1
    for start in range(len(parts)):
        end = start
        length = 0
        covered: set[str] = set()
        while end < len(parts) and end - start < 3:
            extra = len(parts[end]) + (1 if length else 0)
            if length and length + extra > max_chars:
                break
            length += extra
            covered |= found[end]
            end += 1
            # Prefer windows that start on a matching sentence; they read as an answer.
            score = len(covered) * 10 + bool(found[start]) * 5 - (end - start)
            if score > best_score:
                best_start, best_end, best_score = start, end, score
    chosen = " ".join(parts[best_start:best_end])
    if len(chosen) > max_chars:
        chosen = _cut(chosen, max_chars)
    prefix = "… " if best_start > 0 else ""
    suffix = " …" if best_end < len(parts) and not chosen.endswith("…") else ""
    return prefix + chosen + suffix


def _cut(text_: str, limit: int) -> str:
    cut = text_[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"
