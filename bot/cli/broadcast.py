"""`kim-intake broadcast send|schedule|list|cancel|status`: broadcasts from the command line.

The running bot sends what these commands put into the outbox (within a few seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from typing import Any

ACTIONS = ("send", "schedule", "list", "cancel", "status")


def add_commands(subparsers: Any) -> None:
    """Register `broadcast` and its actions on the `kim-intake` command line."""
    broadcast = subparsers.add_parser("broadcast", help="send, schedule and follow broadcasts")
    actions = broadcast.add_subparsers(dest="broadcast_command", required=True, metavar="ACTION")

    for name, help_text in (
        ("send", "send a broadcast now (shows a preview; --yes sends)"),
        ("schedule", "send a broadcast at a date and time (--at)"),
    ):
        action = actions.add_parser(name, help=help_text)
        what = action.add_argument_group("what")
        what.add_argument("--text", default="", help="the text in German (details for --prepared)")
        what.add_argument(
            "--text-in",
            nargs=2,
            action="append",
            default=[],
            metavar=("LANG", "TEXT"),
            help="the text in another language, e.g. --text-in en 'Hello'",
        )
        what.add_argument(
            "--prepared",
            metavar="NAME",
            help="a prepared message: info_event, office_hours or questionnaire",
        )
        who = action.add_argument_group("who (nothing given: everyone)")
        who.add_argument("--language", action="append", default=[], help="language code")
        who.add_argument("--district", action="append", default=[], help="district id")
        who.add_argument(
            "--status",
            action="append",
            default=[],
            choices=("not_started", "unfinished", "finished"),
            help="questionnaire status",
        )
        who.add_argument("--field", action="append", default=[], help="field of action with a need")
        if name == "schedule":
            action.add_argument(
                "--at",
                required=True,
                help="date and time in the city's time zone: 03.12.2026 17:30",
            )
        action.add_argument("--yes", action="store_true", help="do it (without: preview only)")

    actions.add_parser("list", help="the latest broadcasts")
    for name, help_text in (
        ("cancel", "stop a scheduled or running broadcast"),
        ("status", "progress of one broadcast"),
    ):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("id", type=int)


def command_broadcast(args: argparse.Namespace) -> int:
    from bot.core.config import load_settings

    return asyncio.run(_run(args, load_settings()))


async def _run(args: argparse.Namespace, settings: Any) -> int:
    from bot.app import Services

    services = await Services.open(settings)
    try:
        broadcasts = services.broadcasts
        if args.broadcast_command in ("send", "schedule"):
            return await _send(args, broadcasts)
        if args.broadcast_command == "list":
            return await _list(broadcasts)
        if args.broadcast_command == "cancel":
            if await broadcasts.cancel(args.id):
                print(
                    f"Rundschreiben #{args.id} gestoppt; was schon gesendet ist, bleibt gesendet."
                )
                return 0
            print(
                f"Rundschreiben #{args.id} gibt es nicht oder es läuft nicht mehr.", file=sys.stderr
            )
            return 1
        return await _status(broadcasts, args.id)
    finally:
        await services.close()


async def _send(args: argparse.Namespace, broadcasts: Any) -> int:
    from bot.broadcasts.audience import Segment
    from bot.broadcasts.service import Draft
    from bot.broadcasts.texts import parse_time, progress_text

    settings = broadcasts.settings
    draft = Draft(
        text_de=args.text,
        texts=tuple((lang, text) for lang, text in args.text_in),
        template=args.prepared,
        segment=Segment(
            languages=tuple(args.language),
            districts=tuple(args.district),
            statuses=tuple(args.status),
            fields=tuple(args.field),
        ),
    )
    problems = draft.problems(settings)
    at = None
    if args.broadcast_command == "schedule":
        at = parse_time(args.at, settings)
        if at is None:
            problems.append(f"--at {args.at!r}: bitte so: 03.12.2026 17:30")
        elif at <= broadcasts.clock():
            problems.append("--at liegt in der Vergangenheit")
    if problems:
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    preview = await broadcasts.preview(draft)
    print(f"Empfänger: {draft.segment.describe(settings)} – {preview.reached} Personen")
    for entry in preview.texts:
        print(f"\n— {entry.language} ({entry.people}) —\n{entry.text}")
    if not args.yes:
        print("\nNur Vorschau. Mit --yes wird es gesendet.")
        return 0
    created_by = f"cli:{getpass.getuser()}"[:64]
    if at is None:
        view = await broadcasts.send_now(draft, created_by)
    else:
        view = await broadcasts.schedule(draft, at, created_by)
    print()
    print(progress_text(view, settings))
    return 0


async def _list(broadcasts: Any) -> int:
    from bot.broadcasts.texts import status_line

    views = await broadcasts.recent(20)
    if not views:
        print("Noch keine Rundschreiben.")
    for view in views:
        print(status_line(view, broadcasts.settings))
    return 0


async def _status(broadcasts: Any, broadcast_id: int) -> int:
    from bot.broadcasts.texts import progress_text, report_text
    from storage.types import BroadcastStatus

    view = await broadcasts.status(broadcast_id)
    if view is None:
        print(f"Rundschreiben #{broadcast_id} gibt es nicht.", file=sys.stderr)
        return 1
    print(progress_text(view, broadcasts.settings))
    if view.status in (BroadcastStatus.DONE, BroadcastStatus.CANCELLED):
        print(report_text(view))
    if view.counts.reclaimed:
        print(f"Nach einem Absturz erneut versucht: {view.counts.reclaimed} (evtl. doppelt)")
    return 0
