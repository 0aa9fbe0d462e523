"""Units of work: a whole event's transaction as one plain function of a Connection.

A unit runs in one hop to the database instead of a hop per statement. On SQLite the units
waiting at the same time run in one transaction on a connection of the writer's own thread, each
in a savepoint of its own (a failing unit is rolled back alone and its caller gets its error),
with one COMMIT for all: a caller hears of its unit only once that COMMIT is done. On PostgreSQL
each unit is a transaction of its own, run with `AsyncConnection.run_sync`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import _sqlite_pragmas, sync_url

T = TypeVar("T")
Unit = Callable[[Connection], T]

# One thread writes every SQLite file of the process: SQLite has one writer per file anyway,
# and a process has one database (tests have a few, one after the other).
_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")


def _sqlite_engine(engine: AsyncEngine, **options: Any) -> Engine:
    """A synchronous engine on the file of `engine`, with the same pragmas."""
    sync = create_sync_engine(sync_url(str(engine.url)), pool_size=1, **options)
    event.listen(sync, "connect", _sqlite_pragmas)
    return sync


class SqliteWriter:
    """Runs units on SQLite, those waiting together in one transaction (group commit)."""

    def __init__(self, engine: AsyncEngine, turn: asyncio.Lock | None) -> None:
        self.engine = _sqlite_engine(engine)
        # Reads on the event loop's thread: a point lookup in WAL mode never waits for the
        # writer, and costs less than a hop to a thread and back.
        self.reader = _sqlite_engine(engine)
        event.listen(self.engine, "connect", _driver_leaves_transactions_to_us)
        event.listen(self.engine, "begin", _begin_immediate)
        self._turn: AbstractAsyncContextManager[object] = turn or nullcontext()
        self._waiting: list[tuple[Unit[Any], asyncio.Future[Any]]] = []
        self._draining = False
        self._drainer: asyncio.Task[None] | None = None

    async def run(self, unit: Unit[T]) -> T:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[T] = loop.create_future()
        self._waiting.append((unit, done))
        if not self._draining:
            self._draining = True
            self._drainer = loop.create_task(self._drain())
        return await done

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._waiting:
                async with self._turn:
                    # Those who came while this waited for the turn go in the same batch.
                    batch, self._waiting = self._waiting, []
                    try:
                        outcomes = await loop.run_in_executor(
                            _THREAD, self._batch, [unit for unit, _ in batch]
                        )
                    except Exception as error:  # the COMMIT failed: nobody's unit holds
                        outcomes = [(False, error)] * len(batch)
                    except BaseException:  # cancelled (the process stops): nobody hears more
                        for _, done in batch:
                            done.cancel()
                        raise
                for (_, done), (ok, value) in zip(batch, outcomes, strict=True):
                    if done.done():
                        continue  # its caller was cancelled meanwhile
                    if ok:
                        done.set_result(value)
                    else:
                        done.set_exception(value)
        except asyncio.CancelledError:
            for _, done in self._waiting:
                done.cancel()
            self._waiting = []
            raise
        finally:
            self._draining = False

    def _batch(self, units: list[Unit[Any]]) -> list[tuple[bool, Any]]:
        outcomes: list[tuple[bool, Any]] = []
        with self.engine.connect() as connection, connection.begin():
            for unit in units:
                savepoint = connection.begin_nested()
                try:
                    value = unit(connection)
                except Exception as error:
                    savepoint.rollback()
                    outcomes.append((False, error))
                else:
                    savepoint.commit()
                    outcomes.append((True, value))
        return outcomes

    def read(self, unit: Unit[T]) -> T:
        with self.reader.connect() as connection:
            return unit(connection)

    def dispose(self) -> None:
        self.engine.dispose()
        self.reader.dispose()


def _driver_leaves_transactions_to_us(connection: Any, _record: Any) -> None:
    # pysqlite would begin transactions on its own, late and deferred; SQLAlchemy begins them
    # (BEGIN IMMEDIATE: the write lock at once) and its savepoints then work as written.
    connection.isolation_level = None


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


_writers: WeakKeyDictionary[Engine, SqliteWriter] = WeakKeyDictionary()


async def run_unit(
    engine: AsyncEngine, turn: asyncio.Lock | None, unit: Unit[T], reads_only: bool = False
) -> T:
    """`unit` run in a transaction of its own (PostgreSQL) or of its batch (SQLite), committed
    when this returns; its exception, with nothing of it written, when it raised.

    A unit that `reads_only` runs at once on SQLite, on the event loop's thread, and outside a
    transaction on PostgreSQL; it sees what was committed (it must not write)."""
    if engine.dialect.name == "sqlite":
        writer = _writers.get(engine.sync_engine)
        if writer is None:
            writer = _writers[engine.sync_engine] = SqliteWriter(engine, turn)
        return writer.read(unit) if reads_only else await writer.run(unit)
    if reads_only:  # no BEGIN and COMMIT around it: two round trips fewer
        async with engine.connect() as connection:
            reading = await connection.execution_options(isolation_level="AUTOCOMMIT")
            return await reading.run_sync(unit)
    async with engine.connect() as connection, connection.begin():
        return await connection.run_sync(unit)


def sqlite_writer(engine: AsyncEngine) -> SqliteWriter | None:
    """The writer of a SQLite engine, once it ran a unit."""
    return _writers.get(engine.sync_engine)


def dispose_writer(engine: AsyncEngine) -> None:
    """Close the writer's connection of a SQLite engine that is being disposed."""
    writer = _writers.pop(engine.sync_engine, None)
    if writer is not None:
        writer.dispose()
