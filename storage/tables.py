"""Every module that defines tables, so that the whole schema is known in one place."""

from __future__ import annotations

import importlib

TABLE_MODULES = (
    "storage.models",
    "storage.casework",
    "storage.case_messages",
    "storage.broadcasts",
    "storage.deliveries",
    "storage.jobs",
    "storage.dialogs",
    "storage.offers",
    "storage.web",
    "storage.providers",
)


def import_all() -> None:
    """Import every table module that exists (each registers its tables with SQLModel)."""
    for module in TABLE_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name != module:
                raise
