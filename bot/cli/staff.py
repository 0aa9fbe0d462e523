"""`kim-intake staff` and `kim-intake audit`: invite, list, revoke; the audit log."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.core.codes import DEFAULT_VALID_HOURS
from bot.ui.staff_text import for_staff
from storage.casework import ROLES

if TYPE_CHECKING:
    from bot.casework.staff import StaffService


def add_commands(subparsers) -> None:
    staff = subparsers.add_parser(
        "staff", help="caseworkers and coordinators: invite, list, revoke"
    )
    actions = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    invite = actions.add_parser("invite", help="print a one-time code for /register")
    invite.add_argument("--role", required=True, choices=ROLES)
    invite.add_argument("--team", help="the caseworker's team id (config.yaml teams)")
    invite.add_argument(
        "--hours",
        type=float,
        default=DEFAULT_VALID_HOURS,
        help=f"how long the code works (default {DEFAULT_VALID_HOURS})",
    )
    actions.add_parser("list", help="every staff member with role, team and state")
    revoke = actions.add_parser("revoke", help="take away someone's staff rights")
    revoke.add_argument("telegram_user_id", type=int)

    audit = subparsers.add_parser("audit", help="print the audit log (who did what, when)")
    audit.add_argument("--case", type=int, help="only this case number")
    audit.add_argument("--limit", type=int, default=200, help="the latest N entries (default 200)")


async def _with_database(run: Callable[[StaffService], Awaitable[int]]) -> int:
    from bot.app import Services
    from bot.core.config import load_settings

    services = await Services.open(load_settings())
    try:
        return await run(services.staff)
    finally:
        await services.close()


def command_staff(args: argparse.Namespace) -> int:
    async def run(service: StaffService) -> int:
        if args.staff_command == "invite":
            try:
                code = await service.invite(args.role, args.team, args.hours)
            except ValueError as error:
                print(f"Cannot invite: {error}")
                return 2
            print(f"One-time code: {code}")
            print(
                f"Valid for {args.hours:g} hours. In a private chat with the bot: /register {code}"
            )
            return 0
        if args.staff_command == "list":
            people = await service.list()
            if not people:
                print("No staff registered yet. Invite someone: kim-intake staff invite --help")
            zone = service.settings.zone
            for s in people:
                state = (
                    "active" if s.active else f"revoked {s.revoked_at.astimezone(zone):%Y-%m-%d}"
                )
                name = for_staff(s.name)  # a Telegram name may hold terminal control codes
                print(
                    f"{s.telegram_user_id:>14}  {name:<20} {s.role:<12} {s.team or '-':<12} {state}"
                )
            return 0
        if await service.revoke(args.telegram_user_id):
            print(f"Revoked: {args.telegram_user_id} can no longer act as staff.")
            return 0
        print(f"No active staff member with Telegram id {args.telegram_user_id}.")
        return 1

    return asyncio.run(_with_database(run))


def command_audit(args: argparse.Namespace) -> int:
    async def run(service: StaffService) -> int:
        zone = service.settings.zone
        entries = await service.audit_entries(args.case, args.limit)
        if not entries:
            print(
                "The audit log is empty." if args.case is None else f"Nothing for case {args.case}."
            )
        for e in entries:
            case = f"#{e.case_id}" if e.case_id is not None else "-"
            print(
                f"{e.at.astimezone(zone):%Y-%m-%d %H:%M:%S}  {e.actor:<18} {e.action:<16} "
                f"{case:<7} {e.detail}"
            )
        return 0

    return asyncio.run(_with_database(run))
