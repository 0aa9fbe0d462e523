"""`kim-intake i18n extract|update|compile`: the translation catalogs from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.core.catalogs import (
    DOMAIN,
    LOCALES_DIR,
    SOURCE_LANGUAGE,
    TEMPLATE_NAME,
    catalog_path,
    compile_catalogs,
    extract,
    update,
)


def catalog_languages(locales_dir: Path = LOCALES_DIR) -> list[str]:
    """The enabled languages of config.yaml (if readable) and every language with a catalog."""
    from bot.core.config import ConfigError, load_settings

    try:
        configured = list(load_settings().languages)
    except ConfigError:
        configured = [SOURCE_LANGUAGE, "en"]
    present = sorted(p.parent.parent.name for p in locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return list(dict.fromkeys([*configured, *present]))


def command_i18n(args: argparse.Namespace) -> int:
    action = args.i18n_command
    if action == "extract":
        template, written = extract()
        count = sum(1 for m in template if m.id)
        state = "written" if written else "unchanged"
        print(f"{LOCALES_DIR / TEMPLATE_NAME}: {count} messages ({state})")
        return 0
    if action == "update":
        if not (LOCALES_DIR / TEMPLATE_NAME).exists():
            print("messages.pot is missing; run `kim-intake i18n extract` first")
            return 1
        for language, state in update(catalog_languages()).items():
            print(f"{catalog_path(language)}: {state}")
        return 0
    if action == "compile":
        for path in compile_catalogs():
            print(f"{path}: compiled")
        return 0
    raise AssertionError(action)
