"""Migrations: they build exactly the schema the models describe, and re-running is harmless."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

from storage.db import sync_url
from storage.migrate import current_revision, upgrade
from storage.tables import import_all

import_all()


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
