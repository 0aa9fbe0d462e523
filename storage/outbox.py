"""The outbox: broadcasts, one delivery row per message to send, and the scheduler's tick marks.

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
from storage.models import Answer, Interview, Respondent
from storage.types import when as _when

BROADCAST_STATUSES = ("scheduled", "sending", "done", "cancelled", "missed")
DELIVERY_STATUSES = ("pending", "sending", "sent", "failed", "blocked", "cancelled")
OPEN = ("pending", "sending")
_CHUNK = 500  # ids per IN (…) list


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
    status: str = Field(default="scheduled", max_length=12, index=True)
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
    status: str = Field(default="pending", max_length=12)
    attempts: int = 0
    reclaims: int = 0  # claims of a row whose sender died with it in hand (possibly sent)
    next_attempt_at: datetime = _when(nullable=False)
    claimed_at: datetime | None = _when()
    claimed_by: str | None = Field(default=None, max_length=64)
    sent_at: datetime | None = _when()
    last_error: str | None = Field(default=None, max_length=200)
    created_at: datetime = _when(nullable=False)


class SchedulerTick(SQLModel, table=True):
    """The last tick each periodic job ran for, so that several replicas run it once a tick."""

    __tablename__ = "scheduler_tick"

    job: str = Field(primary_key=True, max_length=64)
    tick: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))


# --- Broadcasts ---------------------------------------------------------------------------------


async def add_broadcast(session: AsyncSession, broadcast: Broadcast) -> Broadcast:
    session.add(broadcast)
    await session.flush()
    return broadcast


async def get_broadcast(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id)


async def list_broadcasts(session: AsyncSession, limit: int = 20) -> list[Broadcast]:
    query = sa.select(Broadcast).order_by(Broadcast.id.desc()).limit(limit)
    return list((await session.execute(query)).scalars())


async def due_broadcasts(session: AsyncSession, now: datetime) -> list[int]:
    query = (
        sa.select(Broadcast.id)
        .where(Broadcast.status == "scheduled", Broadcast.scheduled_at <= now)
        .order_by(Broadcast.scheduled_at)
    )
    return list((await session.execute(query)).scalars())


async def set_broadcast_status(
    session: AsyncSession, broadcast_id: int, before: Sequence[str], after: str, now: datetime
) -> bool:
    """Move a broadcast from one of `before` to `after`; False if someone else moved it first."""
    values: dict[str, Any] = {"status": after}
    if after == "sending":
        values["started_at"] = now
    elif after in ("done", "cancelled", "missed"):
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
    for chunk in _chunks(ids):
        rows = [
            {
                "broadcast_id": broadcast_id,
                "respondent_id": rid,
                "kind": "broadcast",
                "ref": f"b{broadcast_id}",
                "status": "pending",
                "attempts": 0,
                "reclaims": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for rid in chunk
        ]
        await session.execute(_insert_ignoring_duplicates(session, rows))
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


async def enqueue_message(
    session: AsyncSession, respondent_id: int, kind: str, ref: str, due: datetime, now: datetime
) -> bool:
    """One pending delivery of `kind` about `ref`; False if it exists already."""
    row = {
        "broadcast_id": None,
        "respondent_id": respondent_id,
        "kind": kind,
        "ref": ref,
        "status": "pending",
        "attempts": 0,
        "reclaims": 0,
        "next_attempt_at": due,
        "created_at": now,
    }
    result = await session.execute(_insert_ignoring_duplicates(session, [row]))
    return result.rowcount == 1


def _insert_ignoring_duplicates(session: AsyncSession, rows: list[dict[str, Any]]) -> Any:
    return insert(session, Delivery).values(rows).on_conflict_do_nothing()


async def cancel_broadcast(session: AsyncSession, broadcast_id: int, now: datetime) -> bool:
    """Stop a scheduled or running broadcast; what is already sent stays sent."""
    if not await set_broadcast_status(
        session, broadcast_id, ("scheduled", "sending"), "cancelled", now
    ):
        return False
    await session.execute(
        sa.update(Delivery)
        .where(Delivery.broadcast_id == broadcast_id, Delivery.status == "pending")
        .values(status="cancelled")
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
    query = sa.select(Broadcast.id).where(Broadcast.status == "sending", ~still_open)
    done = []
    for broadcast_id in (await session.execute(query)).scalars():
        if await set_broadcast_status(session, broadcast_id, ("sending",), "done", now):
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


# --- The sender's claims ------------------------------------------------------------------------


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
        sa.and_(Delivery.status == "pending", Delivery.next_attempt_at <= now),
        sa.and_(Delivery.status == "sending", Delivery.claimed_at <= now - lease),
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
            status="sending",
            claimed_at=now,
            claimed_by=worker,
            attempts=Delivery.attempts + 1,
            reclaims=Delivery.reclaims + sa.case((Delivery.status == "sending", 1), else_=0),
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
    for chunk in _chunks(sorted(set(ids))):
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
    query = sa.update(Delivery).where(Delivery.status == "sending")
    if worker is not None:
        query = query.where(Delivery.claimed_by == worker)
    if ids:
        query = query.where(Delivery.id.in_(list(ids)))
    values: dict[str, Any] = {"status": "pending", "claimed_at": None, "claimed_by": None}
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
    status: str,
    now: datetime,
    *,
    error: str | None = None,
    retry_at: datetime | None = None,
    count_attempt: bool = True,
) -> bool:
    """Record the outcome of a claim (`status` pending means: try again at `retry_at`)."""
    assert status in DELIVERY_STATUSES
    values: dict[str, Any] = {"status": status, "claimed_at": None, "claimed_by": None}
    if status == "sent":
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
            Delivery.status == "sending",
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
        .where(Delivery.respondent_id == respondent_id, Delivery.status == "pending")
        .values(status="blocked")
        .execution_options(synchronize_session=False)
    )


async def erase_outbox(session: AsyncSession, respondent_id: int) -> None:
    """Every delivery to this person goes (part of erasing the person, /delete)."""
    await session.execute(
        sa.delete(Delivery)
        .where(Delivery.respondent_id == respondent_id)
        .execution_options(synchronize_session=False)
    )


# --- Segments and reminders ---------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """A person who can get broadcasts, with what segments select on."""

    respondent_id: int
    language: str
    interview_id: int | None
    interview_status: str | None
    answered: int
    district: str | None


async def broadcast_members(session: AsyncSession, district_question: str | None) -> list[Member]:
    """Everyone who can be reached with a broadcast: has a chat, did not block, did not /stop."""
    latest = (
        sa.select(Interview.respondent_id, sa.func.max(Interview.id).label("interview_id"))
        .group_by(Interview.respondent_id)
        .subquery()
    )
    answered = (
        sa.select(Answer.interview_id, sa.func.count().label("n"))
        .group_by(Answer.interview_id)
        .subquery()
    )
    district = (
        sa.select(Answer.interview_id, Answer.code)
        .where(Answer.question_id == (district_question or ""), Answer.skipped.is_(False))
        .subquery()
    )
    query = (
        sa.select(
            Respondent.id,
            Respondent.language,
            latest.c.interview_id,
            Interview.status,
            sa.func.coalesce(answered.c.n, 0),
            district.c.code,
        )
        .outerjoin(latest, latest.c.respondent_id == Respondent.id)
        .outerjoin(Interview, Interview.id == latest.c.interview_id)
        .outerjoin(answered, answered.c.interview_id == latest.c.interview_id)
        .outerjoin(district, district.c.interview_id == latest.c.interview_id)
        .where(
            Respondent.chat_id.is_not(None),
            Respondent.unreachable.is_(False),
            Respondent.broadcasts_opt_out.is_(False),
        )
        .order_by(Respondent.id)
    )
    return [
        Member(rid, language or "de", iid, status, int(n), code)
        for rid, language, iid, status, n, code in await session.execute(query)
    ]


async def answers_of(
    session: AsyncSession, interview_ids: Iterable[int]
) -> dict[int, dict[str, tuple[str | None, bool]]]:
    """Stored answers as {interview: {question: (code, skipped)}}."""
    found: dict[int, dict[str, tuple[str | None, bool]]] = {}
    for chunk in _chunks(sorted(set(interview_ids))):
        query = sa.select(
            Answer.interview_id, Answer.question_id, Answer.code, Answer.skipped
        ).where(Answer.interview_id.in_(chunk))
        for iid, qid, code, skipped in await session.execute(query):
            found.setdefault(iid, {})[qid] = (code, bool(skipped))
    return found


@dataclass(frozen=True)
class Paused:
    """An unfinished interview, when its person was last active, and its reminders so far."""

    respondent_id: int
    interview_id: int
    last_active: datetime
    reminders: int  # enqueued or sent; a reminder cancelled before it went out does not count
    last_reminder: datetime | None
    next_number: int  # for the next reminder's ref "<interview>:<number>"


async def paused_interviews(session: AsyncSession, idle_since: datetime) -> list[Paused]:
    """Unfinished interviews of reachable, not silenced people, idle since `idle_since`."""
    query = (
        sa.select(
            Interview.respondent_id,
            Interview.id,
            Interview.started_at,
            Interview.updated_at,
            Respondent.last_active_at,
        )
        .join(Respondent, Respondent.id == Interview.respondent_id)
        .where(
            Interview.status == "in_progress",
            Interview.started_at <= idle_since,
            Interview.updated_at <= idle_since,
            Respondent.last_active_at <= idle_since,
            Respondent.chat_id.is_not(None),
            Respondent.unreachable.is_(False),
            Respondent.broadcasts_opt_out.is_(False),
        )
    )
    candidates = [
        (rid, iid, max(started, updated, active))
        for rid, iid, started, updated, active in await session.execute(query)
    ]
    sent = await _reminders_of(session, [rid for rid, _, _ in candidates])
    result = []
    for rid, iid, last in candidates:
        mine = sent.get(iid, [])
        counted = [at for status, at in mine if status != "cancelled"]
        result.append(
            Paused(rid, iid, last, len(counted), max(counted, default=None), len(mine) + 1)
        )
    return result


async def _reminders_of(
    session: AsyncSession, respondent_ids: list[int]
) -> dict[int, list[tuple[str, datetime]]]:
    """Reminder deliveries per interview: (status, when sent or else enqueued)."""
    found: dict[int, list[tuple[str, datetime]]] = {}
    for chunk in _chunks(sorted(set(respondent_ids))):
        query = sa.select(
            Delivery.ref, Delivery.status, Delivery.created_at, Delivery.sent_at
        ).where(Delivery.kind == "reminder", Delivery.respondent_id.in_(chunk))
        for ref, status, created, sent in await session.execute(query):
            found.setdefault(int(ref.split(":", 1)[0]), []).append((status, sent or created))
    return found


async def interview_state(session: AsyncSession, interview_id: int) -> tuple[str, datetime] | None:
    """An interview's status and the last time its person did anything in it."""
    query = (
        sa.select(
            Interview.status, Interview.started_at, Interview.updated_at, Respondent.last_active_at
        )
        .join(Respondent, Respondent.id == Interview.respondent_id)
        .where(Interview.id == interview_id)
    )
    row = (await session.execute(query)).first()
    if row is None:
        return None
    status, *times = row
    return status, max(t for t in times if t is not None)


# --- Periodic jobs ------------------------------------------------------------------------------


async def claim_tick(session: AsyncSession, job: str, tick: int) -> bool:
    """True for the first caller of this job's tick; every other replica skips it."""
    result = await session.execute(
        sa.update(SchedulerTick)
        .where(SchedulerTick.job == job, SchedulerTick.tick < tick)
        .values(tick=tick)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        return True
    result = await session.execute(
        insert(session, SchedulerTick).values(job=job, tick=tick).on_conflict_do_nothing()
    )
    return result.rowcount == 1


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


# APScheduler's job store (bot/scheduler.py), declared here so that the migrations create it
# and the schema comparison knows it; APScheduler reads and writes it through its own Table.
SCHEDULER_JOBS = sa.Table(
    "apscheduler_jobs",
    SQLModel.metadata,
    sa.Column("id", sa.Unicode(191), primary_key=True),
    sa.Column("next_run_time", sa.Float(25), index=True),
    sa.Column("job_state", sa.LargeBinary, nullable=False),
)
