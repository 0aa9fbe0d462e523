"""What every service shares: who is talking, one transaction per event, and the clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

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


class DuplicateEvent(Exception):
    """This update was handled before (Telegram delivers at least once)."""


class Service:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utc_now):
        self.sessions = sessions
        self.clock = clock

    @asynccontextmanager
    async def transaction(self, event: Event | None = None) -> AsyncIterator[AsyncSession]:
        """One transaction for one event; raises DuplicateEvent for an update seen before."""
        async with self.sessions() as session, session.begin():
            update_id = event.update_id if event is not None else None
            if update_id is not None and not await mark_processed(session, update_id, self.clock()):
                raise DuplicateEvent(update_id)
            yield session
