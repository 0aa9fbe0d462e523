"""The web chat: browser sessions, resume codes and messages left for web people.

Revision ID: 0011_web_chat
Revises: 0010_provider_invitations
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_web_chat"
down_revision = "0010_provider_invitations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_session",
        sa.Column("token_hash", sa.String(length=64), primary_key=True),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_web_session_user_id", "web_session", ["user_id"])
    op.create_index("ix_web_session_last_seen_at", "web_session", ["last_seen_at"])
    op.create_table(
        "web_resume",
        sa.Column("user_id", sa.String(length=64), primary_key=True),
        sa.Column("code_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "web_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "respondent_id",
            sa.Integer(),
            sa.ForeignKey("respondent.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_web_message_respondent_id", "web_message", ["respondent_id"])
    op.create_index("ix_web_message_case_id", "web_message", ["case_id"])


def downgrade() -> None:
    op.drop_table("web_message")
    op.drop_table("web_resume")
    op.drop_table("web_session")
