"""Migrations: they build exactly the schema the models describe, and re-running is harmless."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from storage.db import sync_url
from storage.migrate import current_revision, upgrade
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
