"""`kim-intake db upgrade`: bring the configured database to the newest migration."""

from __future__ import annotations

import argparse

from bot.core.config import load_settings
from storage.migrate import current_revision, upgrade


def command_db(args: argparse.Namespace) -> int:
    settings = load_settings()
    before = current_revision(settings.database_url)
    upgrade(settings.database_url)
    after = current_revision(settings.database_url)
    if before == after:
        print(f"Database is up to date (revision {after}).")
    else:
        print(f"Database upgraded from {before or 'empty'} to {after}.")
    return 0
