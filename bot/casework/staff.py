"""Staff: who may act on cases and coordinate, one-time invitation codes, and the audit log.

The first coordinators are named in config.yaml by Telegram user id; everyone else joins with
a code from `kim-intake staff invite`, typed as `/register CODE` in a private chat with the bot.
Only a code's SHA-256 is stored, and a code works once, until it expires.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.casework import policy
from bot.core.config import Settings, load_settings
from bot.core.service import Event, SettingsService
from bot.ui.staff_text import for_staff
from storage import casework as store
from storage.casework import ROLES, Staff

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed by hand
CODE_LENGTH = 10
DEFAULT_VALID_HOURS = 72


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def code_hash(code: str) -> str:
    """Codes are compared without dashes, spaces and case, as people type them."""
    normal = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()


def actor(staff: Staff | None, telegram_user_id: int | None = None) -> str:
    if staff is not None:
        return f"staff:{staff.id}"
    return f"telegram:{telegram_user_id}" if telegram_user_id is not None else "system"


async def is_coordinator(session: AsyncSession, settings: Settings, telegram_user_id: int) -> bool:
    if telegram_user_id in settings.coordinators:
        return True
    staff = await store.active_staff(session, telegram_user_id)
    return policy.may_coordinate(settings, telegram_user_id, staff)


async def caseworker_of(session: AsyncSession, telegram_user_id: int, team: str) -> Staff | None:
    """The active caseworker of `team` with this Telegram id, or None."""
    staff = await store.active_staff(session, telegram_user_id)
    return staff if policy.is_caseworker_of(staff, team) else None


@dataclass(frozen=True)
class Registered:
    ok: bool
    text: str


class StaffService(SettingsService):
    """Who is staff, invitations and registration, and the audit log's reading."""

    async def is_staff(self, telegram_user_id: int) -> bool:
        """Active staff of any role (caseworker or registered coordinator)."""
        async with self.sessions() as session:
            return policy.is_staff(await store.active_staff(session, telegram_user_id))

    async def is_coordinator(self, telegram_user_id: int) -> bool:
        async with self.sessions() as session:
            return await is_coordinator(session, self.settings, telegram_user_id)

    async def invite(self, role: str, team: str | None, hours: float) -> str:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; known: {', '.join(ROLES)}")
        teams = {t.id for t in self.settings.teams}
        if role == "caseworker" and team not in teams:
            known = ", ".join(sorted(teams)) or "none in config.yaml"
            raise ValueError(f"a caseworker needs --team, one of: {known}")
        if role == "coordinator" and team is not None:
            raise ValueError("coordinators belong to no team; leave out --team")
        code = new_code()
        now = self.clock()
        async with self.transaction() as session:
            session.add(
                store.Invitation(
                    code_hash=code_hash(code),
                    role=role,
                    team=team,
                    created_at=now,
                    expires_at=now + timedelta(hours=hours),
                )
            )
            await store.audit(session, now, "cli", "invite", detail=f"{role} {team or ''}".strip())
        return code

    async def register(self, user_id: int, first_name: str, code: str, event: Event) -> Registered:
        now = self.clock()
        async with self.transaction(event) as session:
            invitation = await store.take_invitation(session, code_hash(code), now)
            if invitation is None:
                await store.audit(session, now, f"telegram:{user_id}", "register_refused")
                return Registered(False, REGISTER_REFUSED)
            staff = await store.staff_by_user(session, user_id)
            if staff is None:
                staff = Staff(telegram_user_id=user_id, name=first_name[:64] or "?",
                              role=invitation.role, created_at=now)  # fmt: skip
                session.add(staff)
            staff.role, staff.team = invitation.role, invitation.team
            staff.active, staff.revoked_at = True, None
            await session.flush()
            invitation.used_by = staff.id
            detail = f"{staff.role} {staff.team or ''}".strip()
            await store.audit(session, now, actor(staff), "register", detail=detail)
        team = self._team_name(staff.team)
        where = f" im Team „{team}“" if team else ""
        role = "Fallmanagerin/Fallmanager" if staff.role == "caseworker" else "Koordination"
        return Registered(True, REGISTERED.format(role=role, where=where))

    def _team_name(self, team_id: str | None) -> str | None:
        return next((t.name for t in self.settings.teams if t.id == team_id), team_id)

    async def list(self) -> list[Staff]:
        async with self.sessions() as session:
            return await store.list_staff(session)

    async def revoke(self, telegram_user_id: int) -> bool:
        now = self.clock()
        async with self.transaction() as session:
            staff = await store.staff_by_user(session, telegram_user_id)
            if staff is None or not staff.active:
                return False
            staff.active, staff.revoked_at = False, now
            await store.audit(session, now, "cli", "revoke", detail=f"staff:{staff.id}")
        return True

    async def audit_entries(self, case_id: int | None, limit: int):
        async with self.sessions() as session:
            return await store.audit_entries(session, case_id, limit)


REGISTER_REFUSED = (
    "Dieser Code gilt nicht (falsch, schon benutzt oder abgelaufen). "
    "Bitte fragen Sie die Koordination nach einem neuen Code."
)
REGISTERED = (
    "Willkommen! Sie sind jetzt als {role}{where} eingetragen.\n"
    "/cases zeigt Ihre offenen Fälle. Neue Fälle erscheinen in der Gruppe Ihres Teams."
)


# --- Command line -------------------------------------------------------------------------------


def add_commands(subparsers) -> None:
    staff = subparsers.add_parser(
        "staff", help="caseworkers and coordinators: invite, list, revoke"
    )
    actions = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    invite = actions.add_parser("invite", help="print a one-time code for /register")
    invite.add_argument("--role", required=True, choices=ROLES)
    invite.add_argument("--team", help="the caseworker's team id (config.yaml teams)")
    invite.add_argument(
        "--hours", type=float, default=DEFAULT_VALID_HOURS,
        help=f"how long the code works (default {DEFAULT_VALID_HOURS})",
    )  # fmt: skip
    actions.add_parser("list", help="every staff member with role, team and state")
    revoke = actions.add_parser("revoke", help="take away someone's staff rights")
    revoke.add_argument("telegram_user_id", type=int)

    audit = subparsers.add_parser("audit", help="print the audit log (who did what, when)")
    audit.add_argument("--case", type=int, help="only this case number")
    audit.add_argument("--limit", type=int, default=200, help="the latest N entries (default 200)")


def _service() -> StaffService:
    from storage.db import create_engine, session_factory

    settings = load_settings()
    return StaffService(session_factory(create_engine(settings.database_url)), settings)


async def _with_database(run) -> int:
    from storage.migrate import upgrade_async

    service = _service()
    await upgrade_async(service.settings.database_url)
    try:
        return await run(service)
    finally:
        await service.sessions.kw["bind"].dispose()


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
                print(f"{s.telegram_user_id:>14}  {name:<20} {s.role:<12} {s.team or '-':<12} "
                      f"{state}")  # fmt: skip
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
            print(f"{e.at.astimezone(zone):%Y-%m-%d %H:%M:%S}  {e.actor:<18} {e.action:<16} "
                  f"{case:<7} {e.detail}")  # fmt: skip
        return 0

    return asyncio.run(_with_database(run))
