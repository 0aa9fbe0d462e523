"""Cases: flagged answers become a case for a caseworker team, taken over, talked through, closed.

A finished questionnaire that raises flags opens a case (or joins the person's open one) in the
same transaction that finishes the interview. Its German notice goes to the team's group from
the stored codes, once: the case row is claimed for sending, and a sender that died with it in
hand is replaced after a lease. Caseworkers of that team take it over, read the details in their
private chat, write to the person through the bot and close it with an outcome. An unclaimed case
is raised again in the group after the configured hours (urgent sooner); the times live in the
case rows, and a periodic job of bot/scheduler.py looks for them.

Every staff action and every view of answers is written to the audit log. Staff texts are German;
what the person reads is in their language.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.casework import lifecycle, opening, policy, texts
from bot.casework.staff import actor
from bot.casework.texts import (
    ERASED,
    CaseView,
    Keys,
    Notice,
    cases_text,
    claimed_text,
    contact_ended_text,
    details_text,
    notice_buttons,
    notice_text,
    outcome_buttons,
    person_name,
    reminder_text,
    reply_text,
    team_of,
)
from bot.core.i18n import N_, Msg, translator
from bot.core.service import Event, FlowService, Person, after_commit
from bot.flows import engine
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
from storage import casework as store
from storage import interviews, respondents
from storage.casework import Case, Staff
from storage.models import Interview, Respondent
from storage.types import CaseStatus

log = logging.getLogger(__name__)

NOTICE_LEASE = timedelta(minutes=5)

# What the person reads (translated into their language).
FROM_CASEWORKER = N_(
    "Nachricht von Ihrer Fallmanagerin oder Ihrem Fallmanager beim Kommunalen "
    "Integrationsmanagement {city}:"
)
HOW_TO_ANSWER = N_(
    "Sie können hier antworten. Ihre Antwort geht nur an Ihre Fallmanagerin oder Ihren Fallmanager."
)
END_CONTACT = N_("Kontakt beenden")
CONTACT_ENDED = N_(
    "Der Kontakt ist beendet. Ihre Fallmanagerin oder Ihr Fallmanager schreibt Ihnen nicht mehr. "
    "Ihre Antworten bleiben gespeichert; /delete löscht alles."
)
DELIVERED = N_("✓ Ihre Nachricht ist angekommen.")
NOT_DELIVERED = N_("Ihre Nachricht kam nicht an. Bitte versuchen Sie es später noch einmal.")

STAFF = "de"  # staff read German
AUDIT_NAMES = {ClaimCase: "claim", ShowDetails: "details", AskOutcome: "close",
               CloseCase: "outcome", ShowNotice: "back"}  # fmt: skip


@dataclass(frozen=True)
class Relay:
    """A message to pass on: to whom, in which language, with which case (the person's name is
    cleaned for staff)."""

    case_id: int
    chat_id: int
    language: str
    first_name: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "first_name", person_name(self.first_name))


class Casework(FlowService):
    _bell: asyncio.Event | None = None  # rung when there are notices to send

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
        case, added = await opening.handover(
            session, self.settings.teams, self.flow, self.clock(), respondent, interview, flags
        )
        if added:
            after_commit(session, self.wake)
        return case

    # --- Notices in the team's group ----------------------------------------------------------

    async def claim_notices(self) -> list[int]:
        async with self.transaction() as session:
            return await store.claim_notices(session, self.clock(), NOTICE_LEASE)

    async def notice(self, case_id: int) -> Notice | None:
        """The notice to send (or to bring up to date in place) for a claimed case."""
        async with self.sessions() as session:
            view = await self.view(session, case_id)
        if view is None:
            return None
        case = view.case
        team = team_of(self.settings, case.team)
        if team is None:
            log.warning("case %s: no team %r in config.yaml; notice kept", case_id, case.team)
            return None
        in_place = case.notice_state == "editing" and case.notice_message_id is not None
        return Notice(
            team,
            notice_text(self.settings, self.flow, view),
            notice_buttons(case),
            (case.notice_chat_id, case.notice_message_id) if in_place else None,
        )

    async def notice_sent(self, case_id: int, chat_id: int, message_id: int | None) -> None:
        """Record the sent (or updated) notice. None: it failed, and is tried again after the
        lease, so a group the bot cannot write to is not hammered. Flags that joined the case
        meanwhile keep their own state, and the next round tells the team of them."""
        now = self.clock()
        async with self.transaction() as session:
            case = await store.get_case(session, case_id)
            if case is None:
                return
            in_hand = case.notice_state in ("sending", "editing")
            if message_id is None:
                if in_hand:
                    case.notice_claimed_at = now
                return
            if in_hand:
                case.notice_state = "sent"
            if message_id == case.notice_message_id and chat_id == case.notice_chat_id:
                await store.audit(session, now, "system", "notice_update", case.id)
                return
            case.notice_chat_id, case.notice_message_id = chat_id, message_id
            if case.status == CaseStatus.new:
                case.remind_at = now + self.unclaimed_after(case.priority)
            await store.audit(session, now, "system", "notice", case.id, f"team {case.team}")

    async def redactions(self) -> list[tuple[int, int, str]]:
        """Group notices of erased cases, to overwrite: (chat, message, text)."""
        async with self.transaction() as session:
            taken = await store.take_redactions(session)
        return [(chat, message, ERASED.format(case=case)) for case, chat, message in taken]

    def unclaimed_after(self, priority: str) -> timedelta:
        hours = (
            self.settings.casework.urgent_unclaimed_after_hours
            if priority == "urgent"
            else self.settings.casework.unclaimed_after_hours
        )
        return timedelta(hours=hours)

    async def due_reminders(self, now: datetime) -> list[tuple[int, int, str]]:
        """Unclaimed cases to raise again: (chat, notice message, text); each once per period."""
        due = []
        async with self.transaction() as session:
            for case in await store.claim_reminders(session, now):
                case.remind_at = now + self.unclaimed_after(case.priority)
                case.reminders += 1
                text = reminder_text(case, now)
                due.append((case.notice_chat_id, case.notice_message_id, text))
                await store.audit(session, now, "system", "reminder", case.id, f"#{case.reminders}")
        return due

    # --- Reading a case ---------------------------------------------------------------------------

    async def view(self, session: AsyncSession, case_id: int) -> CaseView | None:
        case = await store.get_case(session, case_id)
        if case is None:
            return None
        respondent = await session.get(Respondent, case.respondent_id)
        stored = (
            await interviews.load_answers(session, case.interview_id) if case.interview_id else {}
        )
        assignee = await session.get(Staff, case.assignee_id) if case.assignee_id else None
        return CaseView(
            case=case,
            flags=await store.flags_of(session, case.id),
            first_name=(respondent.first_name if respondent else None) or "—",
            chat_id=respondent.chat_id if respondent else None,
            answers={q: (row.code, row.skipped) for q, row in stored.items()},
            assignee=assignee,
        )

    # --- Staff actions ----------------------------------------------------------------------------

    async def act(
        self, user_id: int, action: CaseAction, event: Event, pressed_in_group: bool = True
    ) -> Reply:
        """A caseworker pressed a case button (in the group, or in their private chat) or typed
        its command: what to show them (privately), which notice to draw again, the toast."""
        now = self.clock()
        async with self.transaction(event) as session:
            view = await self.view(session, action.case_id)
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
                    details = details_text(self.settings, self.flow, view)
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
                await store.remember_messages(session, case_id, chat_id, message_ids)

    async def case_of_message(self, chat_id: int, message_id: int) -> int | None:
        """The case a bot message is about (its notice, or one noted by `remember`), or None."""
        async with self.sessions() as session:
            return await store.case_of_message(session, chat_id, message_id)

    async def my_cases(self, user_id: int) -> str | None:
        """/cases: a caseworker's open cases (None: not staff)."""
        async with self.sessions() as session:
            staff = await store.active_staff(session, user_id)
            if staff is None:
                return None
            cases = await store.cases_of(session, staff.id)
        return cases_text(self.settings, cases)

    # --- Messages between caseworker and person ---------------------------------------------------

    async def to_person(self, user_id: int, case_id: int, event: Event) -> Relay | str:
        """A caseworker writes to the person of a case: where to, or why not (German)."""
        now = self.clock()
        async with self.transaction(event) as session:
            view = await self.view(session, case_id)
            staff = await store.active_staff(session, user_id)
            if view is None or staff is None:
                return texts.UNKNOWN_CASE if staff is not None else texts.NOT_YOUR_TEAM
            case = view.case
            if not policy.may_write(case, staff):
                await store.audit(session, now, actor(staff), "denied", case.id, "write")
                return texts.ONLY_OWN_CASES
            if not case.contact_open:
                return texts.CONTACT_CLOSED.format(name=view.first_name)
            if view.chat_id is None:
                return texts.UNKNOWN_CASE
            await store.audit(session, now, actor(staff), "message_to_person", case.id)
            return Relay(case.id, view.chat_id, case.language, view.first_name)

    async def contact_of(self, person: Person, replying: bool) -> bool:
        """Does a typed message of this person go to their caseworker?

        Yes when a caseworker has their case and the contact is open, and the person either
        answers a caseworker's message or is not in the middle of the questionnaire.
        """
        async with self.sessions() as session:
            found = await self._contact(session, person)
            if found is None:
                return False
            if replying:
                return True
            current = await interviews.current_interview(session, found[0].respondent_id)
            return current is None or current.status != "in_progress"

    async def _contact(self, session: AsyncSession, person: Person) -> tuple[Case, Staff] | None:
        respondent = await respondents.find_respondent(session, person.channel, person.user_id)
        if respondent is None:
            return None
        case = await store.open_case_of(session, respondent.id)
        if case is None or case.status != CaseStatus.claimed or not case.contact_open:
            return None
        staff = await session.get(Staff, case.assignee_id) if case.assignee_id else None
        if staff is None or not staff.active:
            return None
        return case, staff

    async def from_person(
        self, person: Person, text: str, event: Event
    ) -> tuple[Relay, str] | None:
        """The person answers: the caseworker's chat and what they read (German, cleaned)."""
        now = self.clock()
        async with self.transaction(event) as session:
            found = await self._contact(session, person)
            if found is None:
                return None
            case, staff = found
            await store.audit(session, now, "person", "message_from_person", case.id)
            relay = Relay(case.id, staff.telegram_user_id, case.language, person.first_name or "")
            return relay, reply_text(case, person.first_name, text)

    async def end_contact(
        self, person: Person, case_id: int, event: Event
    ) -> tuple[str, tuple[int, str] | None]:
        """The person ends the contact: their language, and the caseworker's chat with what to
        tell them (None: nobody to tell)."""
        now = self.clock()
        async with self.transaction(event) as session:
            respondent = await respondents.find_respondent(session, person.channel, person.user_id)
            language = (respondent.language if respondent else None) or "de"
            case = await store.get_case(session, case_id)
            if respondent is None or case is None or case.respondent_id != respondent.id:
                return language, None
            if not lifecycle.end_contact(case, now):
                return language, None
            await store.audit(session, now, "person", "contact_ended", case.id)
            staff = await session.get(Staff, case.assignee_id) if case.assignee_id else None
            if staff is None or not staff.active:
                return language, None
            told = contact_ended_text(case.id, person.first_name)
            return language, (staff.telegram_user_id, told)

    def person_text(self, language: str, text: str) -> str:
        """A caseworker's message as the person reads it: a line in their language, then it."""
        tr = translator(language)
        header = tr(Msg(FROM_CASEWORKER, args={"city": self.settings.city}))
        return f"{header}\n\n{text}\n\n{tr(Msg(HOW_TO_ANSWER))}"

    # --- Periodic jobs ----------------------------------------------------------------------------

    def wake(self) -> None:
        """New notices to send, or notices to overwrite (after a commit)."""
        if self._bell is not None:
            self._bell.set()

    async def run(self, stop: asyncio.Event, send_notices: Callable) -> None:
        """Send notices as soon as cases open (the bell), and at least every minute."""
        self._bell = bell = asyncio.Event()
        while not stop.is_set():
            try:
                await send_notices()
            except Exception:  # a failed round must not end the loop; the next one retries
                log.exception("sending case notices failed")
            waiters = [asyncio.create_task(bell.wait()), asyncio.create_task(stop.wait())]
            await asyncio.wait(waiters, timeout=60, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
            bell.clear()
