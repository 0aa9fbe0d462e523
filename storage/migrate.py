"""Migrations with Alembic: `kim-intake db upgrade`, and the bot upgrades itself on start."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from storage.db import ensure_directory, sync_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = sync_url(url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    ensure_directory(url)
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str) -> None:
    """The same from inside a running event loop (Alembic itself is synchronous)."""
    await asyncio.to_thread(upgrade, url)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    ensure_directory(url)
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
