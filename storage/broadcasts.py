"""Broadcasts: an announcement to a segment of people, its deliveries and how it went."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from storage.db import added
from storage.deliveries import OPEN, Delivery, chunks, insert_ignoring_duplicates
from storage.types import FINAL_BROADCAST, BroadcastStatus, DeliveryStatus
from storage.types import when as _when


class Broadcast(SQLModel, table=True):
    """An announcement to a segment of people: texts, who, when, and how it went."""

    __tablename__ = "broadcast"

    id: int | None = Field(default=None, primary_key=True)
    text_de: str = Field(default="", sa_column=sa.Column(sa.Text, nullable=False, default=""))
    # Per-language texts written by the coordinator: {"en": "...", "ar": "..."}.
    texts: dict[str, str] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    # A prepared message from the catalogs (its German source text is the gettext msgid).
    template: str | None = Field(default=None, max_length=40)
    segment: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    status: str = Field(default=BroadcastStatus.SCHEDULED, max_length=12, index=True)
    scheduled_at: datetime | None = _when()
    created_by: str = Field(max_length=64)
    created_at: datetime = _when(nullable=False)
    started_at: datetime | None = _when()
    finished_at: datetime | None = _when()
    total: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    # Where the coordinator watches the progress (one message, edited).
    progress_chat_id: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    progress_message_id: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    progress_shown: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    reported_at: datetime | None = _when()  # the final report went to the coordinator


async def add_broadcast(session: AsyncSession, broadcast: Broadcast) -> Broadcast:
    return await added(session, broadcast)


async def get_broadcast(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id)


async def list_broadcasts(session: AsyncSession, limit: int = 20) -> list[Broadcast]:
    query = sa.select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)
    return list((await session.execute(query)).scalars())


async def due_broadcasts(session: AsyncSession, now: datetime) -> list[int]:
    query = (
        sa.select(Broadcast.id)
        .where(Broadcast.status == BroadcastStatus.SCHEDULED, Broadcast.scheduled_at <= now)
        .order_by(Broadcast.scheduled_at)
    )
    return list((await session.execute(query)).scalars())


async def set_broadcast_status(
    session: AsyncSession,
    broadcast_id: int,
    before: Sequence[BroadcastStatus],
    after: BroadcastStatus,
    now: datetime,
) -> bool:
    """Move a broadcast from one of `before` to `after`; False if someone else moved it first."""
    values: dict[str, Any] = {"status": after}
    if after == BroadcastStatus.SENDING:
        values["started_at"] = now
    elif after in FINAL_BROADCAST:
        values["finished_at"] = now
    result = await session.execute(
        sa.update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status.in_(before))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def enqueue_broadcast(
    session: AsyncSession, broadcast_id: int, respondent_ids: Iterable[int], now: datetime
) -> int:
    """One pending delivery per person; people already enqueued are left alone. Returns total."""
    ids = list(dict.fromkeys(respondent_ids))
    for chunk in chunks(ids):
        rows = [
            {
                "broadcast_id": broadcast_id,
                "respondent_id": rid,
                "kind": "broadcast",
                "ref": f"b{broadcast_id}",
                "status": DeliveryStatus.PENDING,
                "attempts": 0,
                "reclaims": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for rid in chunk
        ]
        await session.execute(insert_ignoring_duplicates(session, rows))
    total = await session.scalar(
        sa.select(sa.func.count()).where(Delivery.broadcast_id == broadcast_id)
    )
    await session.execute(
        sa.update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(total=total)
        .execution_options(synchronize_session=False)
    )
    return int(total or 0)


async def cancel_broadcast(session: AsyncSession, broadcast_id: int, now: datetime) -> bool:
    """Stop a scheduled or running broadcast; what is already sent stays sent."""
    if not await set_broadcast_status(
        session,
        broadcast_id,
        (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING),
        BroadcastStatus.CANCELLED,
        now,
    ):
        return False
    await session.execute(
        sa.update(Delivery)
        .where(Delivery.broadcast_id == broadcast_id, Delivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    await _store_counts(session, broadcast_id)
    return True


@dataclass(frozen=True)
class Counts:
    """Deliveries of one broadcast by status."""

    total: int = 0
    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    cancelled: int = 0
    reclaimed: int = 0

    @property
    def open(self) -> int:
        return self.pending + self.sending


async def delivery_counts(session: AsyncSession, broadcast_id: int) -> Counts:
    query = (
        sa.select(Delivery.status, sa.func.count(), sa.func.sum(Delivery.reclaims))
        .where(Delivery.broadcast_id == broadcast_id)
        .group_by(Delivery.status)
    )
    by_status: dict[str, int] = {}
    reclaimed = 0
    for status, count, reclaims in await session.execute(query):
        by_status[status] = count
        reclaimed += int(reclaims or 0)
    return Counts(total=sum(by_status.values()), reclaimed=reclaimed, **by_status)


async def _store_counts(session: AsyncSession, broadcast_id: int) -> Counts:
    counts = await delivery_counts(session, broadcast_id)
    await session.execute(
        sa.update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(sent=counts.sent, failed=counts.failed, blocked=counts.blocked)
        .execution_options(synchronize_session=False)
    )
    return counts


async def close_finished(session: AsyncSession, now: datetime) -> list[int]:
    """Mark sending broadcasts with nothing left to send as done; returns their ids."""
    still_open = sa.exists().where(Delivery.broadcast_id == Broadcast.id, Delivery.status.in_(OPEN))
    query = sa.select(Broadcast.id).where(Broadcast.status == BroadcastStatus.SENDING, ~still_open)
    done = []
    for broadcast_id in (await session.execute(query)).scalars():
        if await set_broadcast_status(
            session, broadcast_id, (BroadcastStatus.SENDING,), BroadcastStatus.DONE, now
        ):
            await _store_counts(session, broadcast_id)
            done.append(broadcast_id)
    return done


async def watched_broadcasts(session: AsyncSession) -> list[Broadcast]:
    """Broadcasts with a progress message whose final report has not been given yet."""
    query = (
        sa.select(Broadcast)
        .where(Broadcast.progress_message_id.is_not(None), Broadcast.reported_at.is_(None))
        .order_by(Broadcast.id)
    )
    return list((await session.execute(query)).scalars())


async def progress_shown(
    session: AsyncSession, broadcast_id: int, text: str, reported_at: datetime | None
) -> None:
    await session.execute(
        sa.update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(progress_shown=text, reported_at=reported_at)
        .execution_options(synchronize_session=False)
    )
