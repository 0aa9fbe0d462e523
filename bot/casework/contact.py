"""Messages between a caseworker and the person of their case, all through the outbox.

A caseworker writes with /write N TEXT or by answering a bot message about the case; the person
answers by simply writing (or answering the caseworker's message). Each message is put in the
outbox in the transaction that handles the update, so a redelivered update, a 429 or a restart
never loses it nor sends it twice; whoever wrote is told once it arrived (or that it did not).

    caseworker ──"to_person"──▶ person        ──"note"──▶ caseworker: ✓ sent / not delivered
    person     ──"to_staff"───▶ caseworker    ──"note"──▶ person: ✓ arrived / did not arrive
    person ends the contact    ──"note"──▶ caseworker

What was written stays in the delivery row only until it is settled; /delete removes it before.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.casework import lifecycle, policy, texts
from bot.casework.notices import STAFF, remember
from bot.casework.staff import actor
from bot.casework.texts import contact_ended_text, person_name, reply_text
from bot.core.i18n import N_, Msg
from bot.core.service import Event, Person, SettingsService, after_commit
from bot.outbox.sender import Claim, Kind, Settlement
from bot.outbox.transport import Outgoing
from bot.ui.model import Button, EndContact, Screen
from storage import casework as store
from storage import deliveries, interviews, respondents, web
from storage.casework import Case, Staff
from storage.models import Respondent
from storage.types import CaseStatus, InterviewStatus

TO_PERSON, TO_STAFF, NOTE = "to_person", "to_staff", "note"

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


def sent_text(case_id: int, first_name: str | None) -> str:
    return f"✓ Fall #{case_id}: an {person_name(first_name)} gesendet."


def not_sent_text(case_id: int) -> str:
    return (
        f"Fall #{case_id}: Die Nachricht kam nicht an (die Person hat den Bot vielleicht "
        "blockiert). Versuchen Sie einen anderen Weg."
    )


class Contact(SettingsService):
    """The relay between caseworker and person (see the module docstring)."""

    wake = staticmethod(lambda: None)  # the outbox has something new (set by the channel)

    def kinds(self) -> dict[str, Kind]:
        return {
            TO_PERSON: Kind(self.compose_to_person, self.to_person_settled),
            TO_STAFF: Kind(compose_to_staff, self.to_staff_settled),
            NOTE: Kind(compose_note, remember),
        }

    # --- What staff and people do -------------------------------------------------------------

    async def write_to_person(self, user_id: int, case_id: int, text: str, event: Event) -> str:
        """A caseworker writes to the person of a case: '' (on its way through the outbox), or what
        the caseworker is told instead (German): why not, or that it waits in the web chat."""
        now = self.clock()
        async with self.transaction(event) as session:
            case = await store.get_case(session, case_id)
            staff = await store.active_staff(session, user_id)
            if case is None or staff is None:
                return texts.UNKNOWN_CASE if staff is not None else texts.NOT_YOUR_TEAM
            if not policy.may_write(case, staff):
                await store.audit(session, now, actor(staff), "denied", case.id, "write")
                return texts.ONLY_OWN_CASES
            respondent = await session.get(Respondent, case.respondent_id)
            if respondent is None or (respondent.chat_id is None and respondent.channel != "web"):
                return texts.UNKNOWN_CASE
            if not case.contact_open:
                return texts.CONTACT_CLOSED.format(name=person_name(respondent.first_name))
            await store.audit(session, now, actor(staff), "message_to_person", case.id)
            if respondent.channel == "web":  # shown when the person next opens the web chat
                await web.leave_message(session, respondent.id, case.id, text, now)
                return texts.WEB_LEFT
            body = {"text": text, "staff": staff.telegram_user_id}
            await self._put(session, TO_PERSON, case, event, now, body=body)
        return ""

    async def contact_of(self, person: Person, replying: bool) -> bool:
        """Does a typed message of this person go to their caseworker?

        Yes when a caseworker has their case and the contact is open, and the person either
        answers a caseworker's message or is not in the middle of the questionnaire.
        """
        async with self.sessions() as session:
            found = await _contact(session, person)
            if found is None:
                return False
            if replying:
                return True
            current = await interviews.current_interview(session, found[0].respondent_id)
            return current is None or current.status != InterviewStatus.in_progress

    async def from_person(self, person: Person, text: str, event: Event) -> bool:
        """The person answers their caseworker: on its way (False: nobody to pass it to)."""
        now = self.clock()
        async with self.transaction(event) as session:
            found = await _contact(session, person)
            if found is None:
                return False
            case, staff = found
            await store.audit(session, now, "person", "message_from_person", case.id)
            body = {"text": reply_text(case, person.first_name, text)}
            chat = staff.telegram_user_id
            await self._put(session, TO_STAFF, case, event, now, chat_id=chat, body=body)
        return True

    async def left_for(self, person: Person) -> list[str]:
        """Messages caseworkers left for a web person since they last looked, oldest first."""
        async with self.transaction() as session:
            respondent = await respondents.find_respondent(session, person.channel, person.user_id)
            if respondent is None:
                return []
            left = await web.take_messages(session, respondent.id, self.clock())
            return [row.text for row in left]

    async def end_contact(self, person: Person, case_id: int, event: Event) -> str:
        """The person ends the contact: the language to tell them in; their caseworker hears
        of it through the outbox."""
        now = self.clock()
        async with self.transaction(event) as session:
            respondent = await respondents.find_respondent(session, person.channel, person.user_id)
            language = (respondent.language if respondent else None) or "de"
            case = await store.get_case(session, case_id)
            if respondent is None or case is None or case.respondent_id != respondent.id:
                return language
            if not lifecycle.end_contact(case, now):
                return language
            await store.audit(session, now, "person", "contact_ended", case.id)
            staff = await session.get(Staff, case.assignee_id) if case.assignee_id else None
            if staff is not None and staff.active:
                body = {"text": contact_ended_text(case.id, person.first_name)}
                chat = staff.telegram_user_id
                await self._put(session, NOTE, case, event, now, chat_id=chat, body=body)
        return language

    async def _put(
        self,
        session: AsyncSession,
        kind: str,
        case: Case,
        event: Event | None,
        now: datetime,
        *,
        chat_id: int | None = None,
        body: dict[str, object],
    ) -> None:
        # The update's number makes a redelivered update a no-op here too.
        ref = f"{case.id}:{event.update_id if event and event.update_id else uuid.uuid4().hex}"
        await deliveries.enqueue(
            session,
            kind,
            ref[:40],
            now,
            respondent_id=case.respondent_id,
            chat_id=chat_id,
            case_id=case.id,
            body=json.dumps(body, ensure_ascii=False),
        )
        after_commit(session, self.wake)

    # --- The outbox kinds -----------------------------------------------------------------------

    async def compose_to_person(self, session: AsyncSession, claim: Claim) -> Outgoing:
        language = claim.language or "de"
        header = Msg(FROM_CASEWORKER, args={"city": self.settings.city})
        button = Button(Msg(END_CONTACT), EndContact(claim.case_id or 0))
        parts = (header, _body(claim)["text"], Msg(HOW_TO_ANSWER))
        return Outgoing(language, Screen(parts, ((button,),)))

    async def to_person_settled(self, done: Settlement) -> None:
        """The caseworker hears whether their message arrived."""
        case_id, respondent_id = done.claim.case_id, done.claim.respondent_id
        assert case_id is not None and respondent_id is not None
        respondent = await done.session.get(Respondent, respondent_id)
        name = respondent.first_name if respondent else None
        told = sent_text(case_id, name) if done.delivered else not_sent_text(case_id)
        staff_chat = _body(done.claim).get("staff")
        if isinstance(staff_chat, int):
            await _note(done, self.clock(), {"text": told}, staff_chat)

    async def to_staff_settled(self, done: Settlement) -> None:
        """The person hears whether their answer reached the caseworker."""
        await remember(done)
        told = DELIVERED if done.delivered else NOT_DELIVERED
        await _note(done, self.clock(), {"msg": told}, None)


async def _contact(session: AsyncSession, person: Person) -> tuple[Case, Staff] | None:
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


def _body(claim: Claim) -> dict[str, object]:
    return json.loads(claim.body) if claim.body else {"text": ""}


async def _note(
    done: Settlement, now: datetime, body: dict[str, object], chat_id: int | None
) -> None:
    """Tell whoever wrote how their message fared (once: the note is about this delivery)."""
    claim = done.claim
    await deliveries.enqueue(
        done.session,
        NOTE,
        f"on:{claim.id}",
        now,
        respondent_id=claim.respondent_id,
        chat_id=chat_id,
        case_id=claim.case_id,
        body=json.dumps(body, ensure_ascii=False),
    )


async def compose_to_staff(session: AsyncSession, claim: Claim) -> Outgoing:
    return Outgoing(STAFF, Screen((str(_body(claim)["text"]),)))


async def compose_note(session: AsyncSession, claim: Claim) -> Outgoing:
    body = _body(claim)
    if "msg" in body:  # to the person, in their language
        return Outgoing(claim.language or "de", Screen((Msg(str(body["msg"])),)))
    return Outgoing(STAFF, Screen((str(body["text"]),)))
