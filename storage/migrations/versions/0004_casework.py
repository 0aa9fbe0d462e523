"""Casework: cases and their flags, staff, invitations, the audit log, notices to redact.

Revision ID: 0004_casework
Revises: 0003_outbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_casework"
down_revision = "0003_outbox"
branch_labels = None
depends_on = None

OPEN = sa.text("status != 'closed'")


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False, unique=True),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("team", sa.String(length=32), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("team", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.Integer(), nullable=True),
    )
    op.create_table(
        "case_file",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "respondent_id",
            sa.Integer(),
            sa.ForeignKey("respondent.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "interview_id",
            sa.Integer(),
            sa.ForeignKey("interview.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("district", sa.String(length=32), nullable=True),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("team", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column(
            "assignee_id", sa.Integer(), sa.ForeignKey("staff.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("contact_open", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notice_state", sa.String(length=8), nullable=False),
        sa.Column("notice_claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notice_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("notice_message_id", sa.BigInteger(), nullable=True),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminders", sa.Integer(), nullable=False),
    )
    op.create_index("ix_case_status_remind", "case_file", ["status", "remind_at"])
    op.create_index(
        "uq_case_open_per_person",
        "case_file",
        ["respondent_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_table(
        "case_flag",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "case_id", sa.Integer(), sa.ForeignKey("case_file.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("field", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("case_id", "rule_id"),
    )
    op.create_index("ix_case_flag_case_id", "case_flag", ["case_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=False),
    )
    op.create_table(
        "notice_redaction",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_case_id", "audit_log", ["case_id"])


def downgrade() -> None:
    op.drop_table("notice_redaction")
    op.drop_table("audit_log")
    op.drop_table("case_flag")
    op.drop_table("case_file")
    op.drop_table("invitation")
    op.drop_table("staff")
