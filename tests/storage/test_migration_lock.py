"""Replicas that start together migrate the database once: ``Database.upgrade`` takes a lock.

Real processes (``briefbot db upgrade``) against a fresh PostgreSQL schema and a SQLite file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from storage.db import SCHEMA_HEAD, Database


def _upgrade(url: str, cwd: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": url}
    return subprocess.Popen(
        [sys.executable, "-m", "briefbot", "db", "upgrade"],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_four_processes_upgrading_at_once_all_succeed(db_url: str, tmp_path: Path) -> None:
    procs = [_upgrade(db_url, tmp_path) for _ in range(4)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], "\n---\n".join(outputs)
    assert all(f"at revision {SCHEMA_HEAD}" in out for out in outputs), outputs
    db = Database(db_url)
    try:
        assert db.revision() == SCHEMA_HEAD
    finally:
        db.dispose()


def test_an_upgrade_waits_for_the_migration_lock_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    holder = create_engine(postgres_url)
    with holder.connect() as conn:
        lock_id = conn.execute(text("SELECT hashtext('briefbot.migrations.' || current_schema())")).scalar()
        conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": lock_id})
        conn.commit()
        proc = _upgrade(postgres_url, tmp_path)
        waiting = (
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = :objid"
        )
        deadline = time.monotonic() + 60
        while conn.execute(text(waiting), {"objid": lock_id & 0xFFFFFFFF}).scalar() == 0:
            conn.commit()
            assert proc.poll() is None, f"the upgrade did not wait for the lock:\n{proc.communicate()[0]}"
            assert time.monotonic() < deadline, "the upgrade never asked for the migration lock"
            time.sleep(0.1)
        assert Database(postgres_url).revision() is None
        conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id})
        conn.commit()
        out = proc.communicate(timeout=60)[0]
    holder.dispose()
    assert proc.returncode == 0 and f"at revision {SCHEMA_HEAD}" in out, out
