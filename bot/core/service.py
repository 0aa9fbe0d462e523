"""What every service shares: who is talking, one transaction per event, and the clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.config import Settings
from storage.units import run_unit
from storage.updates import mark_processed, mark_processed_in

Clock = Callable[[], datetime]
FlowT = TypeVar("FlowT")
T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Person:
    """Someone writing to the bot, as the channel knows them."""

    channel: str
    user_id: str
    chat_id: int | None = None
    first_name: str | None = None
    device_language: str | None = None


@dataclass(frozen=True)
class Event:
    """One incoming event; `update_id` makes a redelivered Telegram update a no-op."""

    update_id: int | None = None


@dataclass
class Handling:
    """An incoming event while a channel handles it: is its update marked as handled yet?"""

    event: Event
    marked: bool = False
    open: bool = True
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


_handling: ContextVar[Handling | None] = ContextVar("handling", default=None)


@contextmanager
def handling(event: Event) -> Iterator[Handling]:
    """The channel handles `event` inside this block; see `Service.mark_before_reply`."""
    current = Handling(event)
    token = _handling.set(current)
    try:
        yield current
    finally:
        current.open = False
        _handling.reset(token)


def current_handling() -> Handling | None:
    current = _handling.get()
    return current if current is not None and current.open else None


_AFTER_COMMIT = "after_commit"


def after_commit(session: AsyncSession, callback: Callable[[], object]) -> None:
    """Run `callback` after the transaction of `session` is committed (not if it fails)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


class DuplicateEvent(Exception):
    """This update was handled before (Telegram delivers at least once)."""


class NestedTransaction(RuntimeError):
    """A task that holds a transaction asked for a second one.

    On SQLite the second would wait for the writer turn the first holds, for ever; raised at
    once instead, on every database, so each test that reaches such a path fails loudly.
    """


# The task whose transaction is open in this context (child tasks inherit the value, but they
# are other tasks and may open their own).
_holder: ContextVar[asyncio.Task[object] | None] = ContextVar("transaction_holder", default=None)
_writer_turns: WeakKeyDictionary[Engine, asyncio.Lock] = WeakKeyDictionary()


def writer_turn(sessions: async_sessionmaker[AsyncSession]) -> asyncio.Lock | None:
    """The one writer turn of a SQLite database, shared by every service on its engine.

    SQLite has one writer at a time; waiting here in turn is far cheaper than SQLite's busy
    handler, which sleeps in steps of milliseconds while others write.
    """
    bind = sessions.kw.get("bind")
    if bind is None or bind.dialect.name != "sqlite":
        return None
    return _writer_turns.setdefault(bind.sync_engine, asyncio.Lock())


async def in_one_hop(
    sessions: async_sessionmaker[AsyncSession],
    unit: Callable[[Connection], T],
    reads_only: bool = False,
) -> T:
    """`unit` as one unit of work on the database of `sessions` (storage/units.py): a read or a
    write in one hop, instead of a hop per statement (one that `reads_only` goes first on
    SQLite, see `run_unit`). A writing unit raises NestedTransaction inside a
    transaction of the same task (on SQLite it would wait for the writer turn for ever)."""
    task = asyncio.current_task()
    if not reads_only and task is not None and _holder.get() is task:
        raise NestedTransaction("a transaction is already open in this task")
    return await run_unit(sessions.kw["bind"], writer_turn(sessions), unit, reads_only)


class Service:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utc_now):
        self.sessions = sessions
        self.clock = clock
        self._one_writer = writer_turn(sessions)

    @asynccontextmanager
    async def transaction(self, event: Event | None = None) -> AsyncIterator[AsyncSession]:
        """One transaction for one event; raises DuplicateEvent for an update seen before.

        Callbacks given to `after_commit` run once the transaction is committed. A transaction
        inside another of the same task raises NestedTransaction.
        """
        task = asyncio.current_task()
        if task is not None and _holder.get() is task:
            raise NestedTransaction("a transaction is already open in this task")
        token = _holder.set(task)
        try:
            async with self._turn(), self.sessions() as session:
                async with session.begin():
                    update_id = event.update_id if event is not None else None
                    if update_id is not None:
                        if not await mark_processed(session, update_id, self.clock()):
                            raise DuplicateEvent(update_id)
                        _marked(update_id)
                    yield session
                for callback in session.info.pop(_AFTER_COMMIT, ()):
                    callback()
        finally:
            _holder.reset(token)

    async def unit_of_work(self, event: Event, work: Callable[[Connection], T]) -> T:
        """`work` and the mark of the event's update as one unit of work (storage/units.py):
        committed when this returns; raises DuplicateEvent for an update seen before, and
        whatever `work` raised, with nothing of it written.

        Only for work without `after_commit` callbacks; a unit inside a transaction of the same
        task raises NestedTransaction (on SQLite it would wait for the writer turn for ever).
        """
        update_id = event.update_id
        now = self.clock()

        def unit(connection: Connection) -> T:
            if update_id is not None and not mark_processed_in(connection, update_id, now):
                raise DuplicateEvent(update_id)
            return work(connection)

        result = await in_one_hop(self.sessions, unit)
        if update_id is not None:
            _marked(update_id)
        return result

    def _turn(self) -> AbstractAsyncContextManager[object]:
        return self._one_writer if self._one_writer is not None else nullcontext()

    async def mark_before_reply(self) -> None:
        """Mark the update being handled, unless its transaction did: before any reply goes out.

        Every update is handled once, also those that write nothing (/help, a sticker): with
        two replicas the second finds the mark and raises DuplicateEvent instead of replying.
        """
        current = current_handling()
        if current is None or current.marked or current.event.update_id is None:
            return
        async with current.lock:  # a reply and the answer to a press may go out side by side
            if not current.marked:
                async with self.transaction(current.event):
                    pass


def _marked(update_id: int) -> None:
    current = _handling.get()
    if current is not None and current.event.update_id == update_id:
        current.marked = True


class SettingsService(Service):
    """A service of one deployment: its settings beside the sessions."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(sessions, clock)
        self.settings = settings


class FlowService(SettingsService, Generic[FlowT]):
    """A service of one deployment's questionnaire: its settings and flow beside the sessions.

    The features name the flow's type, `FlowService[Flow]`: bot.flows is a layer above this one.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        flow: FlowT,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(sessions, settings, clock)
        self.flow: FlowT = flow
        self.started()

    def started(self) -> None:
        """What a service sets up beside its settings and flow; nothing unless it says."""
