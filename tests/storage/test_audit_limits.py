"""Audit entries fit their columns whatever they record (PostgreSQL refuses over-long strings)."""

from __future__ import annotations

from storage import Database
from storage.audit import Actor, recent, record


def test_a_huge_target_and_detail_are_cut_to_fit(db: Database) -> None:
    with db.session() as session:
        record(session, Actor.slack("U" + "X" * 400), "refused", "9" * 100_000, reason="r" * 50_000)
    with db.read() as session:
        [entry] = recent(session, 1)
    assert len(entry.target) == 2048 and entry.target.endswith("…")
    assert len(entry.actor) <= 255
    assert len(entry.detail["reason"]) == 2000
