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
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.casework.staff import actor, caseworker_of
from bot.casework.texts import (
    OUTCOMES,
    CaseButton,
    CaseView,
    Notice,
    cases_text,
    claimed_text,
    contact_ended_text,
    details_text,
    notice_buttons,
    notice_text,
    person_name,
    reminder_text,
    reply_text,
    team_of,
)
from bot.core.config import Team
from bot.core.i18n import N_, Msg, translator
from bot.core.service import Event, FlowService, Person, after_commit
from bot.flows import engine
from bot.flows.schema import Priority, QuestionType
from storage import casework as store
from storage import interviews, respondents
from storage.casework import Case, Staff
from storage.models import Interview, Respondent

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

# What staff read (German).
NOT_YOUR_TEAM = (
    "Nur registrierte Fallmanager·innen dieses Teams können das. Es wurde nichts geändert."
)
NOT_ASSIGNEE = "Diesen Fall hat {name}. Nur diese Person kann ihn abschließen oder schreiben."
UNKNOWN_CASE = "Diesen Fall gibt es nicht (mehr)."
ALREADY_CLOSED = "Dieser Fall ist schon abgeschlossen."
ERASED = "Fall #{case}: Die Angaben wurden gelöscht (auf Wunsch der Person oder nach der Frist)."


@dataclass
class Outcome:
    """What the channel should do after a staff action."""

    toast: str | None = None
    notice: tuple[int, int, str, list[list[CaseButton]]] | None = None  # chat, message, text, keys
    private: list[tuple[int, str, list[list[CaseButton]]]] = field(default_factory=list)
    edit_pressed: str | None = None  # new text for the pressed message (outside the group)


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
        """Open the person's case, or add new flags to the open one, in the caller's transaction.

        The conversation calls this when engine.handover_flags says so: with the urgent flags as
        soon as they are answered, with every flag on submit. Flags the case has change nothing,
        so answering again, a redelivered update or a second replica never tell the team twice.
        """
        now = self.clock()
        district = await self._district(session, interview.id)
        case = await store.open_case_of(session, respondent.id)
        if case is None:
            team = route(self.settings.teams, flags, district, respondent.language or "de")
            case = await store.open_case(
                session,
                respondent_id=respondent.id,
                interview_id=interview.id,
                language=respondent.language or "de",
                district=district,
                priority=flags[0].priority.value,
                team=team.id if team else "",
                created_at=now,
                updated_at=now,
            )
        known = {f.rule_id for f in await store.flags_of(session, case.id)}
        added = [flag for flag in flags if flag.rule_id not in known]
        for flag in added:
            session.add(
                store.CaseFlag(
                    case_id=case.id,
                    rule_id=flag.rule_id,
                    question_id=flag.question_id,
                    field=flag.field,
                    priority=flag.priority.value,
                    reason=flag.reason[:200],
                    raised_at=now,
                )
            )
        if known and added:
            before = Priority(case.priority)
            top = max((before, *(f.priority for f in added)), key=lambda p: p.rank)
            case.notice_state = notice_after_new_flags(case, top.rank > before.rank)
            case.priority = top.value
            case.interview_id, case.district, case.updated_at = interview.id, district, now
        if added:
            after_commit(session, self.wake)
        return case

    async def _district(self, session: AsyncSession, interview_id: int | None) -> str | None:
        question = next((q for q in self.flow.questions if q.type is QuestionType.district), None)
        if question is None or interview_id is None:
            return None
        row = (await interviews.load_answers(session, interview_id)).get(question.id)
        return row.code if row is not None and not row.skipped else None

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
            if case.status == "new":
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
        self, user_id: int, action: str, case_id: int, value: str, event: Event,
        pressed_in_group: bool = True,
    ) -> Outcome:  # fmt: skip
        """A caseworker pressed a case button (in the group, or in their private chat)."""
        now = self.clock()
        async with self.transaction(event) as session:
            view = await self.view(session, case_id)
            if view is None:
                return Outcome(toast=UNKNOWN_CASE)
            case = view.case
            staff = await caseworker_of(session, user_id, case.team)
            if staff is None:
                await store.audit(session, now, f"telegram:{user_id}", "denied", case.id, action)
                return Outcome(toast=NOT_YOUR_TEAM)
            who = actor(staff)
            if action == "details":
                await store.audit(session, now, who, "view_answers", case.id)
                return Outcome(
                    toast="Die Angaben stehen in Ihrem privaten Chat mit dem Bot.",
                    private=[(user_id, details_text(self.settings, self.flow, view), [])],
                )
            if case.status == "closed":
                return Outcome(toast=ALREADY_CLOSED)
            if action == "claim":
                if case.status == "claimed":
                    owner = view.assignee_name or "jemand anderes"
                    return Outcome(toast=f"Schon übernommen von {owner}.")
                case.status, case.assignee_id, case.claimed_at = "claimed", staff.id, now
                case.remind_at, case.updated_at = None, now
                await store.audit(session, now, who, "claim", case.id)
                view = replace(view, case=case, assignee=staff)
                intro = claimed_text(view)
                return Outcome(
                    toast=f"Fall #{case.id} gehört jetzt Ihnen.",
                    notice=self._notice_edit(view),
                    private=[(user_id, intro, [])],
                )
            if case.status == "claimed" and case.assignee_id != staff.id:
                name = view.assignee_name or "jemand anderes"
                return Outcome(toast=NOT_ASSIGNEE.format(name=name))
            if action == "close":
                keys = [[CaseButton(f"✔️ {label}", "outcome", case.id, code)]
                        for code, label in OUTCOMES.items()]  # fmt: skip
                keys.append([CaseButton("↩️ Zurück", "back", case.id)])
                question = f"Fall #{case.id} abschließen – mit welchem Ergebnis?"
                if pressed_in_group:
                    text = notice_text(self.settings, self.flow, view)
                    return Outcome(notice=(case.notice_chat_id, case.notice_message_id, text, keys))
                return Outcome(private=[(user_id, question, keys)])
            if action == "back":
                return Outcome(notice=self._notice_edit(view))
            if action == "outcome" and value in OUTCOMES:
                case.status, case.outcome, case.closed_at = "closed", value, now
                case.contact_open, case.remind_at, case.updated_at = False, None, now
                if case.assignee_id is None:
                    case.assignee_id = staff.id
                    view = replace(view, assignee=staff)
                await store.audit(session, now, who, "close", case.id, value)
                done = f"Fall #{case.id} ist abgeschlossen: {OUTCOMES[value]}."
                return Outcome(
                    toast=done,
                    notice=self._notice_edit(view),
                    edit_pressed=None if pressed_in_group else done,
                )
        return Outcome(toast=UNKNOWN_CASE)

    def _notice_edit(self, view: CaseView) -> tuple[int, int, str, list[list[CaseButton]]] | None:
        case = view.case
        if case.notice_chat_id is None or case.notice_message_id is None:
            return None
        text = notice_text(self.settings, self.flow, view)
        return case.notice_chat_id, case.notice_message_id, text, notice_buttons(case)

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
                return UNKNOWN_CASE if staff is not None else NOT_YOUR_TEAM
            case = view.case
            if case.assignee_id != staff.id or case.status != "claimed":
                await store.audit(session, now, actor(staff), "denied", case.id, "write")
                return "Sie können nur Personen Ihrer übernommenen, offenen Fälle schreiben."
            if not case.contact_open:
                name = view.first_name
                return f"{name} hat den Kontakt beendet. Die Nachricht wurde nicht gesendet."
            if view.chat_id is None:
                return UNKNOWN_CASE
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
        if case is None or case.status != "claimed" or not case.contact_open:
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
            if not case.contact_open:
                return language, None
            case.contact_open, case.updated_at = False, now
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


def notice_after_new_flags(case: Case, more_pressing: bool) -> str:
    """How the team hears of flags that joined an open case: a notice not yet sent shows them
    anyway; one in the group is brought up to date in place, or, when the flags make the case
    more pressing, followed by a new notice."""
    if case.notice_state == "pending":
        return "pending"
    if more_pressing and case.notice_message_id is not None:
        return "pending"
    return "outdated"


def route(teams: list[Team], flags: list[engine.Flag], district: str | None, language: str):
    """The first non-default team whose rules all match, else the default team."""
    fields = {flag.field for flag in flags}
    for team in teams:
        if team.default:
            continue
        if team.fields and not fields & set(team.fields):
            continue
        if team.districts and district not in team.districts:
            continue
        if team.languages and language not in team.languages:
            continue
        return team
    return next((t for t in teams if t.default), None)
