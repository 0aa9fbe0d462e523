"""The directory of local offers: organisations, their offers and cooperations, and providers'
submissions waiting for a coordinator's decision.

Revision ID: 0009_offers
Revises: 0008_one_outbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_offers"
down_revision = "0008_one_outbox"
branch_labels = None
depends_on = None


def _text(name: str) -> sa.Column:
    return sa.Column(name, sa.Text(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(length=200), nullable=False, unique=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=64), nullable=False),
        sa.Column("website", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "offer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisation.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        _text("description"),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("districts", sa.JSON(), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        _text("target_groups"),
        sa.Column("age_min", sa.Integer(), nullable=True),
        sa.Column("age_max", sa.Integer(), nullable=True),
        _text("costs"),
        _text("schedule"),
        _text("access"),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("last_confirmed", sa.Date(), nullable=True),
        sa.Column("translations", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("organisation_id", "key", name="uq_offer_key"),
    )
    op.create_index("ix_offer_status", "offer", ["status"])
    op.create_table(
        "cooperation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisation.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("partner", sa.String(length=200), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.UniqueConstraint("organisation_id", "partner", name="uq_cooperation_partner"),
    )
    op.create_table(
        "offer_submission",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entry", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column(
            "organisation_id",
            sa.Integer(),
            sa.ForeignKey("organisation.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
    )
    op.create_index("ix_offer_submission_state", "offer_submission", ["state"])


def downgrade() -> None:
    op.drop_table("offer_submission")
    op.drop_table("cooperation")
    op.drop_index("ix_offer_status", table_name="offer")
    op.drop_table("offer")
    op.drop_table("organisation")
