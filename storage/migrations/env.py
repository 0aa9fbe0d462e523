"""Alembic environment: the URL comes from the caller (storage.migrate), never from a file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, event
from sqlmodel import SQLModel

from storage.tables import import_all

import_all()

url = context.config.attributes.get("url") or context.config.get_main_option("sqlalchemy.url")
engine = create_engine(url)
if engine.dialect.name == "sqlite":

    @event.listens_for(engine, "connect")
    def _pragmas(connection, _record):  # type: ignore[no-untyped-def]
        connection.execute("PRAGMA busy_timeout=5000")
        connection.execute("PRAGMA journal_mode=WAL")  # the file is in WAL mode from its start
        connection.execute("PRAGMA secure_delete=ON")  # a copied table leaves no data behind


with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=engine.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
