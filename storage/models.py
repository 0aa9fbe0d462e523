"""The intake tables: respondents, their interviews, answers as codes, and handled updates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.types import InterviewStatus, belongs_to, when


class Respondent(SQLModel, table=True):
    """A person who agreed to the privacy notice. Nothing is stored before that."""

    __tablename__ = "respondent"
    __table_args__ = (sa.UniqueConstraint("channel", "channel_user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    channel_user_id: str = Field(max_length=64)
    chat_id: int | None = Field(default=None, sa_column=sa.Column(sa.BigInteger, nullable=True))
    first_name: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=8)
    consent_version: str | None = Field(default=None, max_length=32)
    consent_at: datetime | None = when()
    created_at: datetime = when(nullable=False)
    last_active_at: datetime = when(nullable=False)
    prompt_message_id: int | None = Field(
        default=None, sa_column=sa.Column(sa.BigInteger, nullable=True)
    )
    broadcasts_opt_out: bool = False
    unreachable: bool = False


def of_respondent() -> Any:
    """The respondent a row belongs to (it goes with them: /delete, retention)."""
    return belongs_to("respondent")


class Interview(SQLModel, table=True):
    """One walk through a flow; `position` is the question shown (None: the summary)."""

    __tablename__ = "interview"

    id: int | None = Field(default=None, primary_key=True)
    respondent_id: int = of_respondent()
    flow_id: str = Field(max_length=32)
    flow_version: int
    status: str = Field(default=InterviewStatus.in_progress, max_length=16)  # an InterviewStatus
    position: str | None = Field(default=None, max_length=64)
    selection: str | None = Field(default=None, max_length=1024)  # pending multiple-choice ids
    started_at: datetime = when(nullable=False)
    updated_at: datetime = when(nullable=False)
    finished_at: datetime | None = when()
    reminders_sent: int = 0


class Answer(SQLModel, table=True):
    """One answer as a code (see the engine's encode_answer); None when the person skipped."""

    __tablename__ = "answer"
    __table_args__ = (sa.UniqueConstraint("interview_id", "question_id"),)

    id: int | None = Field(default=None, primary_key=True)
    interview_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("interview.id", ondelete="CASCADE"), nullable=False
        )
    )
    question_id: str = Field(max_length=64)
    code: str | None = Field(default=None, sa_column=sa.Column(sa.Text, nullable=True))
    skipped: bool = False
    answered_at: datetime = when(nullable=False)


class ProcessedUpdate(SQLModel, table=True):
    """A Telegram update already handled; Telegram may deliver the same one again."""

    __tablename__ = "processed_update"

    update_id: int = Field(
        sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False)
    )
    processed_at: datetime = when(nullable=False, index=True)


class InboxUpdate(SQLModel, table=True):
    """A fetched Telegram update not yet handled: kept here so that confirming it to Telegram
    loses nothing; deleted once handled (seconds later), replayed after a crash."""

    __tablename__ = "inbox_update"

    update_id: int = Field(
        sa_column=sa.Column(sa.BigInteger, primary_key=True, autoincrement=False)
    )
    sender: str = Field(max_length=64, index=True)  # the channel's user id, for /delete
    payload: str = Field(sa_column=sa.Column(sa.Text, nullable=False))
    received_at: datetime = when(nullable=False)
