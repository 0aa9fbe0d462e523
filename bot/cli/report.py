"""`kim-intake report` and `kim-intake export`: the coordinators' figures as files."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bot.core.config import Settings, load_settings

if TYPE_CHECKING:
    from bot.flows.schema import Flow
    from bot.reports.service import Reports

T = TypeVar("T")
NO_TABLES = "Die Datenbank ist noch nicht eingerichtet. Zuerst: kim-intake db upgrade"


def add_commands(subparsers: Any) -> None:
    report = subparsers.add_parser(
        "report", help="write the needs report as one self-contained HTML page (German)"
    )
    report.add_argument("--out", required=True, type=Path, help="the .html file to write")

    export = subparsers.add_parser(
        "export", help="write the answers, pseudonymised, as .xlsx or .csv with a codebook"
    )
    export.add_argument("--out", required=True, type=Path, help="FILE.xlsx or FILE.csv")
    export.add_argument("--finished-only", action="store_true", help="only finished questionnaires")
    for flag, dest, text in (("--from", "start", "on or after"), ("--to", "end", "on or before")):
        export.add_argument(
            flag, dest=dest, type=_day, metavar="DATE", help=f"begun {text} this day (YYYY-MM-DD)"
        )


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def command_report(args: argparse.Namespace) -> int:
    from bot.flows.loader import load_configured_flow
    from bot.reports.html import render_html

    settings = load_settings()
    flow = load_configured_flow(settings)
    report = asyncio.run(_read(settings, flow, lambda reports: reports.report()))
    args.out.write_text(render_html(report, settings.timezone), encoding="utf-8")
    print(
        f"Bericht geschrieben: {args.out} ({report.funnel.consented} Personen, "
        f"{report.funnel.finished} abgeschlossen)"
    )
    return 0


def command_export(args: argparse.Namespace) -> int:
    if args.out.suffix.lower() not in (".xlsx", ".csv"):
        print("--out muss auf .xlsx oder .csv enden", file=sys.stderr)
        return 2
    if args.start and args.end and args.start > args.end:
        print("--from liegt nach --to", file=sys.stderr)
        return 2
    from bot.flows.loader import load_configured_flow
    from bot.reports.export import ExportOptions, build_export, write_export

    settings = load_settings()
    flow = load_configured_flow(settings)
    records = asyncio.run(_read(settings, flow, lambda reports: reports.records()))
    options = ExportOptions(args.finished_only, args.start, args.end)
    table = build_export(flow, records, options, settings.zone, settings.fields)
    written = write_export(table, args.out)
    print(f"Export geschrieben: {' + '.join(map(str, written))} ({len(table.rows)} Fragebögen)")
    return 0


async def _read(settings: Settings, flow: Flow, use: Callable[[Reports], Awaitable[T]]) -> T:
    """`use(reports)` on the configured database; a missing schema ends with a hint."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from bot.app import Services

    services = await Services.open(settings, flow=flow, migrate=False)
    try:
        return await use(services.reports)
    except (OperationalError, ProgrammingError) as error:
        if "no such table" in str(error) or "does not exist" in str(error):
            raise SystemExit(NO_TABLES) from None
        raise
    finally:
        await services.close()
