"""The inbox of fetched updates not yet handled (long polling).

Revision ID: 0005_inbox
Revises: 0004_casework
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_inbox"
down_revision = "0004_casework"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_update",
        sa.Column("update_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_inbox_update_sender", "inbox_update", ["sender"])


def downgrade() -> None:
    op.drop_table("inbox_update")
