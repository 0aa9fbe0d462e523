"""Queries about interviews and their answers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import added, insert
from storage.models import Answer, Interview, Respondent
from storage.types import InterviewStatus

# The current interview is the latest one that was not abandoned.
NOT_ABANDONED = Interview.status != InterviewStatus.abandoned


@dataclass(frozen=True)
class StoredAnswer:
    code: str | None
    skipped: bool


async def current_interview(session: AsyncSession, respondent_id: int) -> Interview | None:
    """The person's latest interview that was not abandoned."""
    result = await session.execute(
        select(Interview)
        .where(Interview.respondent_id == respondent_id, NOT_ABANDONED)
        .order_by(Interview.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


def _person_lock(channel: str, user_id: str) -> Any:
    """The person's row, locked FOR NO KEY UPDATE until the transaction ends (PostgreSQL; see
    `respondent_with_interview`)."""
    mine = Respondent.channel == channel, Respondent.channel_user_id == user_id
    return select(Respondent.id).where(*mine).with_for_update(key_share=True)


async def respondent_with_interview(
    session: AsyncSession, channel: str, user_id: str
) -> tuple[Respondent, Interview | None] | None:
    """The person and their current interview (as `current_interview`), in one query.

    On PostgreSQL the person's row is locked first, until the transaction ends: two events of one
    person (two browser tabs, two webhook replicas) then take turns, and the second reads the
    interview as the first left it (a new statement sees what was committed meanwhile). The lock
    is FOR NO KEY UPDATE: rows that only refer to the person (a delivery, an audit entry) are
    still written beside it, which FOR UPDATE would make wait, and could deadlock. SQLite has one
    writer at a time anyway.
    """
    if session.bind.dialect.name == "postgresql":
        await session.execute(_person_lock(channel, user_id))
    result = await session.execute(
        select(Respondent, Interview)
        .outerjoin(
            Interview,
            and_(Interview.respondent_id == Respondent.id, NOT_ABANDONED),
        )
        .where(Respondent.channel == channel, Respondent.channel_user_id == user_id)
        .order_by(Interview.id.desc())
        .limit(1)
    )
    row = result.one_or_none()
    return None if row is None else (row[0], row[1])


async def start_interview(
    session: AsyncSession, respondent_id: int, flow_id: str, flow_version: int, now: datetime
) -> Interview:
    interview = Interview(respondent_id=respondent_id, flow_id=flow_id, flow_version=flow_version)
    interview.started_at = interview.updated_at = now
    return await added(session, interview)


async def load_answers(session: AsyncSession, interview_id: int) -> dict[str, StoredAnswer]:
    result = await session.execute(
        select(Answer.question_id, Answer.code, Answer.skipped).where(
            Answer.interview_id == interview_id
        )
    )
    return {qid: StoredAnswer(code, skipped) for qid, code, skipped in result.all()}


def _save(
    session: AsyncSession | Connection,
    interview_id: int,
    question_id: str,
    code: str | None,
    skipped: bool,
    now: datetime,
) -> Any:
    statement = insert(session, Answer).values(
        interview_id=interview_id,
        question_id=question_id,
        code=code,
        skipped=skipped,
        answered_at=now,
    )
    return statement.on_conflict_do_update(
        index_elements=["interview_id", "question_id"],
        set_={
            "code": statement.excluded.code,
            "skipped": statement.excluded.skipped,
            "answered_at": statement.excluded.answered_at,
        },
    )


def _delete(interview_id: int, question_ids: list[str]) -> Any:
    return delete(Answer).where(
        Answer.interview_id == interview_id, Answer.question_id.in_(question_ids)
    )


async def save_answer(
    session: AsyncSession,
    interview_id: int,
    question_id: str,
    code: str | None,
    skipped: bool,
    now: datetime,
) -> None:
    """Store an answer, replacing an earlier answer to the same question (one statement)."""
    await session.execute(_save(session, interview_id, question_id, code, skipped, now))


async def delete_answers(
    session: AsyncSession, interview_id: int, question_ids: Iterable[str]
) -> None:
    ids = list(question_ids)
    if ids:
        await session.execute(_delete(interview_id, ids))


async def delete_all_answers(session: AsyncSession, interview_id: int) -> None:
    await session.execute(delete(Answer).where(Answer.interview_id == interview_id))


async def every_interview(session: AsyncSession) -> list[tuple]:
    """Every interview with its person's language and consent, oldest first:
    (id, respondent id, language, consented, status, started, finished)."""
    query = (
        select(
            Interview.id,
            Interview.respondent_id,
            Respondent.language,
            Respondent.consent_at.is_not(None),
            Interview.status,
            Interview.started_at,
            Interview.finished_at,
        )
        .join(Respondent, Respondent.id == Interview.respondent_id)
        .order_by(Interview.id)
    )
    return [tuple(row) for row in await session.execute(query)]


# --- Inside a unit of work (storage/units.py): plain rows and Core statements ----------------


@dataclass
class RespondentRow:
    """What answering reads and writes of a respondent, as plain values."""

    id: int
    language: str | None
    prompt_message_id: int | None
    last_active_at: datetime
    unreachable: bool


@dataclass
class InterviewRow:
    """What answering reads and writes of an interview, as plain values."""

    id: int
    status: str
    position: str | None
    selection: str | None
    updated_at: datetime


_RESPONDENT = [getattr(Respondent, f.name) for f in fields(RespondentRow)]
_INTERVIEW = [getattr(Interview, f.name) for f in fields(InterviewRow)]


def lock_and_read(
    connection: Connection, channel: str, user_id: str
) -> tuple[RespondentRow, InterviewRow | None, dict[str, StoredAnswer]] | None:
    """`respondent_with_interview` and `load_answers` as plain rows (the person's row locked on
    PostgreSQL just the same)."""
    if connection.dialect.name == "postgresql":
        connection.execute(_person_lock(channel, user_id))
    row = connection.execute(
        select(*_RESPONDENT, *_INTERVIEW)
        .outerjoin(Interview, and_(Interview.respondent_id == Respondent.id, NOT_ABANDONED))
        .where(Respondent.channel == channel, Respondent.channel_user_id == user_id)
        .order_by(Interview.id.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    respondent = RespondentRow(*row[: len(_RESPONDENT)])
    if row[len(_RESPONDENT)] is None:
        return respondent, None, {}
    interview = InterviewRow(*row[len(_RESPONDENT) :])
    answers = connection.execute(
        select(Answer.question_id, Answer.code, Answer.skipped).where(
            Answer.interview_id == interview.id
        )
    )
    return respondent, interview, {qid: StoredAnswer(c, s) for qid, c, s in answers}


# An answer to store: question id, code, skipped, answered at.
NewAnswer = tuple[str, str | None, bool, datetime]


def current_in(connection: Connection, channel: str, user_id: str) -> tuple[int, str] | None:
    """The id and status of the person's current interview (as `current_interview`)."""
    row = connection.execute(
        select(Interview.id, Interview.status)
        .join(Respondent, Interview.respondent_id == Respondent.id)
        .where(Respondent.channel == channel, Respondent.channel_user_id == user_id, NOT_ABANDONED)
        .order_by(Interview.id.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def save_answer_in(connection: Connection, interview_id: int, answer: NewAnswer) -> None:
    """`save_answer` inside a unit of work."""
    connection.execute(_save(connection, interview_id, *answer))


def delete_answers_in(connection: Connection, interview_id: int, question_ids: list[str]) -> None:
    """`delete_answers` inside a unit of work."""
    if question_ids:
        connection.execute(_delete(interview_id, question_ids))


def write_rows(
    connection: Connection,
    rows: tuple[RespondentRow, InterviewRow],
    before: tuple[RespondentRow, InterviewRow],
) -> None:
    """What changed of the respondent and the interview, one UPDATE each (none: unchanged)."""
    for model, row, old in ((Respondent, rows[0], before[0]), (Interview, rows[1], before[1])):
        changed = {
            f.name: getattr(row, f.name)
            for f in fields(row)
            if getattr(row, f.name) != getattr(old, f.name)
        }
        if changed:
            table = model.__table__
            connection.execute(update(table).where(table.c.id == row.id).values(**changed))
