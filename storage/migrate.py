"""Migrations with Alembic: `kim-intake db upgrade`, and the bot upgrades itself on start."""

from __future__ import annotations

import argparse
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


def command_db(args: argparse.Namespace) -> int:
    from bot.core.config import load_settings

    settings = load_settings()
    before = current_revision(settings.database_url)
    upgrade(settings.database_url)
    after = current_revision(settings.database_url)
    if before == after:
        print(f"Database is up to date (revision {after}).")
    else:
        print(f"Database upgraded from {before or 'empty'} to {after}.")
    return 0
