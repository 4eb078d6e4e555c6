"""The catalogues on SQLAlchemy: atomic replacement of a whole pack and the reads lookups need
(``knowledge.store.protocols.CatalogueStore``)."""

from __future__ import annotations

import zlib

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from knowledge.pack_format import Pack
from knowledge.search import Candidate
from knowledge.store.protocols import PackState, PolicyCatalogue, Replacement, StillWanted
from knowledge.types import CertView, PolicyInfo
from storage import Database
from storage.audit import record
from storage.models.knowledge import Certification, KnowledgePack, Policy, PolicySection
from storage.types import utcnow


class SqlCatalogueStore:
    """``CatalogueStore`` on the database: one transaction per call."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def versions(self) -> dict[str, int]:
        with self.db.read() as session:
            rows = session.execute(select(KnowledgePack.kind, KnowledgePack.version))
            return {kind: version for kind, version in rows}

    def pack_states(self) -> dict[str, PackState]:
        with self.db.read() as session:
            return _pack_states(session)

    def size(self, kind: str) -> int:
        model = Policy if kind == "policies" else Certification
        with self.db.read() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

    def replace(self, change: Replacement, *, when: StillWanted | None = None) -> int | None:
        pack = change.pack
        with self.db.session() as session:
            _lock_catalogue(session, pack.kind)
            if when is not None and not when(_pack_states(session).get(pack.kind)):
                return None
            version = _replace_catalogue(session, change)
            record(
                session,
                change.actor,
                "knowledge.import" if change.source == "import" else "knowledge.load",
                pack.kind,
                source=change.source,
                location=pack.location,
                items=pack.items,
                sections=pack.sections,
                fingerprint=pack.fingerprint,
            )
        return version

    def policy_catalogue(self) -> PolicyCatalogue:
        with self.db.read() as session:
            headings = session.execute(
                select(Policy.title, PolicySection.heading)
                .join(PolicySection, PolicySection.policy_id == Policy.id)
                .order_by(Policy.position, PolicySection.position)
            )
            return PolicyCatalogue(_sections(session), _policies(session), [(t, h) for t, h in headings])

    def certifications(self) -> list[CertView]:
        with self.db.read() as session:
            return _certifications(session)


def _pack_states(session: Session) -> dict[str, PackState]:
    rows = session.scalars(select(KnowledgePack))
    return {
        r.kind: PackState(
            r.kind,
            r.source,
            r.location,
            r.fingerprint,
            r.configured_fingerprint,
            r.version,
            r.items,
            r.loaded_at,
            r.loaded_by,
        )
        for r in rows
    }


def _lock_catalogue(session: Session, kind: str) -> None:
    """Serialise replacements of one catalogue across processes.

    PostgreSQL: a transaction-scoped advisory lock (two replicas starting at once queue here,
    and the second then sees the first one's result). SQLite: the write transaction already
    began with BEGIN IMMEDIATE, which serialises writers.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"briefbot.knowledge.{kind}".encode())
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _replace_catalogue(session: Session, change: Replacement) -> int:
    """Replace the whole catalogue with the change's pack and record it; returns the new version."""
    pack = change.pack
    if pack.kind == "policies":
        _replace_policies(session, pack)
    else:
        _replace_certifications(session, pack)
    row = session.get(KnowledgePack, pack.kind)
    if row is None:
        row = KnowledgePack(kind=pack.kind, version=0, configured_fingerprint=None)
        session.add(row)
    row.source = change.source
    row.location = pack.location[:1024]
    row.fingerprint = pack.fingerprint
    if change.configured_fingerprint is not None:
        row.configured_fingerprint = change.configured_fingerprint
    row.version = (row.version or 0) + 1
    row.items = pack.items
    row.loaded_at = utcnow()
    row.loaded_by = change.actor.id[:255]
    session.flush()
    return row.version


def _replace_policies(session: Session, pack: Pack) -> None:
    # Sections first: on SQLite their delete trigger keeps the FTS index in step.
    session.execute(delete(PolicySection))
    session.execute(delete(Policy))
    session.execute(
        insert(Policy),
        [
            {
                "id": p.id,
                "title": p.title,
                "owner": p.owner,
                "url": p.url,
                "updated": p.updated,
                "departments": list(p.departments),
                "source_file": p.source_file,
                "position": i,
                "owner_channel": p.owner_channel,
            }
            for i, p in enumerate(pack.policies)
        ],
    )
    rows = [
        {
            "policy_id": p.id,
            "heading": s.heading,
            "anchor": s.anchor,
            "level": s.level,
            "position": s.position,
            "body": s.body,
            "line": s.line,
            "policy_title": p.title,
        }
        for p in pack.policies
        for s in p.sections
    ]
    if rows:
        session.execute(insert(PolicySection), rows)


def _replace_certifications(session: Session, pack: Pack) -> None:
    session.execute(delete(Certification))
    session.execute(
        insert(Certification),
        [
            {
                "id": c.id,
                "name": c.name,
                "provider": c.provider,
                "url": c.url,
                "level": c.level,
                "topics": list(c.topics),
                "departments": list(c.departments),
                "summary": c.summary,
                "hours": c.hours,
                "cost": c.cost,
                "extra": {},
                "position": i,
            }
            for i, c in enumerate(pack.certifications)
        ],
    )


def _policies(session: Session) -> list[PolicyInfo]:
    """Every policy in catalogue order, with its number of sections."""
    counts: dict[str, int] = {
        policy_id: count
        for policy_id, count in session.execute(
            select(PolicySection.policy_id, func.count()).group_by(PolicySection.policy_id)
        )
    }
    return [
        PolicyInfo(
            id=p.id,
            title=p.title,
            owner=p.owner,
            url=p.url,
            updated=p.updated,
            departments=tuple(p.departments or ()),
            sections=int(counts.get(p.id, 0)),
            owner_channel=p.owner_channel,
        )
        for p in session.scalars(select(Policy).order_by(Policy.position, Policy.id))
    ]


def _sections(session: Session) -> list[Candidate]:
    """Every section with its policy's details, in catalogue order; ``parent`` is the ``#``
    heading a ``##`` section sits under (not the policy title), for the heading path."""
    rows = session.execute(
        select(
            PolicySection.id,
            PolicySection.heading,
            PolicySection.body,
            PolicySection.anchor,
            PolicySection.level,
            Policy.id,
            Policy.title,
            Policy.owner,
            Policy.url,
            Policy.updated,
            Policy.owner_channel,
        )
        .join(Policy, PolicySection.policy_id == Policy.id)
        .order_by(Policy.position, Policy.id, PolicySection.position)
    )
    out: list[Candidate] = []
    parent, parent_policy = "", ""
    for sid, heading, body, anchor, level, pid, title, owner, url, updated, channel in rows:
        if pid != parent_policy:
            parent, parent_policy = "", pid
        if level == 1:
            parent = "" if heading == title else heading
        out.append(
            Candidate(
                section_id=sid,
                rank=0.0,
                heading=heading,
                body=body,
                anchor=anchor,
                level=level,
                policy_id=pid,
                policy_title=title,
                owner=owner,
                url=url,
                updated=updated,
                owner_channel=channel,
                parent=parent if level > 1 else "",
            )
        )
    return out


def _certifications(session: Session) -> list[CertView]:
    """Every certification in catalogue order."""
    return [
        CertView(
            id=c.id,
            name=c.name,
            provider=c.provider,
            url=c.url,
            level=c.level,
            summary=c.summary,
            topics=tuple(c.topics or ()),
            departments=tuple(c.departments or ()),
            hours=c.hours,
            cost=c.cost,
        )
        for c in session.scalars(select(Certification).order_by(Certification.position, Certification.id))
    ]
