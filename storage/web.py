"""The web chat's own rows: browser sessions, resume codes and messages left for web people.

A web person is known by a random id (`user_id`, the respondent's `channel_user_id` once they
agree). Their browser holds a session token in a cookie; the person may hold a resume code to
continue in another browser. Only hashes of tokens and codes are stored. Messages a caseworker
leaves for a web person wait here until the person next opens the chat; they go with the
respondent (erasure, retention).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from storage.casework import of_case
from storage.models import Respondent, of_respondent
from storage.types import when


class WebSession(SQLModel, table=True):
    """One browser's session: the hash of the token in its cookie, and whose it is."""

    __tablename__ = "web_session"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(max_length=64, index=True)
    created_at: datetime = when(nullable=False)
    last_seen_at: datetime = when(nullable=False, index=True)


class WebResume(SQLModel, table=True):
    """A web person's resume code, hashed; a new code replaces the old one."""

    __tablename__ = "web_resume"

    user_id: str = Field(primary_key=True, max_length=64)
    code_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = when(nullable=False)


class WebMessage(SQLModel, table=True):
    """A caseworker's message for a web person, shown the next time they open the chat."""

    __tablename__ = "web_message"

    id: int | None = Field(default=None, primary_key=True)
    respondent_id: int = of_respondent()
    case_id: int = of_case()
    text: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    created_at: datetime = when(nullable=False)
    shown_at: datetime | None = when()


async def open_session(session: AsyncSession, token_hash: str, user_id: str, now: datetime) -> None:
    session.add(
        WebSession(token_hash=token_hash, user_id=user_id, created_at=now, last_seen_at=now)
    )


async def user_of_session(
    session: AsyncSession, token_hash: str, now: datetime, idle_since: datetime
) -> str | None:
    """Whose session this is (None: unknown or idle too long); it is seen now."""
    row = await session.get(WebSession, token_hash)
    if row is None or row.last_seen_at < idle_since:
        return None
    row.last_seen_at = now
    return row.user_id


async def move_session(session: AsyncSession, token_hash: str, user_id: str) -> None:
    """The browser now continues the person of a resume code."""
    await session.execute(
        sa.update(WebSession).where(WebSession.token_hash == token_hash).values(user_id=user_id)
    )


async def set_resume(session: AsyncSession, user_id: str, code_hash: str, now: datetime) -> None:
    row = await session.get(WebResume, user_id)
    if row is None:
        session.add(WebResume(user_id=user_id, code_hash=code_hash, created_at=now))
    else:
        row.code_hash, row.created_at = code_hash, now


async def has_resume(session: AsyncSession, user_id: str) -> bool:
    return await session.get(WebResume, user_id) is not None


async def user_of_resume(session: AsyncSession, code_hash: str) -> str | None:
    query = sa.select(WebResume.user_id).where(WebResume.code_hash == code_hash)
    return (await session.execute(query)).scalar()


async def forget(session: AsyncSession, user_id: str) -> None:
    """A web person's sessions and code go (after /delete)."""
    await session.execute(sa.delete(WebSession).where(WebSession.user_id == user_id))
    await session.execute(sa.delete(WebResume).where(WebResume.user_id == user_id))


async def forget_idle(session: AsyncSession, idle_since: datetime) -> int:
    """Sessions unused since `idle_since` go, and resume codes of people no longer stored."""
    gone = await session.execute(sa.delete(WebSession).where(WebSession.last_seen_at < idle_since))
    people = sa.select(Respondent.channel_user_id).where(Respondent.channel == "web")
    await session.execute(
        sa.delete(WebResume).where(
            WebResume.created_at < idle_since, WebResume.user_id.not_in(people)
        )
    )
    return gone.rowcount or 0


async def leave_message(
    session: AsyncSession, respondent_id: int, case_id: int, text: str, now: datetime
) -> None:
    session.add(WebMessage(respondent_id=respondent_id, case_id=case_id, text=text, created_at=now))


async def take_messages(
    session: AsyncSession, respondent_id: int, now: datetime
) -> list[WebMessage]:
    """Messages not shown yet, oldest first; they count as shown from now on."""
    query = (
        sa.select(WebMessage)
        .where(WebMessage.respondent_id == respondent_id, WebMessage.shown_at.is_(None))
        .order_by(WebMessage.id)
    )
    rows = list((await session.execute(query)).scalars())
    for row in rows:
        row.shown_at = now
    return rows
