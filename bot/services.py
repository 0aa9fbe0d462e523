"""What every service shares: who is talking, one transaction per event, and the clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.flows.schema import Flow
from storage.updates import mark_processed

Clock = Callable[[], datetime]


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


_AFTER_COMMIT = "after_commit"


def after_commit(session: AsyncSession, callback: Callable[[], object]) -> None:
    """Run `callback` after the transaction of `session` is committed (not if it fails)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


class DuplicateEvent(Exception):
    """This update was handled before (Telegram delivers at least once)."""


class Service:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utc_now):
        self.sessions = sessions
        self.clock = clock
        bind = sessions.kw.get("bind")
        # SQLite has one writer at a time; waiting here in turn is far cheaper than SQLite's
        # busy handler, which sleeps in steps of milliseconds while others write.
        self._one_writer = (
            asyncio.Lock() if bind is not None and bind.dialect.name == "sqlite" else None
        )

    @asynccontextmanager
    async def transaction(self, event: Event | None = None) -> AsyncIterator[AsyncSession]:
        """One transaction for one event; raises DuplicateEvent for an update seen before.

        Callbacks given to `after_commit` run once the transaction is committed.
        """
        async with self._turn(), self.sessions() as session:
            async with session.begin():
                update_id = event.update_id if event is not None else None
                if update_id is not None and not await mark_processed(
                    session, update_id, self.clock()
                ):
                    raise DuplicateEvent(update_id)
                yield session
            for callback in session.info.pop(_AFTER_COMMIT, ()):
                callback()

    def _turn(self) -> AbstractAsyncContextManager[object]:
        return self._one_writer if self._one_writer is not None else nullcontext()


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


class FlowService(SettingsService):
    """A service of one deployment's questionnaire: its settings and flow beside the sessions."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        flow: Flow,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(sessions, settings, clock)
        self.flow = flow
