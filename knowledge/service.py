"""The knowledge façade: data packs, policy answers, certifications and unanswered questions.

No SQL here: ``Catalogue`` (packs), ``PolicySearch`` (policy lookups), ``CertAdvisor``
(certifications), ``GapLog`` (unanswered questions) and ``PolicyNewsLog`` do the work over the
stores of ``knowledge.store``. Threading: one instance serves every thread. Lookups read the catalogue
version (one small query) and rebuild their in-memory helpers only when another import, in this
process or another, has replaced the catalogue.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from knowledge.advisor import CertAdvisor
from knowledge.catalogue import Catalogue, ImportResult, PackStatus
from knowledge.check import CheckCase, CheckReport, outcome, tally, unknown_sections
from knowledge.compose import AnswerComposer
from knowledge.config import KnowledgeConfig
from knowledge.errors import PackError
from knowledge.gaps import DIGEST_DAYS, DepartmentHint, GapLog, Post
from knowledge.index import AnswerCache, VersionedMemo
from knowledge.news import PolicyNewsLog, once_a_week, send_messages
from knowledge.policies import PolicySearch
from knowledge.store import NewsLink, PostedLink, SqlCatalogueStore, SqlGapStore, SqlNewsStore
from knowledge.types import CertAnswer, CertView, DigestMessage, GapGroup, PolicyAnswer, SectionHit
from knowledge.words import ENGLISH
from llm.model import LanguageModel
from storage import Database
from storage.audit import Actor
from storage.types import utcnow

log = logging.getLogger(__name__)

__all__ = ["ImportResult", "KnowledgeConfig", "KnowledgeService", "LinkedStory", "PackStatus"]

# The weekly jobs run every hour and the first run of each ISO week (Monday 00:30 UTC, or the
# first after a replica comes back) claims and sends it: a restart never skips a week.
WEEKLY_CHECK = {"minute": 30}


class PolicyLinkLike(Protocol):
    # Read-only, so frozen dataclasses (the briefings' ``PolicyLink``) fit.
    @property
    def policy_id(self) -> str: ...
    @property
    def policy_title(self) -> str: ...
    @property
    def heading(self) -> str: ...
    @property
    def url(self) -> str | None: ...


class LinkedStory(Protocol):
    """A briefing story as ``record_policy_news`` reads it (the briefings' ``BriefingStory``)."""

    @property
    def story_id(self) -> int | None: ...
    @property
    def title(self) -> str: ...
    @property
    def url(self) -> str | None: ...
    @property
    def policy(self) -> PolicyLinkLike | None: ...


class KnowledgeService:
    """Loads data packs, answers policy and certification questions, and logs what it could not."""

    def __init__(self, *, db: Database, config: KnowledgeConfig, model: LanguageModel | None = None) -> None:
        """``model``: the optional language model that writes short cited answers."""
        self.db = db
        self.composer = AnswerComposer(model) if model is not None else None
        self.config = config
        self.catalogue = Catalogue(store=SqlCatalogueStore(db), config=config)
        memo, answers = VersionedMemo(), AnswerCache()
        self.policies = PolicySearch(catalogue=self.catalogue, memo=memo, answers=answers)
        self.advisor = CertAdvisor(catalogue=self.catalogue, memo=memo, answers=answers)
        self.gaps = GapLog(store=SqlGapStore(db), config=config)
        worker = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.news = PolicyNewsLog(store=SqlNewsStore(db), config=config, worker=worker)

    # --- data packs -----------------------------------------------------------------------

    def load_configured_packs(self) -> list[ImportResult]:
        """Load the configured packs, or seed the bundled ones (see ``Catalogue``)."""
        return self.catalogue.load_configured_packs()

    def import_path(self, path: str | Path, *, actor: Actor | None = None) -> ImportResult:
        """Validate a pack completely, then replace its catalogue atomically (audited)."""
        return self.catalogue.import_path(path, actor=actor)

    def status(self) -> list[PackStatus]:
        """What each catalogue holds and any problem the last start-up load reported."""
        return self.catalogue.status()

    def warm(self) -> None:
        """Build the policy index, load the certifications and the English word list now
        (``briefbot run`` calls this at start), so the first question does not wait for them."""
        ENGLISH.load()
        self.policies.index()
        self.advisor.certifications()

    # --- policies -------------------------------------------------------------------------

    def search(self, query: str, limit: int = 3) -> list[SectionHit]:
        """The best sections for a question, best first, whatever the verdict."""
        return self.policies.search(query, limit)

    def policy_answer(self, query: str, *, limit: int = 3, department: DepartmentHint = None) -> PolicyAnswer:
        """Answer ``/ai-policy``; a question no section answers is logged for the policy owners."""
        answer = self.policies.answer(query, limit=limit, contact=self.config.policy_contact)
        if self.composer is not None:
            answer = self.composer.compose(query, answer)
        if answer.unanswered:
            self.gaps.record(answer, department=department)
        return answer

    def check(self, cases: list[CheckCase], *, shown: str = "questions") -> CheckReport:
        """Ask every question as ``/ai-policy`` would (nothing is logged as unanswered) and
        score the answers; raises ``PackError`` when an expected section is not in the pack."""
        index = self.policies.index()
        sections = {(c.policy_id, c.heading) for c in index.ranker.sections}
        if problems := unknown_sections(cases, sections, shown):
            raise PackError(f"questions in {shown}", problems)
        contact = self.config.policy_contact
        return tally(
            outcome(case, self.policies.answer(case.question, contact=contact), self.search(case.question))
            for case in cases
        )

    def related_policy_section(self, text: str) -> SectionHit | None:
        """The policy section a headline is about, or None (for briefings)."""
        return self.policies.related_section(text)

    def story_policy_section(self, text: str) -> SectionHit | None:
        """The policy section one story (title and summary) may affect, or None: stricter than
        ``related_policy_section`` because the link sits on the story itself."""
        return self.policies.related_section(text, story=True)

    # --- unanswered questions -------------------------------------------------------------

    def unanswered(self, *, days: int = DIGEST_DAYS) -> list[GapGroup]:
        """Questions of the last ``days`` days no policy answered, similar ones grouped."""
        return self.gaps.groups(days=days)

    def gaps_digest(self, *, days: int = DIGEST_DAYS) -> list[DigestMessage]:
        """The digest posts to make (owner channel, else the contact's channel, else admins)."""
        policies = self.policies.index().policies
        titles = {p.id: p.title for p in policies}
        channels = {p.id: p.owner_channel for p in policies if p.owner_channel}
        return self.gaps.digest(channels, titles, days=days)

    def send_gaps_digest(self, post: Post, *, days: int = DIGEST_DAYS) -> list[DigestMessage]:
        """Post the digest with ``post(channel_or_user_id, text)``; the weekly job calls this."""
        return send_messages(self.gaps_digest(days=days), post, what="gaps digest")

    # --- news that touches a policy -------------------------------------------------------

    def record_policy_news(self, stories: Iterable[LinkedStory]) -> None:
        """Remember the policy links of a scheduled briefing's stories (for the weekly message)."""
        links = [
            NewsLink(p.policy_id, p.policy_title, p.heading, p.url, s.story_id, s.title, s.url)
            for s in stories
            if (p := s.policy) is not None and s.story_id is not None
        ]
        if links:
            self.news.record(links)

    def policy_news(self, *, days: int = DIGEST_DAYS) -> list[PostedLink]:
        """Linked stories a briefing posted in the last ``days`` days, oldest first."""
        return self.news.posted(days=days)

    def policy_news_messages(
        self, *, days: int = DIGEST_DAYS, now: datetime | None = None
    ) -> list[DigestMessage]:
        """The owners' messages: one per owner channel, else the contact's channel, else admins."""
        channels = {p.id: p.owner_channel for p in self.policies.index().policies if p.owner_channel}
        return self.news.messages(channels, days=days, now=now)

    def send_policy_news(self, post: Post, *, days: int = DIGEST_DAYS) -> list[DigestMessage]:
        """Post the owners' messages now with ``post(channel_or_user_id, text)`` (no weekly claim)."""
        return send_messages(self.policy_news_messages(days=days), post, what="policy news")

    # --- weekly jobs ----------------------------------------------------------------------

    def weekly_gaps_digest(self, post: Post, *, now: datetime | None = None) -> list[DigestMessage] | None:
        """This week's gaps digest, unless another run or replica already sent it (None)."""
        return once_a_week(
            self.news.store,
            "gaps_digest",
            self.gaps_digest,
            post,
            now=now or utcnow(),
            worker=self.news.worker,
        )

    def weekly_policy_news(self, post: Post, *, now: datetime | None = None) -> list[DigestMessage] | None:
        """This week's policy-news messages, unless another run or replica already sent them."""
        now = now or utcnow()

        def build() -> list[DigestMessage]:
            return self.policy_news_messages(now=now)

        return once_a_week(self.news.store, "policy_news", build, post, now=now, worker=self.news.worker)

    def schedule(self, scheduler: Any, post: Post) -> None:
        """Add the weekly gaps digest and policy-news jobs to ``scheduler`` (APScheduler)."""
        jobs = (
            ("knowledge-gaps-digest", "knowledge: weekly unanswered questions", self.weekly_gaps_digest),
            ("knowledge-policy-news", "knowledge: weekly news for policy owners", self.weekly_policy_news),
        )
        for job_id, name, job in jobs:
            scheduler.add_job(
                _logged(job), "cron", args=[post], id=job_id, name=name, replace_existing=True, **WEEKLY_CHECK
            )

    # --- certifications -------------------------------------------------------------------

    def certifications(self) -> list[CertView]:
        """The certification catalogue in its order."""
        return self.advisor.certifications()

    def recommend_certs(self, text: str = "", *, level: str | None = None, limit: int = 5) -> CertAnswer:
        """Answer ``/ai-certs``: ranked certifications, or an overview per department."""
        return self.advisor.recommend(text, level=level, limit=limit)

    def spotlight_certification(self, department: str, rotation: int) -> CertView | None:
        """One certification for ``department``, rotating through its recommendations."""
        return self.advisor.spotlight(department, rotation)


def _logged(job: Any) -> Any:
    def run(post: Post) -> None:
        try:
            sent = job(post)
        except Exception:  # the next hourly run retries: the claim was given back
            log.exception("weekly knowledge job failed")
            return
        if sent:
            log.info("weekly message posted to %s", ", ".join(m.destination for m in sent))

    return run
