"""Providers' invitations, the coordinators' /review of submitted entries, and the word to the
provider: "Ihr Eintrag ist freigegeben" goes out through the outbox as the kind `entry_decided`.

    kim-intake providers invite --org "Name"  ──code──▶  /provider CODE (bot/intake/providers.py)
    survey answered ──▶ directory.submit ──▶ /review ──Freigeben──▶ directory.approve ──▶ provider
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import timedelta

from bot.core.codes import code_hash, new_code
from bot.core.config import Settings
from bot.core.service import Clock, Event, SettingsService, after_commit, utc_now
from bot.offers.directory import Directory, DirectoryError, Submission
from bot.outbox.sender import Claim, Kind
from bot.outbox.transport import Outgoing
from bot.providers import texts
from bot.ui.model import Button, DecideEntry, Reply, Screen
from storage import casework as staff_store
from storage import deliveries
from storage.providers import ProviderInvitation

DECIDED = "entry_decided"
ORGANISATION_MAX = 200
REVIEW_SHOWN = 10  # submissions shown by one /review (one message each), the oldest first
PROVIDER = "provider:"  # a submission's provider: "provider:<respondent id>"

IsCoordinator = Callable[[int], Awaitable[bool]]


class ProviderDesk(SettingsService):
    """What coordinators do with providers (see the module docstring)."""

    wake = staticmethod(lambda: None)  # the outbox has something new (set by the channel)

    def __init__(
        self,
        sessions,
        settings: Settings,
        directory: Directory,
        is_coordinator: IsCoordinator,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(sessions, settings, clock)
        self.directory = directory
        self.is_coordinator = is_coordinator

    def kinds(self) -> dict[str, Kind]:
        return {DECIDED: Kind(compose_decided)}

    # --- Invitations ----------------------------------------------------------------------------

    async def invite(self, organisation: str, hours: float) -> tuple[str, int | None]:
        """A one-time code for the contact of `organisation`, and the directory's number of the
        organisation if it is there already (its entry is then updated)."""
        name = " ".join(organisation.split())
        if not name:
            raise ValueError("--org needs the organisation's name")
        if len(name) > ORGANISATION_MAX:
            raise ValueError(f"the name is longer than {ORGANISATION_MAX} characters")
        if hours <= 0:
            raise ValueError("--hours must be more than 0")
        known = await self.directory.organisations()
        existing = next(
            (oid for oid, org in known.items() if org.name.casefold() == name.casefold()), None
        )
        code = new_code()
        now = self.clock()
        async with self.transaction() as session:
            session.add(
                ProviderInvitation(
                    code_hash=code_hash(code),
                    organisation=name,
                    organisation_id=existing,
                    created_at=now,
                    expires_at=now + timedelta(hours=hours),
                )
            )
            detail = f"Organisation {existing}" if existing else "neue Organisation"
            await staff_store.audit(session, now, "cli", "provider_invite", detail=detail)
        return code, existing

    # --- /review --------------------------------------------------------------------------------

    async def review(self, user_id: int) -> Reply:
        """Every pending submission with its summary and the buttons Freigeben / Ablehnen."""
        if not await self.is_coordinator(user_id):
            return _say(texts.REFUSAL)
        pending = await self.directory.pending()
        if not pending:
            return _say(texts.NOTHING_PENDING)
        screens = [Screen((texts.PENDING.format(count=len(pending)),))]
        for submission in pending[:REVIEW_SHOWN]:
            buttons = (
                Button(texts.APPROVE, DecideEntry(submission.id, True)),
                Button(texts.REJECT, DecideEntry(submission.id, False)),
            )
            screens.append(Screen((self._summary(submission),), (buttons,)))
        if len(pending) > REVIEW_SHOWN:
            screens.append(Screen((texts.MORE.format(count=len(pending) - REVIEW_SHOWN),)))
        return Reply("de", messages=tuple(screens))

    async def decide(self, user_id: int, action: DecideEntry, event: Event) -> Reply:
        """Freigeben or Ablehnen: the directory decides, the provider hears of it."""
        now = self.clock()
        if not await self.is_coordinator(user_id):
            async with self.transaction(event) as session:
                await staff_store.audit(session, now, f"telegram:{user_id}", "denied",
                                        detail=f"Einreichung {action.submission_id}")  # fmt: skip
            return Reply("de", toast=texts.REFUSAL)
        submission = next(
            (s for s in await self.directory.pending() if s.id == action.submission_id), None
        )
        by = await self._actor(user_id)
        try:
            if action.approve:
                await self.directory.approve(action.submission_id, by=by)
            else:
                await self.directory.reject(action.submission_id, by=by)
        except DirectoryError as refused:
            return Reply("de", toast=str(refused)[:200])
        assert submission is not None  # pending a moment ago, else the directory had refused
        async with self.transaction(event) as session:
            respondent_id = _provider_id(submission.provider)
            if respondent_id is not None:
                body = json.dumps({"approved": action.approve})
                await deliveries.enqueue(session, DECIDED, str(submission.id), now,
                                         respondent_id=respondent_id, body=body)  # fmt: skip
                after_commit(session, self.wake)
        decided = texts.APPROVED if action.approve else texts.REJECTED
        return Reply("de", retire=Screen((self._summary(submission), decided)))

    async def _actor(self, user_id: int) -> str:
        async with self.sessions() as session:
            staff = await staff_store.active_staff(session, user_id)
        return f"staff:{staff.id}" if staff is not None else f"telegram:{user_id}"

    def _summary(self, submission: Submission) -> str:
        return texts.entry_summary(
            submission.id,
            submission.entry,
            submission.organisation_id,
            submission.submitted_at,
            self.settings.timezone,
        )


async def compose_decided(session, claim: Claim) -> Outgoing:
    approved = json.loads(claim.body or "{}").get("approved", False)
    text = texts.TO_PROVIDER_APPROVED if approved else texts.TO_PROVIDER_REJECTED
    return Outgoing("de", Screen((text,)))


def _provider_id(provider: str) -> int | None:
    number = provider.removeprefix(PROVIDER)
    return int(number) if provider.startswith(PROVIDER) and number.isdigit() else None


def _say(text: str) -> Reply:
    return Reply("de", messages=(Screen((text,)),))
