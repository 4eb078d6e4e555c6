"""What the knowledge services need from storage, one protocol per resource.

The services (``Catalogue``, ``PolicySearch``, ``CertAdvisor``, ``GapLog``, ``PolicyNewsLog``)
run no SQL: they call these protocols, which ``knowledge.store`` implements on SQLAlchemy
(SQLite and PostgreSQL). The contract every implementation keeps, as ``feeds.store`` does:

* **Threading**: every method may be called from any thread at any time; each call opens and
  commits (or rolls back) its own transaction, so a method is atomic and nothing is shared
  between calls. Several processes (replicas) may use one database at once.
* **Datetimes** are timezone-aware UTC, in and out.
* **Lifecycle**: a store holds only its database handle; the owner of the ``Database`` disposes
  of it. Audit entries of a change are written in the change's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from knowledge.pack_format import Pack
from knowledge.search import Candidate
from knowledge.types import CertView, PolicyInfo
from storage.audit import Actor


@dataclass(frozen=True)
class PackState:
    """What a catalogue currently holds (a row of ``knowledge_packs``)."""

    kind: str
    source: str
    location: str
    fingerprint: str
    configured_fingerprint: str | None
    version: int
    items: int
    loaded_at: datetime
    loaded_by: str


@dataclass(frozen=True)
class Replacement:
    """A whole catalogue to replace: the validated ``pack``, where it came from (``import``,
    ``configured`` or ``bundled``), who asked, and for a configured pack the fingerprint of the
    files applied (so later starts know an admin's import since then is newer)."""

    pack: Pack
    source: str
    actor: Actor
    configured_fingerprint: str | None = None


@dataclass(frozen=True)
class PolicyCatalogue:
    """The policy catalogue as the search index needs it.

    ``sections``: every section with its policy's details, in catalogue order (``parent`` is the
    ``#`` heading a ``##`` section sits under, not the policy title, for the heading path);
    ``policies``: every policy in catalogue order with its number of sections; ``headings``:
    (policy title, section heading) of every section, in catalogue order."""

    sections: list[Candidate]
    policies: list[PolicyInfo]
    headings: list[tuple[str, str]]


# Given the catalogue's state as it is under the replacement's lock, whether the replacement is
# still wanted (another replica may have done it while this one waited).
StillWanted = Callable[[PackState | None], bool]


class CatalogueStore(Protocol):
    """The policy and certification catalogues (``policies``, ``policy_sections``,
    ``certifications``) and their pack records (``knowledge_packs``)."""

    def versions(self) -> dict[str, int]:
        """Catalogue kind -> version: the cheap check that tells a process its caches are stale."""
        ...

    def pack_states(self) -> dict[str, PackState]:
        """Catalogue kind -> what it holds; a kind never loaded is absent."""
        ...

    def size(self, kind: str) -> int:
        """How many items (policies or certifications) the ``kind`` catalogue holds."""
        ...

    def replace(self, change: Replacement, *, when: StillWanted | None = None) -> int | None:
        """Replace the whole catalogue of ``change.pack.kind`` and record it, audited as
        ``knowledge.import`` (an import) or ``knowledge.load`` (a start-up load), in one
        transaction; returns the new version.

        Replacements of one catalogue are serialised across processes; ``when`` is asked under
        that lock and a False answer changes nothing (None is returned)."""
        ...

    def policy_catalogue(self) -> PolicyCatalogue:
        """The whole policy catalogue, read in one transaction (so an import running meanwhile
        is seen whole or not at all)."""
        ...

    def certifications(self) -> list[CertView]:
        """Every certification in catalogue order."""
        ...


@dataclass(frozen=True)
class GapRow:
    """One unanswered question as logged (``knowledge_gaps``)."""

    asked_at: datetime
    question: str
    concept_key: str
    verdict: str
    department: str | None
    policy_id: str | None


class GapStore(Protocol):
    """The unanswered-questions log (``knowledge_gaps``)."""

    def add(self, row: GapRow) -> None:
        """Append one ask (over-long texts are cut to the columns' sizes)."""
        ...

    def since(self, since: datetime) -> list[GapRow]:
        """Every logged ask at or after ``since``, oldest first."""
        ...


@dataclass(frozen=True)
class NewsLink:
    """A story a briefing linked to a policy section (plain, unescaped text)."""

    policy_id: str
    policy_title: str
    heading: str
    section_url: str | None
    story_id: int
    story_title: str
    story_url: str | None


@dataclass(frozen=True)
class PostedLink:
    """A linked story and when a briefing first posted it."""

    link: NewsLink
    posted_at: datetime


class NewsStore(Protocol):
    """Stories linked to policy sections (``policy_news``) and the weekly messages' claims
    (``weekly_posts``)."""

    def add_links(self, links: list[NewsLink], at: datetime) -> None:
        """Record links; a (policy, story) pair already recorded keeps its first row."""
        ...

    def posted_since(self, since: datetime) -> list[PostedLink]:
        """Links whose story a briefing first posted at or after ``since``, oldest first (only
        stories a briefing actually posted, never previews nobody saw)."""
        ...

    def claim_week(self, kind: str, week: str, *, at: datetime, worker: str) -> bool:
        """Claim ``kind``'s message for ``week``: True for the one caller (of any replica) whose
        claim wins."""
        ...

    def release_week(self, kind: str, week: str) -> None:
        """Give a claim back (nothing could be posted), so a later run may try again."""
        ...
