"""Fetched updates kept until handled: confirming them to Telegram must lose nothing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import insert
from storage.models import InboxUpdate


def keep(connection: Connection, updates: Sequence[tuple[int, str, str]], now: datetime) -> None:
    """Store (update id, sender, payload); one already kept stays as it is (a unit of work,
    storage/units.py)."""
    if not updates:
        return
    statement = insert(connection, InboxUpdate).on_conflict_do_nothing(index_elements=["update_id"])
    rows = [
        {"update_id": uid, "sender": sender, "payload": payload, "received_at": now}
        for uid, sender, payload in updates
    ]
    connection.execute(statement, rows)


async def pending(session: AsyncSession) -> list[tuple[int, str]]:
    """Everything kept and not yet handled, oldest first."""
    rows = await session.execute(
        select(InboxUpdate.update_id, InboxUpdate.payload).order_by(InboxUpdate.update_id)
    )
    return [(uid, payload) for uid, payload in rows]


def forget(connection: Connection, update_ids: Iterable[int]) -> None:
    """The handled updates go (a unit of work)."""
    ids = list(update_ids)
    if ids:
        connection.execute(delete(InboxUpdate).where(InboxUpdate.update_id.in_(ids)))


async def forget_sender(session: AsyncSession, sender: str) -> None:
    """Erasure: whatever of this person is still in hand goes too (it holds their texts)."""
    await session.execute(delete(InboxUpdate).where(InboxUpdate.sender == sender))
