"""PostgreSQL advisory locks held by one connection (one replica does a job at a time)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def try_lock(connection: AsyncConnection, key: int) -> bool:
    """Take the session lock `key` on `connection`; False if another connection holds it."""
    held = await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
    await connection.commit()
    return bool(held)


async def still_held(connection: AsyncConnection) -> None:
    """Raises if the connection (and with it the lock) is gone."""
    await connection.execute(text("SELECT 1"))


async def unlock(connection: AsyncConnection, key: int) -> None:
    await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
    await connection.commit()
