"""`kim-intake offers import|export|list|review`: the directory of local offers from the command
line: spreadsheets in and out, HSDS for exchange, and providers' submissions to decide.

Exit codes: 0 done, 1 the file or the decision was refused (every reason printed), 2 wrong use.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.core.config import Settings
    from bot.offers.directory import Directory

FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".zip": "hsds", ".json": "hsds"}


def add_commands(subparsers: Any) -> None:
    """Register `offers` and its actions on the `kim-intake` command line."""
    offers = subparsers.add_parser("offers", help="the directory of local offers")
    actions = offers.add_subparsers(dest="offers_command", required=True, metavar="ACTION")

    load = actions.add_parser("import", help="read offers from a .csv or .xlsx file")
    load.add_argument("file", type=Path, metavar="FILE")
    load.add_argument("--dry-run", action="store_true", help="check and count, store nothing")
    load.add_argument("--format", choices=("csv", "xlsx"), help="instead of the file's suffix")

    export = actions.add_parser(
        "export", help="write the directory as .csv, .xlsx or HSDS 3.0 (.zip, .json or a folder)"
    )
    export.add_argument("--out", required=True, type=Path, metavar="FILE")
    export.add_argument("--format", choices=("csv", "xlsx", "hsds"), help="instead of the suffix")

    listing = actions.add_parser("list", help="organisations and their offers")
    listing.add_argument("--district", help="only offers there (or city-wide): id or name")
    listing.add_argument("--field", help="only offers in this field of action: id or name")

    review = actions.add_parser("review", help="providers' submissions waiting for a decision")
    decision = review.add_mutually_exclusive_group()
    decision.add_argument("--approve", type=int, metavar="ID", help="approve submission ID")
    decision.add_argument("--reject", type=int, metavar="ID", help="reject submission ID")
    review.add_argument("--reason", default="", help="why it is rejected (with --reject)")


def command_offers(args: argparse.Namespace) -> int:
    from bot.core.config import load_settings

    if args.offers_command == "review" and args.reason and args.reject is None:
        print("--reason gilt nur mit --reject", file=sys.stderr)
        return 2
    return asyncio.run(_run(args, load_settings()))


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import Services

    if args.offers_command == "export" and _export_format(args) is None:
        print("--out muss auf .csv, .xlsx, .zip oder .json enden (oder --format)", file=sys.stderr)
        return 2
    services = await Services.open(settings)
    try:
        directory = services.directory
        if args.offers_command == "import":
            return await _import(args, directory)
        if args.offers_command == "export":
            return await _export(args, directory)
        if args.offers_command == "list":
            return await _list(args, directory)
        return await _review(args, directory)
    finally:
        await services.close()


def _who() -> str:
    return f"cli:{getpass.getuser()}"[:64]


def _refused(problems: Any) -> int:
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    return 1


async def _import(args: argparse.Namespace, directory: Directory) -> int:
    from bot.offers.directory import InvalidEntry
    from bot.offers.sheet import SheetError, read

    try:
        entries = read(args.file, directory.settings, args.format)
        changes = await directory.put(entries, dry_run=args.dry_run, by=_who())
    except (SheetError, InvalidEntry) as error:
        print(f"{args.file.name} wurde nicht eingelesen, nichts gespeichert:", file=sys.stderr)
        return _refused(error.problems)
    prefix = "Probelauf, nichts gespeichert: " if args.dry_run else "Eingelesen: "
    print(f"{prefix}{changes.summary()}")
    return 0


def _export_format(args: argparse.Namespace) -> str | None:
    return args.format or FORMATS.get(args.out.suffix.lower())


async def _export(args: argparse.Namespace, directory: Directory) -> int:
    from bot.offers import hsds, sheet

    kind = _export_format(args)
    entries = await directory.entries()
    offers = sum(len(e.offers) for e in entries)
    if kind == "hsds":
        written = hsds.write(args.out, entries, directory.settings, directory.clock())
    else:
        sheet.write(args.out, entries, directory.settings, kind)
        written = args.out
    print(f"Geschrieben: {written} ({len(entries)} Organisationen, {offers} Angebote)")
    return 0


async def _list(args: argparse.Namespace, directory: Directory) -> int:
    from bot.core.vocabulary import ORGANISATION_KIND_NAMES
    from bot.offers.cells import Bad, Lookup

    settings = directory.settings
    try:
        district = args.district and Lookup(
            "Stadtteil", {d.id: (d.name,) for d in settings.districts}
        ).one(args.district)
        field = args.field and Lookup(
            "Handlungsfeld", {f.id: (f.name, f.short) for f in settings.fields}
        ).one(args.field)
    except Bad as bad:
        print(bad, file=sys.stderr)
        return 2
    entries = await directory.entries(district=district or None, field=field or None)
    if not entries:
        print("Keine Angebote.")
    for entry in entries:
        org = entry.organisation
        print(f"{org.name} ({ORGANISATION_KIND_NAMES[org.kind.value]}) #{org.id}")
        for offer in entry.offers:
            where = ", ".join(settings.district_name(d) for d in sorted(offer.districts))
            fields = ", ".join(settings.field_name(f) for f in sorted(offer.fields))
            state = "" if offer.status.value == "active" else " – inaktiv"
            print(f"  - {offer.name} #{offer.id}: {fields or '–'}; {where or 'ganze Stadt'}{state}")
    return 0


async def _review(args: argparse.Namespace, directory: Directory) -> int:
    from bot.offers.directory import DirectoryError, InvalidEntry
    from bot.offers.review import diff

    try:
        if args.approve is not None:
            entry = await directory.approve(args.approve, by=_who())
            name = entry.organisation.name
            print(f"Einreichung {args.approve} angenommen: {name} ist im Verzeichnis.")
            return 0
        if args.reject is not None:
            await directory.reject(args.reject, by=_who(), reason=args.reason)
            print(f"Einreichung {args.reject} abgelehnt.")
            return 0
    except InvalidEntry as error:
        print("Einreichung kann so nicht angenommen werden:", file=sys.stderr)
        return _refused(error.problems)
    except DirectoryError as error:
        print(error, file=sys.stderr)
        return 1
    submissions = await directory.pending()
    if not submissions:
        print("Keine Einreichungen offen.")
    zone = directory.settings.zone
    for submission in submissions:
        when = submission.submitted_at.astimezone(zone).strftime("%d.%m.%Y %H:%M")
        print(f"Einreichung {submission.id} von {submission.provider}, {when}")
        current = await directory.current(submission)
        for line in diff(current, submission.entry, directory.settings):
            print(f"  {line}")
        print()
    if submissions:
        print("Entscheiden: kim-intake offers review --approve ID | --reject ID [--reason TEXT]")
    return 0
