"""One sender among replicas: on PostgreSQL only the holder of the sender lock sends, so that
the rate is the bot's and not each replica's.

The claims would keep several senders apart anyway (SKIP LOCKED); the lock keeps their sum at
the configured rate. A replica that dies drops its connection and with it the lock; another one
takes over at its next try. SQLite has one bot process, which always leads.
"""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage import locks

log = logging.getLogger(__name__)

SENDER_LOCK_KEY = 0x4B494D5345  # "KIMSE"


class Leadership:
    """Whether this process sends the outbox, held on a connection of its own."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._connection: AsyncConnection | None = None

    async def lead(self) -> bool:
        if self.engine.dialect.name != "postgresql":
            return True
        if self._connection is not None:
            try:
                await locks.still_held(self._connection)
                return True
            except Exception:
                log.warning("lost the database connection that holds the sender lock")
                await self.resign()
        connection = await self.engine.connect()
        try:
            held = await locks.try_lock(connection, SENDER_LOCK_KEY)
        except Exception:
            await connection.close()
            raise
        if not held:
            await connection.close()
            return False
        self._connection = connection
        log.info("this replica sends the outbox")
        return True

    async def resign(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        with contextlib.suppress(Exception):
            await locks.unlock(connection, SENDER_LOCK_KEY)
        with contextlib.suppress(Exception):
            await connection.close()
