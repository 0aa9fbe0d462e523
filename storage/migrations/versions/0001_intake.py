"""Intake: respondents, interviews, answers, processed updates.

Revision ID: 0001_intake
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_intake"
down_revision = None
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "respondent",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("channel_user_id", sa.String(length=64), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("first_name", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("consent_version", sa.String(length=32), nullable=True),
        sa.Column("consent_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("last_active_at", WHEN, nullable=False),
        sa.Column("prompt_message_id", sa.BigInteger(), nullable=True),
        sa.Column("broadcasts_opt_out", sa.Boolean(), nullable=False),
        sa.Column("unreachable", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("channel", "channel_user_id"),
    )
    op.create_table(
        "interview",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "respondent_id",
            sa.Integer(),
            sa.ForeignKey("respondent.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("flow_id", sa.String(length=32), nullable=False),
        sa.Column("flow_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("position", sa.String(length=64), nullable=True),
        sa.Column("selection", sa.String(length=1024), nullable=True),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.Column("reminders_sent", sa.Integer(), nullable=False),
    )
    op.create_index("ix_interview_respondent_id", "interview", ["respondent_id"])
    op.create_table(
        "answer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "interview_id",
            sa.Integer(),
            sa.ForeignKey("interview.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("answered_at", WHEN, nullable=False),
        sa.UniqueConstraint("interview_id", "question_id"),
    )
    op.create_table(
        "processed_update",
        sa.Column("update_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("processed_at", WHEN, nullable=False),
    )
    op.create_index("ix_processed_update_processed_at", "processed_update", ["processed_at"])


def downgrade() -> None:
    op.drop_table("processed_update")
    op.drop_table("answer")
    op.drop_index("ix_interview_respondent_id", "interview")
    op.drop_table("interview")
    op.drop_table("respondent")
