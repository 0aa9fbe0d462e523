"""Bot messages to staff about a case, so that a caseworker's reply finds its case by message id.

Revision ID: 0006_case_messages
Revises: 0005_inbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_case_messages"
down_revision = "0005_inbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_message",
        sa.Column("chat_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("message_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False
        ),
    )
    op.create_index("ix_case_message_case_id", "case_message", ["case_id"])


def downgrade() -> None:
    op.drop_table("case_message")
