"""Policy search and certification recommendation service.

Threading: one instance serves every thread. Lookups read the catalogue version (one small
query) and rebuild their in-memory helpers (vocabulary, certification list) only when another
import, in this process or another, has replaced the catalogue.
"""

from __future__ import annotations

import difflib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.engine import Connection

from foundation.settings import Settings
from knowledge import certs as cert_ranking
from knowledge import store
from knowledge.errors import KnowledgeError
from knowledge.packs import BUNDLED_CERTS, BUNDLED_POLICIES, Pack, fingerprint, load_pack, pack_kind
from knowledge.search import (
    CANDIDATES,
    Candidate,
    MemoryBackend,
    PostgresBackend,
    QueryPlan,
    Ranked,
    SearchBackend,
    SectionStems,
    Sentences,
    SqliteFtsBackend,
    Vocabulary,
    analyze_query,
    excerpt,
    group_weights,
    rerank,
    section_stems,
    weigh,
)
from knowledge.synonyms import SYNONYMS
from knowledge.text import STOPWORDS, stems, unique, words
from knowledge.types import (
    CertAnswer,
    CertAnswerKind,
    CertView,
    PolicyAnswer,
    PolicyInfo,
    SectionHit,
)
from storage import Database
from storage.audit import Actor, record

log = logging.getLogger(__name__)

T = TypeVar("T")

KINDS = ("policies", "certifications")

# A section must cover this share of the question's (rarity-weighted) concepts to count as an
# answer; below it the user is told there is no match rather than shown something loosely related.
MIN_COVERAGE = 0.3
# Related sections must score at least this fraction of the best one.
RELATED_RATIO = 0.55
# Headline text for the briefing's "related policy" link: at least this many distinct, not too
# common concepts must match the section, and words of its heading must carry this much weight.
# Checked against the 126 labelled headlines in tests/data: about a quarter get a link, none of
# the general-AI-news ("none") stories do.
RELATED_MIN_GROUPS = 4
RELATED_MIN_IDF = 1.0
RELATED_MIN_HEADING_WEIGHT = 2.5


@dataclass(frozen=True)
class ImportResult:
    """What ``briefbot knowledge import`` (or a start-up load) did."""

    kind: str
    location: str
    items: int
    sections: int
    version: int
    changed: bool
    source: str


@dataclass(frozen=True)
class PackStatus:
    """One catalogue's state, for ``briefbot knowledge status`` and health output."""

    kind: str
    source: str | None
    location: str | None
    items: int
    version: int
    loaded_at: str | None
    loaded_by: str | None
    problem: str | None = None


class _AnswerCache:
    """A small LRU of finished answers, keyed by catalogue version and normalised question.

    People ask the same things ("/ai-certs legal", an empty "/ai-policy"); an answer depends only
    on the catalogue version and the text, so a repeat costs a dictionary lookup.
    """

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


@dataclass
class _PolicyIndex:
    vocabulary: Vocabulary
    policies: list[PolicyInfo]
    headings: list[tuple[str, str]]
    heading_words: dict[str, list[int]] = field(default_factory=dict)
    _buckets: dict[str, list[str]] | None = None

    def __post_init__(self) -> None:
        # Word -> positions of the section headings (not policy intros) that contain it.
        for position, (title, heading) in enumerate(self.headings):
            if heading == title:
                continue
            for word in unique(w for w in words(heading) if len(w) > 3 and w not in STOPWORDS):
                self.heading_words.setdefault(word, []).append(position)

    def sentences_of(self, candidate: Candidate) -> Sentences:
        """Section sentences for excerpts, memoised like ``stems_of``."""
        split = self.sentences.get(candidate.section_id)
        if split is None:
            split = self.sentences[candidate.section_id] = Sentences.of(candidate.body)
        return split

    def heading_buckets(self) -> dict[str, list[str]]:
        """Heading words by first letter, so close-word lookups compare few candidates."""
        if self._buckets is None:
            buckets: dict[str, list[str]] = {}
            for word in self.heading_words:
                buckets.setdefault(word[0], []).append(word)
            self._buckets = buckets
        return self._buckets

    stems: dict[int, SectionStems] = field(default_factory=dict)
    sentences: dict[int, Sentences] = field(default_factory=dict)

    def stems_of(self, candidate: Candidate) -> SectionStems:
        """Section stems, memoised: section text never changes within a catalogue version."""
        known = self.stems.get(candidate.section_id)
        if known is None:
            known = self.stems[candidate.section_id] = section_stems(candidate)
        return known


class KnowledgeService:
    """Loads data packs and answers policy and certification questions."""

    # How long a process trusts its last look at the catalogue versions: an import made by
    # another process shows up within this time (this process's own imports at once).
    version_ttl: float = 1.0

    def __init__(self, *, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[int, Any]] = {}
        self._versions_seen: tuple[float, dict[str, int]] | None = None
        self._answers = _AnswerCache()
        self._backend: SearchBackend | None = None
        self.load_problems: dict[str, str] = {}

    # --- data packs -----------------------------------------------------------------------

    def load_configured_packs(self) -> list[ImportResult]:
        """Load BRIEFBOT_POLICY_DIR / BRIEFBOT_CERTS_FILE, or seed the bundled pack when empty.

        Runs at every start, so it is cheap when nothing changed (a fingerprint comparison) and
        safe when two processes start together (the second waits, then sees the work done).
        A configured pack is applied when its content differs from the one last applied from
        configuration; an admin's later import therefore survives restarts until the configured
        files change. Without configuration the bundled pack seeds an empty catalogue only (or
        refreshes a catalogue that still holds an older bundled pack). A broken pack changes
        nothing: the problem is logged and reported by ``status()``; the bot still starts.
        """
        configured = {
            "policies": self.settings.briefbot_policy_dir,
            "certifications": self.settings.briefbot_certs_file,
        }
        bundled = {"policies": BUNDLED_POLICIES, "certifications": BUNDLED_CERTS}
        with self.db.read() as session:
            states = store.pack_states(session)
        results = []
        for kind in KINDS:
            path = configured[kind]
            try:
                if path is not None:
                    result = self._load_configured(kind, Path(path).expanduser(), states.get(kind))
                else:
                    result = self._seed_bundled(kind, bundled[kind], states.get(kind))
            except KnowledgeError as exc:
                self.load_problems[kind] = str(exc)
                log.error("knowledge pack not loaded; the %s catalogue is unchanged: %s", kind, exc)
                continue
            self.load_problems.pop(kind, None)
            if result is not None:
                results.append(result)
        return results

    def _load_configured(self, kind: str, path: Path, state: store.PackState | None) -> ImportResult | None:
        if pack_kind(path) != kind:
            variable = "BRIEFBOT_POLICY_DIR" if kind == "policies" else "BRIEFBOT_CERTS_FILE"
            raise KnowledgeError(f"{variable}={path} is not a {kind} pack")
        current = fingerprint(path)
        if state is not None and state.configured_fingerprint == current:
            return None

        def still_needed(s: store.PackState | None) -> bool:
            return s is None or s.configured_fingerprint != current

        return self._apply(
            load_pack(path), source="configured", actor=Actor.system(), configured=current, when=still_needed
        )

    def _seed_bundled(self, kind: str, path: Path, state: store.PackState | None) -> ImportResult | None:
        if state is not None and state.source != "bundled":
            return None
        current = fingerprint(path)
        if state is not None and state.fingerprint == current:
            return None

        def still_needed(s: store.PackState | None) -> bool:
            if s is None:
                with self.db.read() as session:
                    return store.catalogue_size(session, kind) == 0
            return s.source == "bundled" and s.fingerprint != current

        if state is None and not still_needed(None):
            return None
        return self._apply(load_pack(path), source="bundled", actor=Actor.system(), when=still_needed)

    def import_path(self, path: str | Path, *, actor: Actor | None = None) -> ImportResult:
        """Validate the pack at ``path`` completely, then replace its catalogue atomically.

        Raises ``PackError`` (every problem with file and line) or ``KnowledgeError``; on error
        nothing is changed. The import is audited in the same transaction.
        """
        pack = load_pack(Path(path))
        result = self._apply(pack, source="import", actor=actor or Actor.cli())
        assert result is not None
        return result

    def _apply(
        self,
        pack: Pack,
        *,
        source: str,
        actor: Actor,
        configured: str | None = None,
        when: Callable[[store.PackState | None], bool] | None = None,
    ) -> ImportResult | None:
        with self.db.session() as session:
            store.lock_catalogue(session, pack.kind)
            if when is not None and not when(store.pack_states(session).get(pack.kind)):
                return None  # another process did it while we waited for the lock
            version = store.replace_catalogue(
                session, pack, source=source, loaded_by=actor.id, configured_fingerprint=configured
            )
            record(
                session,
                actor,
                "knowledge.import" if source == "import" else "knowledge.load",
                pack.kind,
                source=source,
                location=pack.location,
                items=pack.items,
                sections=pack.sections,
                fingerprint=pack.fingerprint,
            )
        self._versions_seen = None
        log.info("loaded %d %s from %s (%s)", pack.items, pack.kind, pack.location, source)
        return ImportResult(pack.kind, pack.location, pack.items, pack.sections, version, True, source)

    def status(self) -> list[PackStatus]:
        """What each catalogue holds and any problem the last start-up load reported."""
        with self.db.read() as session:
            states = store.pack_states(session)
            sizes = {kind: store.catalogue_size(session, kind) for kind in KINDS}
        out = []
        for kind in KINDS:
            s = states.get(kind)
            out.append(
                PackStatus(
                    kind=kind,
                    source=s.source if s else None,
                    location=s.location if s else None,
                    items=sizes[kind],
                    version=s.version if s else 0,
                    loaded_at=s.loaded_at.isoformat() if s else None,
                    loaded_by=s.loaded_by if s else None,
                    problem=self.load_problems.get(kind),
                )
            )
        return out

    # --- caches ---------------------------------------------------------------------------

    def _versions(self) -> dict[str, int]:
        seen = self._versions_seen
        now = time.monotonic()
        if seen is not None and now - seen[0] < self.version_ttl:
            return seen[1]
        with self.db.read() as session:
            versions = store.versions(session)
        self._versions_seen = (now, versions)
        return versions

    def _cached(self, kind: str, version: int, build: Callable[[], T]) -> T:
        entry = self._cache.get(kind)
        if entry is not None and entry[0] == version:
            return entry[1]  # type: ignore[no-any-return]
        with self._lock:  # one thread builds; the others wait rather than all building at once
            entry = self._cache.get(kind)
            if entry is not None and entry[0] == version:
                return entry[1]  # type: ignore[no-any-return]
            value = build()
            self._cache[kind] = (version, value)
            return value

    def _policy_index(self, version: int) -> _PolicyIndex:
        def build() -> _PolicyIndex:
            with self.db.read() as session:
                texts = store.section_texts(session)
                vocabulary = Vocabulary(
                    (f"{h}\n{b}\n{t}" for _i, h, b, t in texts),
                    extra_words=list(SYNONYMS),
                )
                index = _PolicyIndex(vocabulary, store.policies(session), store.headings(session))
            # Every section's stems now, so no lookup pays for them later.
            for section_id, heading, body, _title in texts:
                head = frozenset(stems(heading))
                index.stems[section_id] = SectionStems(head, head | frozenset(stems(body)))
            return index

        return self._cached("policies", version, build)

    def _certs(self, session: Any, version: int) -> list[CertView]:
        return self._cached("certifications", version, lambda: store.certifications(session))

    def backend(self, conn: Connection) -> SearchBackend:
        """The search backend for this database (decided once per process)."""
        if self._backend is None:
            if self.db.dialect == "postgresql":
                self._backend = PostgresBackend()
            elif store.has_fts5_table(conn):
                self._backend = SqliteFtsBackend()
            else:
                log.warning("this SQLite build has no FTS5: policy search ranks in Python instead")
                self._backend = MemoryBackend()
        return self._backend

    # --- policy search --------------------------------------------------------------------

    def _ranked(self, plan: QueryPlan, index: _PolicyIndex, version: int) -> list[Ranked]:
        # A plain connection rather than an ORM session: this runs on every uncached lookup.
        with self.db.read_engine.connect() as conn:
            backend = self.backend(conn)
            if isinstance(backend, MemoryBackend):
                backend.load(conn, version)
            candidates = backend.candidates(conn, plan, CANDIDATES)
        return rerank(plan, candidates, index.vocabulary, index.stems_of)

    @staticmethod
    def _hit(ranked: Ranked, index: _PolicyIndex) -> SectionHit:
        c = ranked.candidate
        url = f"{c.url}#{c.anchor}" if c.url and c.anchor and "#" not in c.url else c.url
        return SectionHit(
            policy_id=c.policy_id,
            policy_title=c.policy_title,
            heading=c.heading,
            excerpt=excerpt(index.sentences_of(c), ranked.matched_stems),
            url=url,
            owner=c.owner,
            updated=c.updated,
            score=round(ranked.score, 4),
            matched_terms=ranked.matched_groups,
            section_id=c.section_id,
        )

    def search(self, query: str, limit: int = 3) -> list[SectionHit]:
        """The best sections for a question (best first; never from the answer cache)."""
        query = " ".join((query or "").split())[:500]
        version = self._versions().get("policies", 0)
        return list(self._policy_answer(query, limit, version, use_cache=False).hits) if query else []

    def policy_answer(self, query: str, *, limit: int = 3) -> PolicyAnswer:
        """Answer ``/ai-policy``: best section plus related ones, or why there is none."""
        query = " ".join((query or "").split())[:500]
        version = self._versions().get("policies", 0)
        key = ("policy", version, query.lower(), limit)
        cached = self._answers.get(key)
        if cached is not None:
            return replace(cached, query=query)
        answer = self._policy_answer(query, limit, version)
        self._answers.put(key, answer)
        return answer

    def _policy_answer(self, query: str, limit: int, version: int, *, use_cache: bool = True) -> PolicyAnswer:
        contact = self.settings.briefbot_policy_contact
        index = self._policy_index(version)
        if not index.policies:
            return PolicyAnswer(query, "empty", contact)
        if not query:
            return PolicyAnswer(query, "list", contact, policies=tuple(index.policies))
        plan = weigh(analyze_query(query, index.vocabulary), index.vocabulary)
        # Questions that analyse to the same concepts ("prompt injection please?") rank alike.
        key = ("ranked", version, tuple((g.text, g.terms) for g in plan.groups), limit)
        outcome = self._answers.get(key) if use_cache else None
        if outcome is None:
            outcome = self._rank_plan(plan, index, version, limit)
            self._answers.put(key, outcome)
        kind, found = outcome
        if kind == "no_match":
            return PolicyAnswer(
                query,
                "no_match",
                contact,
                corrections=plan.corrections,
                suggestions=found,
                policies=tuple(index.policies),
            )
        return PolicyAnswer(query, "answer", contact, hits=found, corrections=plan.corrections)

    def _rank_plan(
        self, plan: QueryPlan, index: _PolicyIndex, version: int, limit: int
    ) -> tuple[str, tuple[Any, ...]]:
        """("answer", hits) or ("no_match", suggested topics) for an analysed question."""
        ranked = self._ranked(plan, index, version) if not plan.is_empty else []
        if not ranked or ranked[0].coverage < MIN_COVERAGE:
            topics = " ".join(group.text for group in plan.groups)
            return "no_match", tuple(self._suggestions(topics, index))
        best = ranked[0]
        related = [r for r in ranked[1:] if r.score >= RELATED_RATIO * best.score and r.coverage > 0]
        return "answer", tuple(self._hit(r, index) for r in [best, *related][:limit])

    @staticmethod
    def _suggestions(query: str, index: _PolicyIndex, limit: int = 5) -> list[str]:
        """Close topics: headings sharing a word (or nearly) with the question, else policy titles."""
        found: dict[int, float] = {}
        for qw in unique(w for w in words(query) if len(w) > 3 and w not in STOPWORDS):
            candidates = index.heading_buckets().get(qw[0], [])
            for close in difflib.get_close_matches(qw, candidates, n=3, cutoff=0.75):
                similarity = difflib.SequenceMatcher(None, qw, close).ratio()
                for position in index.heading_words[close]:
                    found[position] = found.get(position, 0.0) + similarity
        ranked = sorted(found.items(), key=lambda item: (-item[1], item[0]))
        picks = [f"{index.headings[p][1]} ({index.headings[p][0]})" for p, _score in ranked[:limit]]
        return picks or [p.title for p in index.policies[:limit]]

    def related_policy_section(self, text: str) -> SectionHit | None:
        """The policy section most related to a bag of headline text, or None when none is close.

        Stricter than a question: names and news words should not drag in a policy, so typos
        are not corrected and the section must match several distinct, reasonably rare concepts.
        """
        version = self._versions().get("policies", 0)
        index = self._policy_index(version)
        if not index.policies:
            return None
        plan = weigh(analyze_query(text[:4000], index.vocabulary, fix_typos=False), index.vocabulary)
        if plan.is_empty:
            return None
        ranked = self._ranked(plan, index, version)
        weights = group_weights(plan, index.vocabulary)
        for r in ranked[:5]:
            strong = [g for g in r.matched_groups if weights.get(g, 0.0) >= RELATED_MIN_IDF]
            heading = index.stems_of(r.candidate).heading
            in_heading = sum(
                weights[group.text]
                for group in plan.groups
                if group.text in strong and any(set(stems(term)) <= heading for term in group.terms)
            )
            if len(strong) >= RELATED_MIN_GROUPS and in_heading >= RELATED_MIN_HEADING_WEIGHT:
                return self._hit(r, index)
        return None

    # --- certifications -------------------------------------------------------------------

    def warm(self) -> None:
        """Build the policy index and load the catalogue now (``briefbot run`` calls this at
        start), so the first question after a restart is not the one that waits for them."""
        self._policy_index(self._versions().get("policies", 0))
        self.certifications()

    def certifications(self) -> list[CertView]:
        """The catalogue in its order (cached per catalogue version)."""
        version = self._versions().get("certifications", 0)
        entry = self._cache.get("certifications")
        if entry is not None and entry[0] == version:
            return list(entry[1])
        with self.db.read() as session:
            return list(self._certs(session, version))

    def recommend_certs(self, text: str = "", *, level: str | None = None, limit: int = 5) -> CertAnswer:
        """Answer ``/ai-certs``: ranked certifications, or an overview per department."""
        query = " ".join((text or "").split())[:300]
        key = (
            "certs",
            self._versions().get("certifications", 0),
            query.lower(),
            (level or "").lower(),
            limit,
        )
        cached = self._answers.get(key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        answer = self._recommend_certs(query, level, limit)
        self._answers.put(key, answer)
        return answer

    def _recommend_certs(self, query: str, level: str | None, limit: int) -> CertAnswer:
        catalogue = self.certifications()
        request = cert_ranking.parse_request(
            query, level=level, catalogue_words=self._catalogue_words(catalogue)
        )
        shown = " ".join(filter(None, [query, f"--level {level}" if level else ""]))
        if not catalogue:
            return CertAnswer(shown, "empty", request)
        if request.is_empty:
            overview = cert_ranking.department_overview(catalogue)
            kind: CertAnswerKind = "overview" if not request.unknown else "no_match"
            return CertAnswer(shown, kind, request, overview=tuple(overview))
        picks = cert_ranking.rank(catalogue, request, limit)
        if not picks:
            return CertAnswer(
                shown, "no_match", request, overview=tuple(cert_ranking.department_overview(catalogue))
            )
        return CertAnswer(shown, "recommendations", request, picks=tuple(picks))

    def _catalogue_words(self, catalogue: list[CertView]) -> set[str]:
        key = tuple(c.id for c in catalogue)
        cached = self._cache.get("certification-words")
        if cached is not None and cached[0] == hash(key):
            return cached[1]  # type: ignore[no-any-return]
        value = cert_ranking.catalogue_words(catalogue)
        self._cache["certification-words"] = (hash(key), value)
        return value

    def spotlight_certification(self, department: str, rotation: int) -> CertView | None:
        """One certification recommended for ``department``, rotating through the list.

        ``rotation`` is any counter (e.g. deliveries so far); it wraps around the department's
        recommendations, best first. None when the catalogue has nothing for the department.
        """
        picks = cert_ranking.department_recommendations(self.certifications(), department)
        if not picks:
            return None
        return picks[rotation % len(picks)]
