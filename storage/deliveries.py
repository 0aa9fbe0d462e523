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
from storage.types import DeliveryStatus, Lane
from storage.types import when as _when

OPEN = (DeliveryStatus.PENDING, DeliveryStatus.SENDING)
_CHUNK = 500  # ids per IN (…) list


class Delivery(SQLModel, table=True):
    """One message to send: the outbox row the sender claims, sends and settles.

    To a person (`respondent_id`, their own chat), or about one to another chat (`chat_id`: a
    team's group, a caseworker, a coordinator), or to a chat alone (a notice of an erased case).
    `message_id` is the message to edit or to answer, `body` what was written (a relayed text,
    JSON), cleared once settled; `version` grows each time the row is armed again (a notice or a
    progress message to draw anew), so that a send composed from an older state does not count.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        sa.UniqueConstraint("broadcast_id", "respondent_id", name="uq_delivery_broadcast_person"),
        sa.UniqueConstraint("respondent_id", "kind", "ref", name="uq_delivery_person_kind_ref"),
        sa.Index(
            "uq_delivery_kind_ref_no_person",
            "kind",
            "ref",
            unique=True,
            sqlite_where=sa.text("respondent_id IS NULL"),
            postgresql_where=sa.text("respondent_id IS NULL"),
        ),
        sa.Index("ix_delivery_due", "status", "lane", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("broadcast.id", ondelete="CASCADE")),
    )
    respondent_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("respondent.id", ondelete="CASCADE"), index=True
        ),
    )
    kind: str = Field(max_length=16)  # broadcast | reminder | notice | relay | …
    ref: str = Field(max_length=40)  # what the message is about, unique per person and kind
    lane: int = Field(
        default=Lane.BULK,
        sa_column=sa.Column(sa.SmallInteger, nullable=False, default=Lane.BULK, server_default="1"),
    )
    chat_id: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    message_id: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    case_id: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    body: str | None = Field(default=None, sa_column=sa.Column(sa.Text))
    version: int = Field(
        default=0, sa_column=sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    )
    status: str = Field(default=DeliveryStatus.PENDING, max_length=12)
    attempts: int = 0
    reclaims: int = 0  # claims of a row whose sender died with it in hand (possibly sent)
    next_attempt_at: datetime = _when(nullable=False)
    claimed_at: datetime | None = _when()
    claimed_by: str | None = Field(default=None, max_length=64)
    sent_at: datetime | None = _when()
    last_error: str | None = Field(default=None, max_length=200)
    created_at: datetime = _when(nullable=False)


async def enqueue(
    session: AsyncSession,
    kind: str,
    ref: str,
    now: datetime,
    *,
    respondent_id: int | None = None,
    chat_id: int | None = None,
    message_id: int | None = None,
    case_id: int | None = None,
    body: str | None = None,
    lane: Lane = Lane.INTERACTIVE,
    due: datetime | None = None,
    again: bool = False,
) -> bool:
    """One pending delivery of `kind` about `ref`; False if it exists already.

    `again`: a delivery that exists is armed anew (due at once, with this chat, message and
    body), even while a sender has it in hand: its next version is sent after that one.
    """
    row = {
        "broadcast_id": None,
        "respondent_id": respondent_id,
        "kind": kind,
        "ref": ref,
        "lane": int(lane),
        "chat_id": chat_id,
        "message_id": message_id,
        "case_id": case_id,
        "body": body,
        "version": 0,
        "status": DeliveryStatus.PENDING,
        "attempts": 0,
        "reclaims": 0,
        "next_attempt_at": due or now,
        "created_at": now,
    }
    statement = insert(session, Delivery).values(row)
    if not again:
        return (await session.execute(statement.on_conflict_do_nothing())).rowcount == 1
    sending = Delivery.status == DeliveryStatus.SENDING
    if respondent_id is None:
        no_person = Delivery.respondent_id.is_(None)
        target = {"index_elements": ["kind", "ref"], "index_where": no_person}
    else:
        target = {"index_elements": ["respondent_id", "kind", "ref"]}
    await session.execute(
        statement.on_conflict_do_update(
            **target,
            set_={
                "version": Delivery.version + 1,
                "status": sa.case((sending, DeliveryStatus.SENDING), else_=DeliveryStatus.PENDING),
                "attempts": sa.case((sending, Delivery.attempts), else_=0),
                "next_attempt_at": statement.excluded.next_attempt_at,
                "chat_id": statement.excluded.chat_id,
                "message_id": statement.excluded.message_id,
                "body": statement.excluded.body,
                "last_error": None,
            },
        )
    )
    return True


async def hold(session: AsyncSession, kind: str, ref: str, respondent_id: int) -> None:
    """Lock a delivery row (if there is one) for the rest of the transaction, before the rows it
    is about: the sender settles a delivery and then updates what it is about, so a transaction
    that updates both must take them in the same order (PostgreSQL; SQLite has one writer)."""
    mine = Delivery.respondent_id == respondent_id, Delivery.kind == kind, Delivery.ref == ref
    await session.execute(sa.select(Delivery.id).where(*mine).with_for_update())


async def enqueue_message(
    session: AsyncSession, respondent_id: int, kind: str, ref: str, due: datetime, now: datetime
) -> bool:
    """One pending bulk message of `kind` about `ref` to a person; False if it exists already."""
    return await enqueue(
        session, kind, ref, now, respondent_id=respondent_id, lane=Lane.BULK, due=due
    )


def insert_ignoring_duplicates(session: AsyncSession, rows: list[dict[str, Any]]) -> Any:
    return insert(session, Delivery).values(rows).on_conflict_do_nothing()


@dataclass(frozen=True)
class Claim:
    """A delivery the sender holds, with what it needs to know about the person."""

    id: int
    kind: str
    ref: str
    broadcast_id: int | None
    respondent_id: int | None
    attempts: int
    created_at: datetime
    chat_id: int | None = None  # where it goes: the row's chat, else the person's
    language: str | None = None
    unreachable: bool = False
    opted_out: bool = False
    exists: bool = True
    to_person: bool = True  # to the person's own chat (not to staff about them)
    lane: Lane = Lane.BULK
    message_id: int | None = None
    case_id: int | None = None
    body: str | None = None
    version: int = 0


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
        .order_by(Delivery.lane, Delivery.next_attempt_at, Delivery.id)
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
            Delivery.lane,
            Delivery.chat_id,
            Delivery.message_id,
            Delivery.case_id,
            Delivery.body,
            Delivery.version,
        )
        .execution_options(synchronize_session=False)
    )
    rows = (await session.execute(claim)).all()
    people = await _people(session, [r.respondent_id for r in rows if r.respondent_id is not None])
    claims = []
    for row in sorted(rows, key=lambda r: (r.lane, r.id)):
        person = people.get(row.respondent_id) if row.respondent_id is not None else None
        claims.append(
            Claim(
                id=row.id,
                kind=row.kind,
                ref=row.ref,
                broadcast_id=row.broadcast_id,
                respondent_id=row.respondent_id,
                attempts=row.attempts,
                created_at=row.created_at,
                chat_id=row.chat_id
                if row.chat_id is not None
                else getattr(person, "chat_id", None),
                language=person.language if person else None,
                unreachable=bool(person.unreachable) if person else False,
                opted_out=bool(person.broadcasts_opt_out) if person else False,
                exists=person is not None or row.respondent_id is None,
                to_person=row.chat_id is None,
                lane=Lane(row.lane),
                message_id=row.message_id,
                case_id=row.case_id,
                body=row.body,
                version=row.version,
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


async def settle(session: AsyncSession, delivery_id: int, *args: Any, **outcome: Any) -> bool:
    """Record the outcome of a claim: `settle_many` for one; True if it was `worker`'s."""
    return await settle_many(session, [delivery_id], *args, **outcome) == 1


async def settle_many(
    session: AsyncSession,
    ids: Sequence[int],
    worker: str,
    status: DeliveryStatus,
    now: datetime,
    *,
    error: str | None = None,
    retry_at: datetime | None = None,
    count_attempt: bool = True,
    version: int = 0,
) -> int:
    """Record one outcome of claims of `worker` (pending: due again at `retry_at`); how many
    were the worker's. A row armed again while in hand (a newer `version`) is due again at once
    instead of ending; its body goes once it ends (it may hold what a person wrote)."""
    status = DeliveryStatus(status)
    values: dict[str, Any] = {"status": status, "claimed_at": None, "claimed_by": None}
    if not status.open:
        armed_again = Delivery.version != version
        values["status"] = sa.case((armed_again, DeliveryStatus.PENDING), else_=status)
        values["next_attempt_at"] = sa.case((armed_again, now), else_=Delivery.next_attempt_at)
        values["body"] = sa.case((armed_again, Delivery.body), else_=None)
    if status == DeliveryStatus.SENT:
        values["sent_at"] = now
    if error is not None:
        values["last_error"] = error[:200]
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    if not count_attempt:
        values["attempts"] = Delivery.attempts - 1
    mine = Delivery.status == DeliveryStatus.SENDING, Delivery.claimed_by == worker
    settled = 0
    for chunk in chunks(sorted(ids)):
        update = sa.update(Delivery).where(Delivery.id.in_(list(chunk)), *mine).values(**values)
        result = await session.execute(update.execution_options(synchronize_session=False))
        settled += result.rowcount
    return settled


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
        .where(
            Delivery.respondent_id == respondent_id,
            Delivery.chat_id.is_(None),
            Delivery.status == DeliveryStatus.PENDING,
        )
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
