"""Certification lookups: ``/ai-certs`` answers and the briefings' spotlight pick."""

from __future__ import annotations

from knowledge import cert_request
from knowledge import certs as cert_ranking
from knowledge.catalogue import Catalogue
from knowledge.index import AnswerCache, VersionedMemo
from knowledge.types import CertAnswer, CertAnswerKind, CertView


class CertAdvisor:
    """Ranks certifications from the current catalogue (cached per catalogue version)."""

    def __init__(self, *, catalogue: Catalogue, memo: VersionedMemo, answers: AnswerCache) -> None:
        self.catalogue = catalogue
        self._memo = memo
        self._answers = answers

    def version(self) -> int:
        return self.catalogue.versions().get("certifications", 0)

    def certifications(self) -> list[CertView]:
        """The catalogue in its order."""

        return list(self._memo.get("certifications", self.version(), self.catalogue.store.certifications))

    def recommend(self, text: str = "", *, level: str | None = None, limit: int = 5) -> CertAnswer:
        """Answer ``/ai-certs``: ranked certifications, or an overview per department."""
        query = " ".join((text or "").split())[:300]
        key = ("certs", self.version(), query.lower(), (level or "").lower(), limit)
        cached = self._answers.get(key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        answer = self._recommend(query, level, limit)
        self._answers.put(key, answer)
        return answer

    def _recommend(self, query: str, level: str | None, limit: int) -> CertAnswer:
        catalogue = self.certifications()
        words = self._memo.get(
            "certification-words", self.version(), lambda: cert_request.catalogue_words(catalogue)
        )
        departments = self.catalogue.config.departments
        request = cert_request.parse_request(
            query, departments=departments, level=level, catalogue_words=words
        )
        # The title names what was typed; the level option is shown as a level, not as words.
        asked = cert_request.resolve_level(level) if level else None
        if not catalogue:
            return CertAnswer(query, "empty", request, level=asked)
        if request.is_empty:
            overview = cert_ranking.department_overview(catalogue, departments)
            kind: CertAnswerKind = "overview" if not request.unknown else "no_match"
            return CertAnswer(query, kind, request, overview=tuple(overview), level=asked)
        picks = cert_ranking.rank(catalogue, request, limit, audience=departments.keys)
        if not picks:
            return CertAnswer(
                query,
                "no_match",
                request,
                overview=tuple(cert_ranking.department_overview(catalogue, departments)),
                level=asked,
            )
        return CertAnswer(query, "recommendations", request, picks=tuple(picks), level=asked)

    def spotlight(self, department: str, rotation: int) -> CertView | None:
        """One certification recommended for ``department``, rotating through the list.

        ``rotation`` is any counter (e.g. deliveries so far); it wraps around the department's
        recommendations, best first. None when the catalogue has nothing for the department.
        """
        picks = cert_ranking.department_recommendations(
            self.certifications(), department, self.catalogue.config.departments
        )
        if not picks:
            return None
        return picks[rotation % len(picks)]
