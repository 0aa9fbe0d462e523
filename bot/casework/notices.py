"""Case notices in the team's group, all through the outbox (bot/outbox/sender.py).

- A case that opens puts its notice in the outbox (the delivery "notice", ref = case number),
  in the transaction that opens it; flags that join the case arm the same delivery again.
  Composing reads the case as it is at that moment: a notice not yet in the group is sent, one
  in the group is drawn again in place (sent anew if it was deleted there), or followed by a new
  one when the flags made the case more pressing (bot/casework/opening.py decides which).
- Settling records the message on the case, so that a caseworker's reply to it finds the case,
  and starts the unclaimed-case clock. A group that refuses the notice is asked again every few
  minutes: a case is never given up on its way to the team.
- An unclaimed case is raised again in the group after the configured hours (urgent sooner),
  as an answer to its notice ("unclaimed", ref = case and round).
- The notice of an erased case is overwritten ("redaction"; storage/casework.py puts it in the
  outbox in the transaction that erases the case).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.casework.texts import (
    ERASED,
    CaseView,
    notice_buttons,
    notice_text,
    reminder_text,
    team_of,
)
from bot.core.config import Settings
from bot.core.service import Clock
from bot.flows.schema import Flow
from bot.outbox.sender import Claim, Defer, Kind, Settlement, Skip
from bot.outbox.transport import Outgoing
from bot.ui.model import Screen
from storage import case_messages, deliveries, interviews
from storage import casework as store
from storage.casework import Case, Staff
from storage.models import Respondent
from storage.types import CaseStatus, DeliveryStatus, NoticeState

log = logging.getLogger(__name__)

STAFF = "de"  # staff read German
NOTICE, UNCLAIMED, REDACTION = "notice", "unclaimed", store.REDACTION
ASK_AGAIN = timedelta(minutes=5)  # a group that refused a notice, or a team not in config.yaml


async def case_view(session: AsyncSession, case_id: int | None) -> CaseView | None:
    """A case with what staff texts show of it (flags, the person's name and answers)."""
    case = await store.get_case(session, case_id) if case_id is not None else None
    if case is None:
        return None
    respondent = await session.get(Respondent, case.respondent_id)
    stored = await interviews.load_answers(session, case.interview_id) if case.interview_id else {}
    assignee = await session.get(Staff, case.assignee_id) if case.assignee_id else None
    return CaseView(
        case=case,
        flags=await store.flags_of(session, case.id),
        first_name=(respondent.first_name if respondent else None) or "—",
        chat_id=respondent.chat_id if respondent else None,
        answers={q: (row.code, row.skipped) for q, row in stored.items()},
        assignee=assignee,
        channel=respondent.channel if respondent else "telegram",
    )


async def arm(
    session: AsyncSession,
    settings: Settings,
    case: Case,
    now: datetime,
    due: datetime | None = None,
) -> None:
    """The team is to see the case (anew): its notice goes (again) through the outbox."""
    team = team_of(settings, case.team)
    await deliveries.enqueue(
        session,
        NOTICE,
        str(case.id),
        now,
        respondent_id=case.respondent_id,
        chat_id=team.chat_id if team else 0,
        case_id=case.id,
        due=due,
        again=True,
    )


class Notices:
    """The outbox kinds of casework's group messages: how each is composed and settled."""

    def __init__(self, settings: Settings, flow: Flow, clock: Clock) -> None:
        self.settings = settings
        self.flow = flow
        self.clock = clock

    def kinds(self) -> dict[str, Kind]:
        return {
            NOTICE: Kind(self.compose_notice, self.notice_settled),
            UNCLAIMED: Kind(self.compose_reminder, remember),
            REDACTION: Kind(compose_redaction),
        }

    def unclaimed_after(self, priority: str) -> timedelta:
        casework = self.settings.casework
        urgent = priority == "urgent"
        hours = casework.urgent_unclaimed_after_hours if urgent else casework.unclaimed_after_hours
        return timedelta(hours=hours)

    async def compose_notice(self, session: AsyncSession, claim: Claim) -> Outgoing | Skip | Defer:
        view = await case_view(session, claim.case_id)
        if view is None:
            return Skip(DeliveryStatus.CANCELLED, "case erased")
        case = view.case
        if case.notice_state == NoticeState.SHOWN:
            return Skip(DeliveryStatus.CANCELLED, "shown as it is")
        team = team_of(self.settings, case.team)
        if team is None:
            log.warning("case %s: no team %r in config.yaml; notice kept", case.id, case.team)
            return Defer(self.clock() + ASK_AGAIN)
        screen = Screen((notice_text(self.settings, self.flow, view),), notice_buttons(case))
        in_place = case.notice_state == NoticeState.OUTDATED and case.notice_message_id
        if in_place:
            chat, message = case.notice_chat_id, case.notice_message_id
            return Outgoing(STAFF, screen, chat_id=chat, edit=message, or_send=True)
        return Outgoing(STAFF, screen, chat_id=team.chat_id)

    async def notice_settled(self, done: Settlement) -> None:
        claim = done.claim
        case = await store.get_case(done.session, claim.case_id) if claim.case_id else None
        if case is None or done.message is None:
            return
        now = self.clock()
        if done.delivered is None:
            log.warning("case %s: the team's group refused the notice; asking again", case.id)
            await arm(done.session, self.settings, case, now, due=now + ASK_AGAIN)
            return
        await remember(done)
        case.notice_state = NoticeState.SHOWN
        shown = (done.chat_id, done.delivered.message_id)
        if shown == (case.notice_chat_id, case.notice_message_id):
            await store.audit(done.session, now, "system", "notice_update", case.id)
            return
        case.notice_chat_id, case.notice_message_id = shown
        if case.status == CaseStatus.new:
            case.remind_at = now + self.unclaimed_after(case.priority)
        await store.audit(done.session, now, "system", "notice", case.id, f"team {case.team}")

    async def raise_unclaimed(self, session: AsyncSession, now: datetime) -> int:
        """Unclaimed cases whose time has come are raised again in the group, each once per
        period; returns how many."""
        due = await store.claim_reminders(session, now)
        for case in due:
            case.remind_at = now + self.unclaimed_after(case.priority)
            case.reminders += 1
            await deliveries.enqueue(
                session,
                UNCLAIMED,
                f"{case.id}:{case.reminders}",
                now,
                respondent_id=case.respondent_id,
                chat_id=case.notice_chat_id,
                message_id=case.notice_message_id,
                case_id=case.id,
            )
            await store.audit(session, now, "system", "reminder", case.id, f"#{case.reminders}")
        return len(due)

    async def compose_reminder(self, session: AsyncSession, claim: Claim) -> Outgoing | Skip:
        case = await store.get_case(session, claim.case_id) if claim.case_id else None
        if case is None or case.status != CaseStatus.new:
            return Skip(DeliveryStatus.CANCELLED, "taken over or erased meanwhile")
        text = reminder_text(case, self.clock())
        return Outgoing(STAFF, Screen((text,)), reply_to=claim.message_id)


async def compose_redaction(session: AsyncSession, claim: Claim) -> Outgoing:
    return Outgoing(STAFF, Screen((ERASED.format(case=claim.case_id),)), edit=claim.message_id)


async def remember(done: Settlement) -> None:
    """A bot message to staff about a case: a reply to it is about the case."""
    claim, delivered, chat = done.claim, done.delivered, done.chat_id
    if delivered is not None and claim.case_id is not None and not claim.to_person:
        assert chat is not None
        await case_messages.remember_messages(
            done.session, claim.case_id, chat, delivered.message_ids
        )
