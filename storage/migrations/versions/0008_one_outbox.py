"""One outbox for every message that is not a direct reply: lanes, staff chats, edits, bodies.

Case notices, redactions of erased cases' notices, relays and progress messages become delivery
rows: a delivery may go to a chat of its own (`chat_id`) instead of the person's, edit or answer
a message (`message_id`), carry what was written (`body`), be armed again (`version`), and has a
lane (0 interactive before 1 bulk). Notices waiting to be sent, and redactions, move over.

Revision ID: 0008_one_outbox
Revises: 0007_dialog_state
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_one_outbox"
down_revision = "0007_dialog_state"
branch_labels = None
depends_on = None

NO_PERSON = sa.text("respondent_id IS NULL")


def upgrade() -> None:
    op.drop_index("ix_delivery_due", table_name="delivery")
    with op.batch_alter_table("delivery") as batch:
        batch.add_column(sa.Column("lane", sa.SmallInteger(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("chat_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("message_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("body", sa.Text(), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        batch.alter_column("respondent_id", existing_type=sa.Integer(), nullable=True)
    op.create_index("ix_delivery_due", "delivery", ["status", "lane", "next_attempt_at"])
    op.create_index(
        "uq_delivery_kind_ref_no_person",
        "delivery",
        ["kind", "ref"],
        unique=True,
        sqlite_where=NO_PERSON,
        postgresql_where=NO_PERSON,
    )
    op.execute(
        sa.text(
            "UPDATE case_file SET notice_state = CASE notice_state "
            "WHEN 'sending' THEN 'pending' WHEN 'editing' THEN 'outdated' ELSE notice_state END"
        )
    )
    # A notice still to send or to draw again: its delivery (chat 0: the team's group, looked
    # up when it is sent).
    op.execute(
        sa.text(
            "INSERT INTO delivery (respondent_id, kind, ref, lane, chat_id, case_id, version, "
            "status, attempts, reclaims, next_attempt_at, created_at) "
            "SELECT respondent_id, 'notice', CAST(id AS VARCHAR(40)), 0, "
            "COALESCE(notice_chat_id, 0), id, 0, 'pending', 0, 0, created_at, created_at "
            "FROM case_file WHERE notice_state IN ('pending', 'outdated')"
        )
    )
    op.execute(
        sa.text(
            "INSERT INTO delivery (respondent_id, kind, ref, lane, chat_id, message_id, case_id, "
            "version, status, attempts, reclaims, next_attempt_at, created_at) "
            "SELECT NULL, 'redaction', CAST(case_id AS VARCHAR(40)), 0, chat_id, message_id, "
            "case_id, 0, 'pending', 0, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP "
            "FROM notice_redaction"
        )
    )
    op.drop_table("notice_redaction")
    with op.batch_alter_table("case_file") as batch:
        batch.drop_column("notice_claimed_at")


def downgrade() -> None:
    with op.batch_alter_table("case_file") as batch:
        batch.add_column(sa.Column("notice_claimed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "notice_redaction",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
    )
    op.execute(
        sa.text(
            "INSERT INTO notice_redaction (case_id, chat_id, message_id) "
            "SELECT case_id, chat_id, message_id FROM delivery "
            "WHERE kind = 'redaction' AND status IN ('pending', 'sending')"
        )
    )
    op.execute(sa.text("DELETE FROM delivery WHERE respondent_id IS NULL OR chat_id IS NOT NULL"))
    op.drop_index("uq_delivery_kind_ref_no_person", table_name="delivery")
    op.drop_index("ix_delivery_due", table_name="delivery")
    with op.batch_alter_table("delivery") as batch:
        batch.alter_column("respondent_id", existing_type=sa.Integer(), nullable=False)
        for column in ("version", "body", "case_id", "message_id", "chat_id", "lane"):
            batch.drop_column(column)
    op.create_index("ix_delivery_due", "delivery", ["status", "next_attempt_at"])
