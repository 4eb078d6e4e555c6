"""Knowledge tables: atomic catalogue replacement and the reads lookups need.

Every function takes the caller's session so a replacement, its pack record and its audit entry
commit together or not at all.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from knowledge.packs import Pack
from knowledge.search import Candidate
from knowledge.types import CertView, PolicyInfo
from storage.models.knowledge import Certification, KnowledgePack, Policy, PolicySection
from storage.types import utcnow


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


def pack_states(session: Session) -> dict[str, PackState]:
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


def versions(session: Session) -> dict[str, int]:
    """Catalogue versions: the cheap check that tells a process its caches are stale."""
    rows = session.execute(select(KnowledgePack.kind, KnowledgePack.version))
    return {kind: version for kind, version in rows}


def catalogue_size(session: Session, kind: str) -> int:
    model = Policy if kind == "policies" else Certification
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def lock_catalogue(session: Session, kind: str) -> None:
    """Serialise replacements of one catalogue across processes.

    PostgreSQL: a transaction-scoped advisory lock (two replicas starting at once queue here,
    and the second then sees the first one's result). SQLite: the write transaction already
    began with BEGIN IMMEDIATE, which serialises writers.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(f"briefbot.knowledge.{kind}".encode())
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def replace_catalogue(
    session: Session,
    pack: Pack,
    *,
    source: str,
    loaded_by: str,
    configured_fingerprint: str | None = None,
    keep_configured: bool = True,
) -> int:
    """Replace the whole catalogue with ``pack`` and record it; returns the new version."""
    if pack.kind == "policies":
        _replace_policies(session, pack)
    else:
        _replace_certifications(session, pack)
    row = session.get(KnowledgePack, pack.kind)
    if row is None:
        row = KnowledgePack(kind=pack.kind, version=0, configured_fingerprint=None)
        session.add(row)
    row.source = source
    row.location = pack.location[:1024]
    row.fingerprint = pack.fingerprint
    if configured_fingerprint is not None or not keep_configured:
        row.configured_fingerprint = configured_fingerprint
    row.version = (row.version or 0) + 1
    row.items = pack.items
    row.loaded_at = utcnow()
    row.loaded_by = loaded_by[:255]
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


def policies(session: Session) -> list[PolicyInfo]:
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


def section_texts(session: Session) -> list[tuple[int, str, str, str]]:
    """(id, heading, body, policy title) of every section: the vocabulary's raw material."""
    return [
        (i, h, b, t)
        for i, h, b, t in session.execute(
            select(PolicySection.id, PolicySection.heading, PolicySection.body, PolicySection.policy_title)
        )
    ]


def sections(session: Session) -> list[Candidate]:
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


def headings(session: Session) -> list[tuple[str, str]]:
    """(policy title, section heading) of every section, in catalogue order."""
    return list(
        session.execute(
            select(Policy.title, PolicySection.heading)
            .join(PolicySection, PolicySection.policy_id == Policy.id)
            .order_by(Policy.position, PolicySection.position)
        )
    )


def certifications(session: Session) -> list[CertView]:
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


def has_fts5_table(conn: Connection | Session) -> bool:
    """Whether migration 0004 could create the SQLite FTS5 table (the build supports FTS5)."""
    return (
        conn.execute(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'policy_sections_fts'")
        ).first()
        is not None
    )
