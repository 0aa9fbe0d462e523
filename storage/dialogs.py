"""The state of a multi-step staff dialog (the /broadcast composer's draft), one row per chat.

Kept in the database so that a restart keeps it and every replica sees it. Only the dialog's
step and its draft are stored; retention clears drafts left untouched for a week.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from storage.db import insert
from storage.types import when


class DialogState(SQLModel, table=True):
    """A dialog's step and draft (JSON), by the channel's key for one bot, chat and person."""

    __tablename__ = "dialog_state"

    key: str = Field(primary_key=True, max_length=255)
    state: str | None = Field(default=None, max_length=128)
    data: str = Field(default="{}", sa_column=sa.Column(sa.Text, nullable=False))
    updated_at: datetime = when(nullable=False, index=True)


def read(connection: Connection, key: str) -> tuple[str | None, dict[str, Any]]:
    """A dialog's step and draft, inside a unit of work (storage/units.py)."""
    row = connection.execute(
        sa.select(DialogState.state, DialogState.data).where(DialogState.key == key)
    ).one_or_none()
    return (None, {}) if row is None else (row[0], json.loads(row[1]))


async def save_state(session: AsyncSession, key: str, state: str | None, now: datetime) -> None:
    await _save(session, key, now, state=state)


async def save_data(session: AsyncSession, key: str, data: dict[str, Any], now: datetime) -> None:
    await _save(session, key, now, data=json.dumps(data, ensure_ascii=False, sort_keys=True))


async def _save(session: AsyncSession, key: str, now: datetime, **values: Any) -> None:
    """Insert or update one row; a row without step and without draft is deleted."""
    fresh = {"state": None, "data": "{}", **values}
    statement = insert(session, DialogState).values(key=key, updated_at=now, **fresh)
    statement = statement.on_conflict_do_update(
        index_elements=["key"], set_={"updated_at": now, **values}
    )
    await session.execute(statement)
    await session.execute(
        sa.delete(DialogState).where(
            DialogState.key == key, DialogState.state.is_(None), DialogState.data == "{}"
        )
    )


async def forget_untouched_since(session: AsyncSession, before: datetime) -> int:
    """Delete the drafts nobody touched since `before`; returns how many."""
    result = await session.execute(sa.delete(DialogState).where(DialogState.updated_at < before))
    return result.rowcount or 0
