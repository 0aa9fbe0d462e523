"""One-time codes (staff and provider invitations): only a code's SHA-256 is stored, and a code
is taken once, before it expires."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

Code = TypeVar("Code", bound=SQLModel)


async def take_code(
    session: AsyncSession, table: type[Code], code_hash: str, now: datetime
) -> Code | None:
    """The unused, unexpired row of `table` with this hash, marked used; None if there is none.
    `table` has the columns id, code_hash, expires_at and used_at."""
    columns: Any = table
    taken = await session.execute(
        sa.update(table)
        .where(
            columns.code_hash == code_hash,
            columns.used_at.is_(None),
            columns.expires_at > now,
        )
        .values(used_at=now)
        .returning(columns.id)
        .execution_options(synchronize_session=False)
    )
    code_id = taken.scalar_one_or_none()
    return await session.get(table, code_id) if code_id else None
