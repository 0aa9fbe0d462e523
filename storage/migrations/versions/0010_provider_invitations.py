"""Providers' invitations: one-time codes with which an organisation's contact answers the
provider survey in Telegram.

Revision ID: 0010_provider_invitations
Revises: 0009_offers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_provider_invitations"
down_revision = "0009_offers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provider_invitation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.Integer(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("provider_invitation")
