"""Which bot message to staff is about which case, so that a caseworker's reply finds its case
by the ids of the message replied to, never by its wording."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from storage.casework import Case, of_case
from storage.db import insert


class CaseMessage(SQLModel, table=True):
    """A bot message to staff about a case (details, a relayed answer …): a caseworker's reply
    to it belongs to that case. Erased with the case."""

    __tablename__ = "case_message"

    chat_id: int = Field(sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False))
    message_id: int = Field(
        sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False)
    )
    case_id: int = of_case()


async def remember_messages(
    session: AsyncSession, case_id: int, chat_id: int, message_ids: Sequence[int]
) -> None:
    """Note bot messages to staff as being about the case (again, or for a case erased since:
    nothing changes)."""
    for message_id in message_ids:
        about = sa.select(
            sa.literal(chat_id, sa.BigInteger), sa.literal(message_id, sa.BigInteger), Case.id
        ).where(Case.id == case_id)
        await session.execute(
            insert(session, CaseMessage)
            .from_select(["chat_id", "message_id", "case_id"], about)
            .on_conflict_do_nothing()
        )


async def case_of_message(session: AsyncSession, chat_id: int, message_id: int) -> int | None:
    """The case a bot message is about: its notice, or a message noted with remember_messages."""
    noted = sa.select(CaseMessage.case_id).where(
        CaseMessage.chat_id == chat_id, CaseMessage.message_id == message_id
    )
    notice = sa.select(Case.id).where(
        Case.notice_chat_id == chat_id, Case.notice_message_id == message_id
    )
    return (await session.execute(noted.union_all(notice).limit(1))).scalar()
