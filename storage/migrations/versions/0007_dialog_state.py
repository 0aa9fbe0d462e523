"""The state of multi-step staff dialogs (the /broadcast composer's draft).

Revision ID: 0007_dialog_state
Revises: 0006_case_messages
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_dialog_state"
down_revision = "0006_case_messages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dialog_state",
        sa.Column("key", sa.String(length=255), primary_key=True),
        sa.Column("state", sa.String(length=128), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_dialog_state_updated_at", "dialog_state", ["updated_at"])


def downgrade() -> None:
    op.drop_table("dialog_state")
