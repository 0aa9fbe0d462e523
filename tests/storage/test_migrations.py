"""Migrations: they build exactly the schema the models describe, and re-running is harmless."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

from storage.db import sync_url
from storage.migrate import alembic_config, current_revision, upgrade
from storage.tables import import_all

import_all()
ROOT = Path(__file__).resolve().parents[2]


def test_the_migrated_schema_equals_the_models(database_url):
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert differences == []


def test_upgrading_an_up_to_date_database_changes_nothing(database_url):
    before = current_revision(database_url)
    upgrade(database_url)
    assert current_revision(database_url) == before is not None


def test_db_upgrade_creates_the_database_and_then_says_it_is_up_to_date(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIM_")}
    env.update(
        KIM_CONFIG=str(ROOT / "config.yaml"),
        KIM_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/data/new.db",
    )
    command = [sys.executable, "-m", "bot", "db", "upgrade"]
    first = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "upgraded from empty" in first.stdout
    assert (tmp_path / "data" / "new.db").exists()
    second = subprocess.run(command, env=env, cwd=tmp_path, capture_output=True, text=True)
    assert "up to date" in second.stdout


def test_notices_waiting_and_redactions_move_into_the_outbox(database_url):
    """0008: what the old notice loop still had to send is sent by the outbox after upgrading."""
    command.downgrade(alembic_config(database_url), "0007_dialog_state")
    engine = create_engine(sync_url(database_url))
    now = "2026-12-01 09:00:00"
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO respondent (id, channel, channel_user_id, chat_id, created_at, "
                "last_active_at, broadcasts_opt_out, unreachable) "
                "VALUES (1, 'telegram', '1', 1, :now, :now, false, false)"
            ),
            {"now": now},
        )
        for case_id, state, message in ((1, "sending", None), (2, "editing", 70), (3, "sent", 71)):
            connection.execute(
                text(
                    "INSERT INTO case_file (id, respondent_id, language, priority, team, status, "
                    "contact_open, created_at, updated_at, notice_state, notice_chat_id, "
                    "notice_message_id, reminders) VALUES (:id, 1, 'de', 'high', 'kim', :status, "
                    "true, :now, :now, :state, -100, :message, 0)"
                ),
                {
                    "id": case_id,
                    "status": "closed" if case_id < 3 else "new",
                    "now": now,
                    "state": state,
                    "message": message,
                },
            )
        connection.execute(
            text("INSERT INTO notice_redaction (case_id, chat_id, message_id) VALUES (9, -100, 60)")
        )
    engine.dispose()
    upgrade(database_url)
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        outbox = connection.execute(
            text(
                "SELECT kind, ref, respondent_id, chat_id, message_id, status "
                "FROM delivery ORDER BY id"
            )
        ).all()
        states = connection.execute(text("SELECT notice_state FROM case_file ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in outbox] == [
        ("notice", "1", 1, -100, None, "pending"),
        ("notice", "2", 1, -100, None, "pending"),
        ("redaction", "9", None, -100, 60, "pending"),
    ]
    assert [state for (state,) in states] == ["pending", "outdated", "sent"]


def test_the_directory_tables_go_with_a_downgrade_and_come_back_empty(database_url):
    """0009: the directory's tables are dropped by a downgrade and made again by an upgrade."""
    directory = {"organisation", "offer", "cooperation", "offer_submission"}
    command.downgrade(alembic_config(database_url), "0008_one_outbox")
    engine = create_engine(sync_url(database_url))
    assert directory.isdisjoint(inspect(engine).get_table_names())
    engine.dispose()
    upgrade(database_url)
    engine = create_engine(sync_url(database_url))
    assert directory <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM offer")).scalar_one() == 0
    engine.dispose()
