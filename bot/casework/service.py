"""Cases: flagged answers become a case for a caseworker team, taken over, talked through, closed.

A finished questionnaire that raises flags opens a case (or joins the person's open one) in the
same transaction that finishes the interview, and puts its German notice for the team's group
in the outbox (bot/casework/notices.py). Caseworkers of that team take it over, read the details
in their private chat, write to the person through the bot (bot/casework/contact.py) and close
it with an outcome. An unclaimed case is raised again in the group after the configured hours
(urgent sooner); a periodic job of bot/scheduler.py looks for them.

Every staff action and every view of answers is written to the audit log. Staff texts are German;
what the person reads is in their language.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from bot.casework import lifecycle, notices, opening, policy, texts
from bot.casework.notices import STAFF, Notices, case_view
from bot.casework.offers import offer_lines
from bot.casework.staff import actor
from bot.casework.texts import (
    CaseView,
    Keys,
    cases_text,
    claimed_text,
    details_text,
    notice_buttons,
    notice_text,
    outcome_buttons,
)
from bot.core.service import Event, FlowService, after_commit
from bot.flows import engine
from bot.offers.model import Offer, Organisation
from bot.offers.source import OfferSource
from bot.outbox.sender import Kind
from bot.ui.model import (
    AskOutcome,
    CaseAction,
    ClaimCase,
    CloseCase,
    Edit,
    Reply,
    Screen,
    ShowDetails,
    ShowNotice,
)
from storage import case_messages, deliveries
from storage import casework as store
from storage.casework import Case
from storage.models import Interview, Respondent

log = logging.getLogger(__name__)

AUDIT_NAMES = {ClaimCase: "claim", ShowDetails: "details", AskOutcome: "close",
               CloseCase: "outcome", ShowNotice: "back"}  # fmt: skip


class Casework(FlowService):
    wake = staticmethod(lambda: None)  # the outbox has something new (set by the channel)
    offers: OfferSource | None = None  # the directory, for the offers in the details

    @cached_property
    def notices(self) -> Notices:
        return Notices(self.settings, self.flow, self.clock)

    def kinds(self) -> dict[str, Kind]:
        """The outbox kinds of casework's messages to the team's group."""
        return self.notices.kinds()

    # --- Opening cases (the conversation's handover hook) -----------------------------------------

    async def handover(
        self,
        session: AsyncSession,
        respondent: Respondent,
        interview: Interview,
        flags: list[engine.Flag],
    ) -> Case:
        """Open the person's case, or add new flags to the open one, in the caller's transaction
        (see bot/casework/opening.py); the team hears of new flags after the commit."""
        now = self.clock()
        known = await store.open_case_of(session, respondent.id)
        if known is not None:  # its notice's delivery first, as the sender takes them
            await deliveries.hold(session, notices.NOTICE, str(known.id), respondent.id)
        case, added = await opening.handover(
            session, self.settings.teams, self.flow, now, respondent, interview, flags
        )
        if added:
            await notices.arm(session, self.settings, case, now)
            after_commit(session, self.wake)
        return case

    async def raise_unclaimed(self, now: datetime) -> int:
        """A periodic job: unclaimed cases whose time has come are raised again in the group."""
        async with self.transaction() as session:
            raised = await self.notices.raise_unclaimed(session, now)
            if raised:
                after_commit(session, self.wake)
        return raised

    # --- Reading a case ---------------------------------------------------------------------------

    # --- Staff actions ----------------------------------------------------------------------------

    async def act(
        self, user_id: int, action: CaseAction, event: Event, pressed_in_group: bool = True
    ) -> Reply:
        """A caseworker pressed a case button (in the group, or in their private chat) or typed
        its command: what to show them (privately), which notice to draw again, the toast."""
        now = self.clock()
        directory = await self._directory() if isinstance(action, ShowDetails) else None
        async with self.transaction(event) as session:
            view = await case_view(session, action.case_id)
            if view is None:
                return Reply(STAFF, toast=texts.UNKNOWN_CASE)
            case = view.case
            staff = await store.active_staff(session, user_id)
            if not policy.is_caseworker_of(staff, case.team):
                detail = AUDIT_NAMES[type(action)]
                await store.audit(session, now, f"telegram:{user_id}", "denied", case.id, detail)
            refused = policy.refusal(action, view, staff)
            if refused is not None:
                return Reply(STAFF, toast=refused)
            assert staff is not None
            who = actor(staff)
            match action:
                case ShowDetails():
                    await store.audit(session, now, who, "view_answers", case.id)
                    assert directory is not None
                    found = offer_lines(self.settings, self.flow, view.answers, *directory)
                    details = details_text(self.settings, self.flow, view, found)
                    return Reply(STAFF, messages=(Screen((details,)),), toast=texts.DETAILS_SENT)
                case ClaimCase():
                    lifecycle.claim(case, staff, now)
                    await store.audit(session, now, who, "claim", case.id)
                    view = replace(view, case=case, assignee=staff)
                    return Reply(
                        STAFF,
                        messages=(Screen((claimed_text(view),)),),
                        toast=texts.CLAIMED.format(case=case.id),
                        edits=self._notice_edit(view),
                    )
                case AskOutcome():
                    keys = outcome_buttons(case.id)
                    if pressed_in_group:
                        return Reply(STAFF, edits=self._notice_edit(view, keys))
                    question = texts.ASK_OUTCOME.format(case=case.id)
                    return Reply(STAFF, messages=(Screen((question,), keys),))
                case ShowNotice():
                    return Reply(STAFF, edits=self._notice_edit(view))
                case CloseCase(outcome=outcome):
                    lifecycle.close(case, staff, outcome, now)
                    if view.assignee is None:
                        view = replace(view, assignee=staff)
                    await store.audit(session, now, who, "close", case.id, outcome)
                    done = texts.CLOSED.format(case=case.id, outcome=texts.OUTCOMES[outcome])
                    return Reply(
                        STAFF,
                        toast=done,
                        edits=self._notice_edit(view),
                        retire=None if pressed_in_group else Screen((done,)),
                    )
        return Reply(STAFF, toast=texts.UNKNOWN_CASE)

    async def _directory(self) -> tuple[tuple[Offer, ...], dict[int, Organisation]]:
        """The active offers and their organisations, read before the action's transaction."""
        if self.offers is None:
            return (), {}
        return await self.offers.active_offers(), await self.offers.organisations()

    def _notice_edit(self, view: CaseView, keys: Keys | None = None) -> tuple[Edit, ...]:
        """The case's notice drawn again (with other buttons: `keys`), if it is in the group."""
        case = view.case
        if case.notice_chat_id is None or case.notice_message_id is None:
            return ()
        text = notice_text(self.settings, self.flow, view)
        buttons = notice_buttons(case) if keys is None else keys
        return (Edit(case.notice_chat_id, case.notice_message_id, Screen((text,), buttons)),)

    async def remember(self, case_id: int, chat_id: int, message_ids: Sequence[int]) -> None:
        """Bot messages sent to staff about a case: a reply to one of them is about the case."""
        if message_ids:
            async with self.transaction() as session:
                await case_messages.remember_messages(session, case_id, chat_id, message_ids)

    async def case_of_message(self, chat_id: int, message_id: int) -> int | None:
        """The case a bot message is about (its notice, or one noted by `remember`), or None."""
        async with self.sessions() as session:
            return await case_messages.case_of_message(session, chat_id, message_id)

    async def my_cases(self, user_id: int) -> str | None:
        """/cases: a caseworker's open cases (None: not staff)."""
        async with self.sessions() as session:
            staff = await store.active_staff(session, user_id)
            if staff is None:
                return None
            cases = await store.cases_of(session, staff.id)
        return cases_text(self.settings, cases)
