"""Telegram delivers an update at least once: the processed-update table makes it once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert
from storage.models import ProcessedUpdate


def _mark(session: AsyncSession | Connection, update_id: int, now: datetime) -> Any:
    return (
        insert(session, ProcessedUpdate)
        .values(update_id=update_id, processed_at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
    )


async def mark_processed(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """True the first time an update id is seen; False when it was handled before."""
    result = await session.execute(_mark(session, update_id, now))
    return result.rowcount == 1


def mark_processed_in(connection: Connection, update_id: int, now: datetime) -> bool:
    """`mark_processed` inside a unit of work (storage/units.py)."""
    return connection.execute(_mark(connection, update_id, now)).rowcount == 1


async def forget_processed_before(session: AsyncSession, cutoff: datetime) -> int:
    """Telegram keeps updates for at most 24 hours; older marks can go."""
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff)
    )
    return result.rowcount
