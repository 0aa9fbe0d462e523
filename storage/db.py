"""The database engine: SQLite (a file, WAL mode) by default, PostgreSQL by URL."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Table, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlmodel import SQLModel

log = logging.getLogger(__name__)
BUSY_TIMEOUT_MS = 5000
Row = TypeVar("Row", bound=SQLModel)


# PostgreSQL's deadlock and serialization failure: the transaction was rolled back whole, and the
# same work may simply run again.
TRANSIENT_STATES = frozenset({"40P01", "40001"})


def is_transient(error: BaseException) -> bool:
    """True for an error that running the same transaction again may not meet."""
    return getattr(getattr(error, "orig", None), "sqlstate", None) in TRANSIENT_STATES


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def with_password(url: str, password: str) -> str:
    """`url` with `password` in it, escaped, so that @ : / % and the like are taken as written."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        raise ValueError("KIM_DATABASE_PASSWORD is set, but the database is a SQLite file")
    return parsed.set(password=password).render_as_string(hide_password=False)


def ensure_directory(url: str) -> None:
    """A SQLite file's folder (./data/ by default) is created on first use."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # first: switching to WAL may wait
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")  # WAL keeps committed data safe across a kill
    # Deleted rows are overwritten with zeros, not just marked free: erased personal data must
    # not stay readable in the file's free space.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


async def empty_wal(sessions: async_sessionmaker[AsyncSession]) -> bool:
    """After an erasure has committed: copy the write-ahead log into the database file and cut it
    to nothing, so that no older copy of the erased rows stays in it (SQLite; a no-op elsewhere).

    Runs on a connection of its own and waits (busy timeout) for a writer or reader in the middle
    of a statement. False if it could not finish (logged); the next one does it then.
    """
    engine = sessions.kw["bind"]
    if engine.dialect.name != "sqlite":
        return True
    try:
        async with engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            result = await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            busy = result.one()[0]
    except OperationalError as error:
        log.warning("emptying the write-ahead log after an erasure failed: %s", error.orig)
        return False
    if busy:
        log.warning("emptying the write-ahead log after an erasure waited in vain for readers")
    return not busy


def create_engine(url: str, **options: Any) -> AsyncEngine:
    ensure_directory(url)
    if is_sqlite(url):
        engine = _create_async_engine(url, **options)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    options.setdefault("pool_pre_ping", True)
    return _create_async_engine(url, **options)


def insert(session: AsyncSession | Connection, model: type[SQLModel] | Table) -> Any:
    """An INSERT that knows ON CONFLICT, in the dialect of the session's (connection's) database."""
    bind = session if isinstance(session, Connection) else session.get_bind()
    dialect = bind.dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


async def added(session: AsyncSession, row: Row) -> Row:
    """`row` added and flushed, so that it has its id."""
    session.add(row)
    await session.flush()
    return row


async def ping(session: AsyncSession) -> None:
    """Raises unless the database answers."""
    await session.execute(text("SELECT 1"))


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def sync_url(url: str) -> str:
    """The same database for synchronous users (Alembic, the job store)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url
