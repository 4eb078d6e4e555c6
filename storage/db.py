"""The engine/session wrapper every service receives.

Threading: a ``Database`` is shared by all threads; each unit of work opens its own session via
``session()`` (writes) or ``read()`` (reads). Datetimes are aware UTC (see ``storage.types``).

SQLite (embedded default) runs in WAL mode with a busy timeout; write transactions start with
``BEGIN IMMEDIATE`` so two writers queue instead of failing with "database is locked" half-way
through a read-then-write. Reads use a second engine with plain deferred transactions so lookups
never wait for a writer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import Any

from sqlalchemy import String, Table, any_, bindparam, create_engine, event, func, select, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from foundation.errors import BriefbotError

log = logging.getLogger(__name__)


# The newest migration. ``upgrade`` compares the database's revision with it in one query and
# skips Alembic (about 0.2 s of imports and script loading, on every CLI command) when they
# match; tests/storage/test_database.py holds it equal to Alembic's own head.
SCHEMA_HEAD = "0011_model_texts"


class StorageError(BriefbotError):
    """The database could not be opened, migrated or reached."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is turned off so the begin hooks below decide.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _make_engine(url: URL, *, immediate: bool, **kwargs: Any) -> Engine:
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 5}, **kwargs)
    event.listen(engine, "connect", _sqlite_pragmas)
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


def dialect_insert(dialect: str, table: Any) -> Any:
    """``INSERT`` for ``dialect`` with its ``on_conflict_do_nothing/do_update`` (SQLite or PostgreSQL)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def session_insert(session: Session, table: Any) -> Any:
    """``dialect_insert`` for the database ``session`` is bound to."""
    return dialect_insert(session.get_bind().dialect.name, table)


def one_of(session: Session, column: Any, values: Sequence[str]) -> Any:
    """``column IN (values)`` for many strings, sent as one parameter: a JSON array read with
    ``json_each`` on SQLite, an array with ``= ANY`` on PostgreSQL. Both still use the
    column's index; an ``IN`` of thousands of bound values cost SQLAlchemy about 4 µs a value
    to expand on every execution (0.1 s per refresh of 10,000 items)."""
    values = list(values)
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        each = func.json_each(bindparam(None, json.dumps(values), type_=String())).table_valued("value")
        return column.in_(select(each.c.value))
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(bindparam(None, values, type_=ARRAY(String())))
    return column.in_(values)


def insert_many(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]], *, skip_conflicts_on: Sequence[str]
) -> None:
    """``INSERT ... ON CONFLICT (skip_conflicts_on) DO NOTHING`` of ``rows`` (all with the same
    keys) in one DBAPI ``executemany``.

    The same statement through ``session.execute`` converts every value of every row (a UTC
    datetime three times per item row) and builds each row's parameters: storing 10,000 items
    and their stories took 0.63 s, holding the GIL while fetch threads waited; this way 0.37 s.
    SQLAlchemy still compiles the statement and supplies each column's converter; each distinct
    value is converted once per call (most rows share the refresh time and a few category lists).
    """
    if not rows:
        return
    dialect = session.get_bind().dialect
    keys = list(rows[0])
    stmt = dialect_insert(dialect.name, table).on_conflict_do_nothing(index_elements=list(skip_conflicts_on))
    compiled = stmt.compile(dialect=dialect, column_keys=keys, for_executemany=True)
    order = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
    if missing := [key for key in order if key not in rows[0]]:
        # A column the rows leave out would need its Python-side default made per row.
        raise ValueError(f"insert_many into {table.name}: rows lack {', '.join(missing)}")
    converters = compiled._bind_processors
    # Column by column: each distinct value converted once, then rows zipped back together.
    columns = []
    for key in order:
        values = [row[key] for row in rows]
        convert = converters.get(key)
        columns.append(values if convert is None else _convert_column(values, convert))
    params: list[Any] = list(zip(*columns, strict=True))
    if not compiled.positional:
        params = [dict(zip(order, values, strict=True)) for values in params]
    session.connection().exec_driver_sql(compiled.string, params)


class _Converted(dict[Any, Any]):
    """value -> its converted form, converted on first sight. Values equal as Python values
    (True and 1; one instant in two time zones) convert alike, so sharing is safe."""

    def __init__(self, convert: Callable[[Any], Any]) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, key: Any) -> Any:
        self[key] = converted = self.convert(key)
        return converted


def _convert_column(values: list[Any], convert: Callable[[Any], Any]) -> list[Any]:
    try:
        memo = _Converted(convert)
        return [memo[v] for v in values]
    except TypeError:  # unhashable: lists for a JSON column, keyed by their items
        pass
    try:
        lists = _Converted(lambda items: convert(list(items)))
        return [lists[tuple(v)] if type(v) is list else convert(v) for v in values]
    except TypeError:  # lists of lists, dicts: converted one by one
        return [convert(v) for v in values]


class Database:
    """Engines, session factories and migrations for one ``DATABASE_URL``."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int | None = None) -> None:
        try:
            self.url = make_url(url)
        except ArgumentError as exc:
            raise StorageError(f"DATABASE_URL is not a valid SQLAlchemy URL: {url!r}") from exc
        kwargs: dict[str, Any] = {"echo": echo}
        if pool_size is not None and self.url.get_backend_name() != "sqlite":
            kwargs.update(pool_size=pool_size, max_overflow=pool_size)
        try:
            self.engine = _make_engine(self.url, immediate=True, **kwargs)
            self.read_engine = (
                _make_engine(self.url, immediate=False, **kwargs) if self.is_sqlite else self.engine
            )
        except (SQLAlchemyError, ImportError) as exc:
            raise StorageError(f"cannot open database {self.safe_url}: {exc}") from exc
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        self._read = sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    def insert(self, table: Any) -> Any:
        """An ``INSERT`` that knows this database's ``ON CONFLICT`` dialect."""
        return dialect_insert(self.dialect, table)

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages and logs."""
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A write transaction: committed on success, rolled back on any exception."""
        with self._write() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work (never blocks behind a SQLite writer)."""
        with self._read() as session:
            yield session

    def upgrade(self, revision: str = "head") -> None:
        """Apply Alembic migrations up to ``revision``, once even when several processes start together.

        On PostgreSQL the migration runs under an advisory lock (one per schema), so replicas that
        start at the same moment migrate one after another: the first applies the migrations, the
        others find the schema at head once they get the lock. SQLite needs none: the migration is
        one ``BEGIN IMMEDIATE`` transaction, which a second process waits for (busy timeout).
        """
        if revision == "head" and self.revision() == SCHEMA_HEAD:
            return
        from alembic import command
        from alembic.util.exc import CommandError

        try:
            with self._migration_lock():
                if revision == "head" and self.revision() == SCHEMA_HEAD:
                    return  # another process migrated while this one waited for the lock
                command.upgrade(self.alembic_config(), revision)
        except SQLAlchemyError as exc:
            raise StorageError(f"database migration failed on {self.safe_url}: {exc}") from exc
        except CommandError as exc:
            current = self.revision()
            if current is not None and current != SCHEMA_HEAD and not self._known_revision(current):
                raise StorageError(
                    f"the database {self.safe_url} is at schema revision {current[:40]!r}, which this "
                    f"version of briefbot does not know (this version's newest is {SCHEMA_HEAD}); it was "
                    "probably upgraded by a newer briefbot: run that version, or restore a backup"
                ) from exc
            raise StorageError(f"database migration failed on {self.safe_url}: {exc}") from exc

    def _known_revision(self, revision: str) -> bool:
        from alembic.script import ScriptDirectory
        from alembic.util.exc import CommandError

        try:
            return ScriptDirectory.from_config(self.alembic_config()).get_revision(revision) is not None
        except CommandError:
            return False

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        if self.dialect != "postgresql":
            yield
            return
        key = text("SELECT hashtext('briefbot.migrations.' || current_schema())")
        # A session-level lock on a connection of its own, held while Alembic migrates on another.
        with self.engine.connect() as conn:
            lock_id = conn.execute(key).scalar_one()
            conn.execute(text("SELECT pg_advisory_lock(:id)"), {"id": lock_id})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id})
                conn.commit()

    def revision(self) -> str | None:
        """The schema revision the database is at; None when it was never migrated."""
        try:
            with self.read_engine.connect() as conn:
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except SQLAlchemyError:
            return None  # no such table yet (or no database): Alembic will say what is wrong

    def alembic_config(self) -> Any:
        """An Alembic config bound to this database (no alembic.ini needed)."""
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(resources.files("storage") / "migrations"))
        cfg.attributes["connection_engine"] = self.engine
        return cfg

    def check(self) -> dict[str, Any]:
        """Health probe: can we run a query, and is the schema at head?"""
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        try:
            with self.read_engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                current = MigrationContext.configure(conn).get_current_revision()
        except SQLAlchemyError as exc:
            return {"ok": False, "dialect": self.dialect, "error": type(exc).__name__}
        head = ScriptDirectory.from_config(self.alembic_config()).get_current_head()
        return {"ok": current == head, "dialect": self.dialect, "revision": current, "head": head}

    def dispose(self) -> None:
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
