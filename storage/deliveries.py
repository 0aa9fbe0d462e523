"""Deliveries: one row per message to send, claimed by the sender, sent, then settled.

A message is first a `delivery` row (unique per person and broadcast, or per person, kind and
reference), then sent by bot/outbox/sender.py, which claims due rows, sends them and records
the outcome.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from storage.db import insert
from storage.models import Respondent
from storage.types import DeliveryStatus
from storage.types import when as _when

OPEN = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
_CHUNK = 500  # ids per IN (…) list


class Delivery(SQLModel, table=True):
    """One message to one person: the outbox row the sender claims, sends and settles."""

    __tablename__ = "delivery"
    __table_args__ = (
        sa.UniqueConstraint("broadcast_id", "respondent_id", name="uq_delivery_broadcast_person"),
        sa.UniqueConstraint("respondent_id", "kind", "ref", name="uq_delivery_person_kind_ref"),
        sa.Index("ix_delivery_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("broadcast.id", ondelete="CASCADE")),
    )
    respondent_id: int = Field(
        sa_column=sa.Column(
            sa.Integer,
            sa.ForeignKey("respondent.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    kind: str = Field(max_length=16)  # broadcast | reminder | …
    ref: str = Field(max_length=40)  # what the message is about, unique per person and kind
    status: str = Field(default=DeliveryStatus.PENDING, max_length=12)
    attempts: int = 0
    reclaims: int = 0  # claims of a row whose sender died with it in hand (possibly sent)
    next_attempt_at: datetime = _when(nullable=False)
    claimed_at: datetime | None = _when()
    claimed_by: str | None = Field(default=None, max_length=64)
    sent_at: datetime | None = _when()
    last_error: str | None = Field(default=None, max_length=200)
    created_at: datetime = _when(nullable=False)


async def enqueue_message(
    session: AsyncSession, respondent_id: int, kind: str, ref: str, due: datetime, now: datetime
) -> bool:
    """One pending delivery of `kind` about `ref`; False if it exists already."""
    row = {
        "broadcast_id": None,
        "respondent_id": respondent_id,
        "kind": kind,
        "ref": ref,
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "reclaims": 0,
        "next_attempt_at": due,
        "created_at": now,
    }
    result = await session.execute(insert_ignoring_duplicates(session, [row]))
    return result.rowcount == 1


def insert_ignoring_duplicates(session: AsyncSession, rows: list[dict[str, Any]]) -> Any:
    return insert(session, Delivery).values(rows).on_conflict_do_nothing()


@dataclass(frozen=True)
class Claim:
    """A delivery the sender holds, with what it needs to know about the person."""

    id: int
    kind: str
    ref: str
    broadcast_id: int | None
    respondent_id: int
    attempts: int
    created_at: datetime
    chat_id: int | None = None
    language: str | None = None
    unreachable: bool = False
    opted_out: bool = False
    exists: bool = True


async def claim_due(
    session: AsyncSession, now: datetime, limit: int, worker: str, lease: timedelta
) -> list[Claim]:
    """Claim up to `limit` due deliveries for `worker`, oldest first.

    Due: pending and its time has come, or claimed by a sender that has not settled it within
    the lease (that sender is dead; the message may have gone out, hence `reclaims`). On
    PostgreSQL the rows are locked with SKIP LOCKED, so concurrent senders never claim the same
    row; SQLite has one writer at a time, so the conditional UPDATE alone is enough.
    """
    due = sa.or_(
        sa.and_(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now),
        sa.and_(Delivery.status == DeliveryStatus.SENDING, Delivery.claimed_at <= now - lease),
    )
    # A materialised CTE picks the rows once; as `id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`
    # PostgreSQL may run the subquery again per row and claim far more than n.
    chosen = (
        sa.select(Delivery.id)
        .where(due)
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("chosen")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    claim = (
        sa.update(Delivery)
        .where(Delivery.id == chosen.c.id, due)
        .values(
            status=DeliveryStatus.SENDING,
            claimed_at=now,
            claimed_by=worker,
            attempts=Delivery.attempts + 1,
            reclaims=Delivery.reclaims
            + sa.case((Delivery.status == DeliveryStatus.SENDING, 1), else_=0),
        )
        .returning(
            Delivery.id,
            Delivery.kind,
            Delivery.ref,
            Delivery.broadcast_id,
            Delivery.respondent_id,
            Delivery.attempts,
            Delivery.created_at,
        )
        .execution_options(synchronize_session=False)
    )
    rows = (await session.execute(claim)).all()
    people = await _people(session, [row.respondent_id for row in rows])
    claims = []
    for row in sorted(rows, key=lambda r: r.id):
        person = people.get(row.respondent_id)
        claims.append(
            Claim(
                id=row.id,
                kind=row.kind,
                ref=row.ref,
                broadcast_id=row.broadcast_id,
                respondent_id=row.respondent_id,
                attempts=row.attempts,
                created_at=row.created_at,
                chat_id=person.chat_id if person else None,
                language=person.language if person else None,
                unreachable=bool(person.unreachable) if person else False,
                opted_out=bool(person.broadcasts_opt_out) if person else False,
                exists=person is not None,
            )
        )
    return claims


async def _people(session: AsyncSession, ids: list[int]) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for chunk in chunks(sorted(set(ids))):
        query = sa.select(
            Respondent.id,
            Respondent.chat_id,
            Respondent.language,
            Respondent.unreachable,
            Respondent.broadcasts_opt_out,
        ).where(Respondent.id.in_(chunk))
        for row in await session.execute(query):
            found[row.id] = row
    return found


async def release_claims(session: AsyncSession, worker: str | None, ids: Sequence[int] = ()) -> int:
    """Give claimed rows back unsent (a clean stop, or rows left by a dead single process).

    `worker=None` releases every claim: only for SQLite, where one process is the only sender.
    """
    query = sa.update(Delivery).where(Delivery.status == DeliveryStatus.SENDING)
    if worker is not None:
        query = query.where(Delivery.claimed_by == worker)
    if ids:
        query = query.where(Delivery.id.in_(list(ids)))
    values: dict[str, Any] = {
        "status": DeliveryStatus.PENDING,
        "claimed_at": None,
        "claimed_by": None,
    }
    if worker is not None:
        # Our own rows were never sent: their claim was no attempt.
        values["attempts"] = Delivery.attempts - 1
    else:
        values["reclaims"] = Delivery.reclaims + 1
    result = await session.execute(
        query.values(**values).execution_options(synchronize_session=False)
    )
    return result.rowcount


async def settle(
    session: AsyncSession,
    delivery_id: int,
    worker: str,
    status: DeliveryStatus,
    now: datetime,
    *,
    error: str | None = None,
    retry_at: datetime | None = None,
    count_attempt: bool = True,
) -> bool:
    """Record the outcome of a claim (`status` pending means: try again at `retry_at`)."""
    status = DeliveryStatus(status)
    values: dict[str, Any] = {"status": status, "claimed_at": None, "claimed_by": None}
    if status == DeliveryStatus.SENT:
        values["sent_at"] = now
    if error is not None:
        values["last_error"] = error[:200]
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    if not count_attempt:
        values["attempts"] = Delivery.attempts - 1
    result = await session.execute(
        sa.update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.status == DeliveryStatus.SENDING,
            Delivery.claimed_by == worker,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


async def mark_unreachable(session: AsyncSession, respondent_id: int) -> None:
    """The person blocked the bot: nothing more is sent until they write again."""
    await session.execute(
        sa.update(Respondent)
        .where(Respondent.id == respondent_id)
        .values(unreachable=True)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        sa.update(Delivery)
        .where(Delivery.respondent_id == respondent_id, Delivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.BLOCKED)
        .execution_options(synchronize_session=False)
    )


async def erase_outbox(session: AsyncSession, respondent_id: int) -> None:
    """Every delivery to this person goes (part of erasing the person, /delete)."""
    await session.execute(
        sa.delete(Delivery)
        .where(Delivery.respondent_id == respondent_id)
        .execution_options(synchronize_session=False)
    )


def chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]
