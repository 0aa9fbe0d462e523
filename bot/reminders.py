"""Reminders for people who paused the questionnaire: after a while, a few times, never at night."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.i18n import N_, Msg
from bot.core.service import SettingsService
from bot.outbox.sender import Defer, Outgoing, Skip
from bot.ui.model import Button, Resume, Screen
from storage import audience, deliveries
from storage.deliveries import Claim
from storage.types import DeliveryStatus, InterviewStatus

REMINDER = N_(
    "Sie haben unseren Fragebogen angefangen, aber noch nicht beendet. Möchten Sie "
    "weitermachen? Es geht dort weiter, wo Sie aufgehört haben."
)
CONTINUE = N_("▶️ Weitermachen")
STOP_HINT = N_("Keine Erinnerungen mehr? Schreiben Sie /stop.")


class Reminders(SettingsService):
    """Finds paused questionnaires and puts reminders into the outbox; composes them when sent."""

    @property
    def after(self) -> timedelta:
        return timedelta(hours=self.settings.reminders.after_hours)

    def quiet(self, moment: datetime) -> bool:
        """Inside the quiet hours (local time of the city)?"""
        hours = self.settings.reminders.quiet_hours
        local = moment.astimezone(self.settings.zone).time()
        if hours.start == hours.end:
            return False
        if hours.start < hours.end:
            return hours.start <= local < hours.end
        return local >= hours.start or local < hours.end

    def next_allowed(self, moment: datetime) -> datetime:
        """`moment`, or the end of the quiet hours it falls into."""
        if not self.quiet(moment):
            return moment
        zone = self.settings.zone
        local = moment.astimezone(zone)
        end: time = self.settings.reminders.quiet_hours.end
        day = local.date() if local.time() < end else local.date() + timedelta(days=1)
        return datetime.combine(day, end, tzinfo=zone).astimezone(moment.tzinfo)

    async def scan(self, now: datetime | None = None) -> int:
        """Enqueue the reminders that are due now (a periodic job); returns how many."""
        now = now or self.clock()
        limit = self.settings.reminders.max_count
        if limit == 0:
            return 0
        added = 0
        async with self.transaction() as session:
            for paused in await audience.paused_interviews(session, now - self.after):
                if paused.reminders >= limit:
                    continue
                if paused.last_reminder is not None and paused.last_reminder > now - self.after:
                    continue
                ref = f"{paused.interview_id}:{paused.next_number}"
                due = self.next_allowed(now)
                added += await deliveries.enqueue_message(
                    session, paused.respondent_id, "reminder", ref, due, now
                )
        return added

    async def compose(self, session: AsyncSession, claim: Claim) -> Outgoing | Skip | Defer:
        """The sender's composer for kind "reminder": still paused, not at night, with a button."""
        interview_id = int(claim.ref.split(":", 1)[0])
        state = await audience.interview_state(session, interview_id)
        if state is None or state[0] != InterviewStatus.in_progress:
            return Skip(DeliveryStatus.CANCELLED, "questionnaire finished or erased")
        if state[1] > claim.created_at:
            return Skip(DeliveryStatus.CANCELLED, "the person came back")
        now = self.clock()
        if self.quiet(now):
            return Defer(self.next_allowed(now))
        screen = Screen(
            (Msg(REMINDER), Msg(STOP_HINT)),
            ((Button(Msg(CONTINUE), Resume(interview_id)),),),
        )
        return Outgoing(claim.language or "de", screen)
