"""Casework tables: cases with their flags, staff, one-time invitations and the audit log.

A case belongs to one person and holds no answers of its own: notices and details are rendered
from the person's stored answers, so /delete and retention reach everything in one place.
At most one case per person is open (a partial unique index on every database).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from storage import deliveries
from storage.codes import take_code
from storage.db import insert
from storage.types import CaseStatus, NoticeState, belongs_to, when

CASE_STATUSES = tuple(CaseStatus)
ROLES = ("caseworker", "coordinator")
IN_THE_GROUP = (NoticeState.SHOWN, NoticeState.OUTDATED)
_OPEN = sa.text("status != 'closed'")
MAX_ID = 2**31 - 1  # the largest value of an INTEGER column on PostgreSQL
REDACTION = "redaction"  # the outbox kind that overwrites an erased case's notice


class Case(SQLModel, table=True):
    """A person's need for a caseworker, from the first raised flag until it is closed."""

    __tablename__ = "case_file"
    __table_args__ = (
        sa.Index(
            "uq_case_open_per_person",
            "respondent_id",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
        ),
        sa.Index("ix_case_status_remind", "status", "remind_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    respondent_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("respondent.id", ondelete="CASCADE"), nullable=False
        )
    )
    interview_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("interview.id", ondelete="SET NULL")),
    )
    language: str = Field(max_length=8)
    district: str | None = Field(default=None, max_length=32)
    priority: str = Field(max_length=8)  # normal | high | urgent
    team: str = Field(max_length=32)
    status: str = Field(default=CaseStatus.new, max_length=8)  # a CaseStatus
    outcome: str | None = Field(default=None, max_length=16)
    assignee_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("staff.id", ondelete="SET NULL")),
    )
    contact_open: bool = True  # False once the person ended the contact
    created_at: datetime = when(nullable=False)
    updated_at: datetime = when(nullable=False)
    claimed_at: datetime | None = when()
    closed_at: datetime | None = when()
    # The notice in the team's group (sent by the outbox): once, then edited as the case moves on.
    notice_state: str = Field(default=NoticeState.NEW, max_length=8)  # a NoticeState
    notice_chat_id: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    notice_message_id: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger))
    # When an unclaimed case is raised again in the group, and how often it was.
    remind_at: datetime | None = when()
    reminders: int = 0


def of_case() -> Any:
    """The case a row belongs to (it goes with the case)."""
    return belongs_to("case_file")


class CaseFlag(SQLModel, table=True):
    """A flag raised for the case: which rule, its field of action, priority and reason."""

    __tablename__ = "case_flag"
    __table_args__ = (sa.UniqueConstraint("case_id", "rule_id"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = of_case()
    rule_id: str = Field(max_length=64)
    question_id: str = Field(max_length=64)
    field: str = Field(max_length=16)
    priority: str = Field(max_length=8)
    reason: str = Field(max_length=200)
    raised_at: datetime = when(nullable=False)


class Staff(SQLModel, table=True):
    """A caseworker of a team, or a coordinator, known by their Telegram user id."""

    __tablename__ = "staff"

    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False, unique=True))
    name: str = Field(max_length=64)
    role: str = Field(max_length=16)  # caseworker | coordinator
    team: str | None = Field(default=None, max_length=32)
    active: bool = True
    created_at: datetime = when(nullable=False)
    revoked_at: datetime | None = when()


class Invitation(SQLModel, table=True):
    """A one-time code to become staff; only its SHA-256 is stored."""

    __tablename__ = "invitation"

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    role: str = Field(max_length=16)
    team: str | None = Field(default=None, max_length=32)
    created_at: datetime = when(nullable=False)
    expires_at: datetime = when(nullable=False)
    used_at: datetime | None = when()
    used_by: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))


class AuditEntry(SQLModel, table=True):
    """Who did what, to which case, when. Never a name, an answer or a message text."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = when(nullable=False, index=True)
    actor: str = Field(max_length=64)  # "staff:<id>", "telegram:<user id>", "cli", "system"
    action: str = Field(max_length=32)
    case_id: int | None = Field(default=None, sa_column=sa.Column(sa.Integer, index=True))
    detail: str = Field(default="", max_length=200)


# --- Cases --------------------------------------------------------------------------------------


async def open_case_of(session: AsyncSession, respondent_id: int) -> Case | None:
    query = sa.select(Case).where(
        Case.respondent_id == respondent_id, Case.status != CaseStatus.closed
    )
    return (await session.execute(query)).scalar_one_or_none()


async def open_case(session: AsyncSession, **values: object) -> Case:
    """Open a case for the person; if another transaction opened one first (another replica,
    a moment ago), that one: a person never has two open cases."""
    inserted = await session.execute(
        insert(session, Case)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["respondent_id"], index_where=_OPEN)
        .returning(Case.id)
    )
    case_id = inserted.scalar_one_or_none()
    case = await session.get(Case, case_id) if case_id is not None else None
    return case or await open_case_of(session, values["respondent_id"])


async def flags_of(session: AsyncSession, case_id: int) -> list[CaseFlag]:
    query = sa.select(CaseFlag).where(CaseFlag.case_id == case_id).order_by(CaseFlag.id)
    return list((await session.execute(query)).scalars())


async def cases_of(session: AsyncSession, assignee_id: int) -> list[Case]:
    query = (
        sa.select(Case)
        .where(Case.assignee_id == assignee_id, Case.status == CaseStatus.claimed)
        .order_by(Case.id)
    )
    return list((await session.execute(query)).scalars())


async def case_facts(session: AsyncSession) -> list[tuple[str, str, datetime, datetime | None]]:
    """Priority, status, opening and claim time of every case (for the figures)."""
    query = sa.select(Case.priority, Case.status, Case.created_at, Case.claimed_at)
    return [tuple(row) for row in await session.execute(query)]


async def get_case(session: AsyncSession, case_id: int) -> Case | None:
    """The case with this id; None also for a number no case id can be (typed or forged), which
    the database would refuse (SQLite above 2**63, PostgreSQL's integer above 2**31)."""
    if not 0 < case_id <= MAX_ID:
        return None
    return await session.get(Case, case_id)


async def claim_reminders(session: AsyncSession, now: datetime, limit: int = 50) -> list[Case]:
    """Unclaimed cases whose reminder time has come (the caller moves `remind_at` on)."""
    query = (
        sa.select(Case)
        .where(
            Case.status == CaseStatus.new,
            Case.remind_at <= now,
            Case.notice_state.in_(IN_THE_GROUP),
            Case.notice_message_id.is_not(None),
        )
        .order_by(Case.remind_at, Case.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(query)).scalars())


async def erase_casework(
    session: AsyncSession, respondent_id: int, now: datetime | None = None
) -> int:
    """Delete the person's cases (flags go with them); their group notices are to be redacted."""
    return await _erase_cases(session, Case.respondent_id == respondent_id, now)


async def erase_cases_closed_before(
    session: AsyncSession, cutoff: datetime, now: datetime | None = None
) -> int:
    """Delete closed cases older than `cutoff` (retention); returns how many."""
    closed = sa.and_(Case.status == CaseStatus.closed, Case.closed_at < cutoff)
    return await _erase_cases(session, closed, now)


async def _erase_cases(
    session: AsyncSession, which: sa.ColumnElement[bool], now: datetime | None
) -> int:
    rows = (
        await session.execute(
            sa.delete(Case)
            .where(which)
            .returning(Case.id, Case.notice_chat_id, Case.notice_message_id)
            .execution_options(synchronize_session=False)
        )
    ).all()
    for case_id, chat, message in rows:
        if chat is not None and message is not None:
            # The group keeps the notice: the outbox overwrites it (no person any more).
            await deliveries.enqueue(
                session,
                REDACTION,
                str(case_id),
                now or datetime.now(UTC),
                chat_id=chat,
                message_id=message,
                case_id=case_id,
            )
    return len(rows)


# --- Staff and invitations ----------------------------------------------------------------------


async def staff_by_user(session: AsyncSession, telegram_user_id: int) -> Staff | None:
    query = sa.select(Staff).where(Staff.telegram_user_id == telegram_user_id)
    return (await session.execute(query)).scalar_one_or_none()


async def active_staff(session: AsyncSession, telegram_user_id: int) -> Staff | None:
    staff = await staff_by_user(session, telegram_user_id)
    return staff if staff is not None and staff.active else None


async def list_staff(session: AsyncSession) -> list[Staff]:
    return list((await session.execute(sa.select(Staff).order_by(Staff.id))).scalars())


async def take_invitation(
    session: AsyncSession, code_hash: str, now: datetime
) -> Invitation | None:
    """The unused, unexpired invitation with this hash, marked used; None if there is none."""
    return await take_code(session, Invitation, code_hash, now)


# --- Audit --------------------------------------------------------------------------------------


async def audit(
    session: AsyncSession,
    now: datetime,
    actor: str,
    action: str,
    case_id: int | None = None,
    detail: str = "",
) -> None:
    session.add(
        AuditEntry(at=now, actor=actor, action=action, case_id=case_id, detail=detail[:200])
    )


async def audit_entries(
    session: AsyncSession, case_id: int | None = None, limit: int = 200
) -> Sequence[AuditEntry]:
    query = sa.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if case_id is not None:
        query = query.where(AuditEntry.case_id == case_id)
    return list(reversed(list((await session.execute(query)).scalars())))
