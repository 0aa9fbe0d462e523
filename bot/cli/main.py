"""The `kim-intake` command line: run, chat, check, db, i18n, health, the staff tools and the
directory of offers."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from bot.cli.broadcast import add_commands as add_broadcast_commands
from bot.cli.health import add_command as add_health_command
from bot.cli.offers import add_commands as add_offers_commands
from bot.cli.poster import add_command as add_poster_command
from bot.cli.providers import add_commands as add_provider_commands
from bot.cli.report import add_commands as add_report_commands
from bot.cli.staff import add_commands as add_staff_commands
from bot.core.config import ConfigError
from bot.flows.loader import FlowError


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kim-intake",
        description="KIM Intake: multilingual needs questionnaire and handover to case management.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("run", help="run the Telegram bot (needs KIM_BOT_TOKEN)")

    chat = commands.add_parser("chat", help="answer the questionnaire in this terminal")
    chat.add_argument("--lang", default="de", help="language code, e.g. de, en, ar (default de)")
    chat.add_argument("--flow", help="path of a flow file to preview instead of config.yaml's")

    commands.add_parser("check", help="validate config.yaml, every flow and every catalog")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply all migrations")

    i18n = commands.add_parser("i18n", help="translation catalogs (extract, update, compile)")
    i18n_commands = i18n.add_subparsers(dest="i18n_command", required=True, metavar="ACTION")
    i18n_commands.add_parser("extract", help="regenerate bot/locales/messages.pot")
    i18n_commands.add_parser("update", help="merge messages.pot into every language's .po")
    i18n_commands.add_parser("compile", help="compile every .po into .mo")
    add_broadcast_commands(commands)
    add_report_commands(commands)
    add_staff_commands(commands)
    add_offers_commands(commands)
    add_provider_commands(commands)
    add_health_command(commands)
    add_poster_command(commands)
    return parser


# Each command's handler, imported only when it runs: `kim-intake check` must not pay for
# aiogram's start-up, and so on.
HANDLERS = {
    "run": "bot.telegram.app:command_run",
    "chat": "bot.cli.chat:command_chat",
    "check": "bot.cli.check:command_check",
    "db": "bot.cli.db:command_db",
    "i18n": "bot.cli.i18n:command_i18n",
    "broadcast": "bot.cli.broadcast:command_broadcast",
    "report": "bot.cli.report:command_report",
    "export": "bot.cli.report:command_export",
    "staff": "bot.cli.staff:command_staff",
    "audit": "bot.cli.staff:command_audit",
    "offers": "bot.cli.offers:command_offers",
    "providers": "bot.cli.providers:command_providers",
    "health": "bot.cli.health:command_health",
    "poster": "bot.cli.poster:command_poster",
}


def _handler(args: argparse.Namespace) -> Callable[[argparse.Namespace], int]:
    module, function = HANDLERS[args.command].split(":")
    return getattr(importlib.import_module(module), function)


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    try:
        return _handler(args)(args)
    except ConfigError as error:
        print(f"Configuration error in {error.path}:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    except FlowError as error:
        print("The flow cannot be used:", file=sys.stderr)
        for problem in error.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
