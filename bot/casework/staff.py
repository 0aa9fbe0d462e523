"""Staff: who may act on cases and coordinate, one-time invitation codes, and the audit log.

The first coordinators are named in config.yaml by Telegram user id; everyone else joins with
a code from `kim-intake staff invite`, typed as `/register CODE` in a private chat with the bot.
Only a code's SHA-256 is stored, and a code works once, until it expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.casework import policy
from bot.core.codes import code_hash, new_code
from bot.core.config import Settings
from bot.core.service import Event, SettingsService
from storage import casework as store
from storage.casework import ROLES, Staff


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
