"""Queries about respondents: find, create, and erase everything about one person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.casework import erase_casework
from storage.db import added
from storage.deliveries import erase_outbox
from storage.models import Answer, Interview, Respondent


async def find_respondent(session: AsyncSession, channel: str, user_id: str) -> Respondent | None:
    result = await session.execute(
        select(Respondent).where(
            Respondent.channel == channel, Respondent.channel_user_id == user_id
        )
    )
    return result.scalar_one_or_none()


async def set_prompts(session: AsyncSession, prompts: dict[tuple[str, str], int]) -> None:
    """The message that shows each person's current prompt, by (channel, user id).

    A message id never replaces a larger one: Telegram numbers a chat's messages upwards, so a
    late write cannot bring back an older prompt.
    """
    table = Respondent.__table__
    statement = (
        update(table)
        .where(
            table.c.channel == bindparam("b_channel"),
            table.c.channel_user_id == bindparam("b_user"),
            or_(table.c.prompt_message_id.is_(None), table.c.prompt_message_id < bindparam("b_id")),
        )
        .values(prompt_message_id=bindparam("b_id"))
    )
    rows = [{"b_channel": c, "b_user": u, "b_id": ref} for (c, u), ref in prompts.items()]
    await session.execute(statement, rows)


async def create_respondent(
    session: AsyncSession,
    channel: str,
    user_id: str,
    *,
    chat_id: int | None,
    first_name: str | None,
    language: str | None,
    now: datetime,
) -> Respondent:
    respondent = Respondent(
        channel=channel,
        channel_user_id=user_id,
        chat_id=chat_id,
        first_name=first_name,
        language=language,
        created_at=now,
        last_active_at=now,
    )
    return await added(session, respondent)


async def erase_respondent(
    session: AsyncSession, respondent_id: int, now: datetime | None = None
) -> None:
    """Delete the person and every row about them, explicitly (not trusting cascades alone)."""
    # The outbox and cases first (in the order the sender locks them), then the intake rows,
    # so nothing about the person stays.
    await erase_outbox(session, respondent_id)
    await erase_casework(session, respondent_id, now)
    interview_ids = select(Interview.id).where(Interview.respondent_id == respondent_id)
    await session.execute(delete(Answer).where(Answer.interview_id.in_(interview_ids)))
    await session.execute(delete(Interview).where(Interview.respondent_id == respondent_id))
    await session.execute(delete(Respondent).where(Respondent.id == respondent_id))
    session.expunge_all()


async def silent_since(session: AsyncSession, cutoff: datetime) -> list[int]:
    """The people who have not written to the bot since `cutoff`."""
    result = await session.execute(select(Respondent.id).where(Respondent.last_active_at < cutoff))
    return list(result.scalars())
