"""Who the outbox may reach: broadcast members with what segments select on, and people whose
questionnaire is paused (for reminders)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from storage.deliveries import Delivery, chunks
from storage.models import Answer, Interview, Respondent
from storage.types import DeliveryStatus, InterviewStatus


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
    for chunk in chunks(sorted(set(interview_ids))):
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
            Interview.status == InterviewStatus.in_progress,
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
        counted = [at for status, at in mine if status != DeliveryStatus.CANCELLED]
        result.append(
            Paused(rid, iid, last, len(counted), max(counted, default=None), len(mine) + 1)
        )
    return result


async def _reminders_of(
    session: AsyncSession, respondent_ids: list[int]
) -> dict[int, list[tuple[str, datetime]]]:
    """Reminder deliveries per interview: (status, when sent or else enqueued)."""
    found: dict[int, list[tuple[str, datetime]]] = {}
    for chunk in chunks(sorted(set(respondent_ids))):
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
