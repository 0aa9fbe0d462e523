"""The provider survey in the bot: an organisation's contact redeems a one-time code with
`/provider CODE` and answers bot/flows/providers.yaml in German, one question at a time; the
answers go to the directory as a submission for a coordinator.

It is a second conversation on the same engine and screens, kept apart from the person's own
questionnaire: the provider is stored as a respondent of the channel `provider` (user id
`telegram:<id>`), so their needs answers and their provider answers never meet. Each code starts
the survey afresh, with the organisation's name the coordinator gave already filled in; a code
for an organisation in the directory makes the submission an update of its entry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from functools import partial
from typing import Any

from bot.core.codes import code_hash
from bot.core.i18n import Msg
from bot.core.service import Event, Person, in_one_hop
from bot.flows import engine
from bot.intake.answering import State
from bot.intake.onboarding import new_respondent
from bot.intake.service import Conversation
from bot.intake.texts import STALE
from bot.offers.directory import DirectoryError
from bot.offers.model import Entry
from bot.offers.survey import entry_of
from bot.ui.model import DROP_BUTTONS, Action, Reply, Review, Screen
from storage import interviews, respondents
from storage import providers as store
from storage.casework import audit
from storage.models import Interview
from storage.providers import PROVIDER_CHANNEL
from storage.types import InterviewStatus

# submit(entry, provider, organisation_id) -> the submission's number; raises DirectoryError
# (its message in German) when the directory refuses the entry.
Submit = Callable[[Entry, str, int | None], Awaitable[int]]

REFUSALS_PER_HOUR = 5

NO_CODE = (
    "Diese Befragung ist für Anbieter von Angeboten (Vereine, Verbände, Einrichtungen). "
    "Bitte senden Sie /provider und den Code, den Sie von der Koordination bekommen haben, "
    "zum Beispiel: /provider ABCDE-FGHJK"
)
REFUSED = (
    "Dieser Code gilt nicht (falsch, schon benutzt oder abgelaufen). "
    "Bitte fragen Sie die Koordination des Integrationsmanagements nach einem neuen Code."
)
TOO_MANY = (
    "Zu viele falsche Codes. Bitte versuchen Sie es in einer Stunde noch einmal oder fragen "
    "Sie die Koordination nach einem neuen Code."
)
WELCOME = (
    "Willkommen zur Befragung der Anbieter für „{organisation}“! Sie beantworten die Fragen "
    "nacheinander; am Ende sehen Sie alles noch einmal und senden es ab. Die Koordination "
    "prüft Ihren Eintrag, bevor er im Verzeichnis der Angebote erscheint."
)
SUBMITTED = (
    "Danke! Ihr Eintrag ist eingereicht (Nummer {number}). Die Koordination prüft ihn; "
    "Sie bekommen hier Bescheid, sobald er freigegeben ist."
)
NOT_SUBMITTED = "Der Eintrag kann so noch nicht gespeichert werden:\n{problems}"


def provider_of(person: Person) -> Person:
    """The person as a provider: a respondent of the provider channel, apart from their own."""
    return replace(person, channel=PROVIDER_CHANNEL, user_id=f"{person.channel}:{person.user_id}")


class ProviderSurvey(Conversation):
    """The provider survey for one person at a time (see the module docstring)."""

    def __init__(self, *args: Any, submit: Submit | None = None, **kwargs: Any) -> None:
        """As a Conversation's (sessions, settings, flow, clock), and the directory's `submit`
        (bot/app.py)."""
        super().__init__(*args, **kwargs)
        self.submit = submit

    # --- Redeeming a code -----------------------------------------------------------------------

    async def redeem(self, person: Person, code: str, event: Event) -> Reply:
        """`/provider CODE`: a valid code starts the survey for its organisation."""
        provider = provider_of(person)
        now = self.clock()
        actor = f"telegram:{person.user_id}"
        async with self.transaction(event) as session:
            if (
                await store.refusals_since(session, actor, now - timedelta(hours=1))
                >= REFUSALS_PER_HOUR
            ):
                return _note(TOO_MANY)
            invitation = (
                await store.take_invitation(session, code_hash(code), now) if code else None
            )
            if invitation is None:
                await audit(session, now, actor, "provider_refused")
                return _note(REFUSED)
            respondent = await respondents.find_respondent(
                session, provider.channel, provider.user_id
            )
            if respondent is None:
                respondent = await new_respondent(session, provider, "de", now)
                respondent.broadcasts_opt_out = True  # neither broadcasts nor reminders
            respondent.chat_id = person.chat_id
            invitation.used_by = respondent.id
            current = await interviews.current_interview(session, respondent.id)
            if current is not None and current.status == InterviewStatus.in_progress:
                current.status = InterviewStatus.abandoned
            interview = await interviews.start_interview(
                session, respondent.id, self.flow.id, self.flow.version, now
            )
            name = invitation.organisation[: self.flow.question("org_name").max_length]
            await interviews.save_answer(session, interview.id, "org_name", name, False, now)
            answers = {"org_name": name}
            following = engine.next_step(self.flow, answers)
            interview.position = following.key if following else None
            await audit(session, now, f"provider:{respondent.id}", "provider_redeemed",
                        detail=f"Einladung {invitation.id}")  # fmt: skip
            state = State(respondent, interview, answers)
            return self._current(state, WELCOME.format(organisation=name))

    async def active(self, person: Person) -> int | None:
        """The provider survey this person is answering now (its interview), or None.

        Asked for every update of a private chat: one hop, no session."""
        provider = provider_of(person)
        read = partial(interviews.current_in, channel=provider.channel, user_id=provider.user_id)
        current = await in_one_hop(self.sessions, read, reads_only=True)
        if current is None:
            return None
        interview_id, status = current
        return interview_id if status == InterviewStatus.in_progress else None

    # --- The conversation, for the provider -----------------------------------------------------

    def language_choice(self, person: Person, language: str | None = None) -> Reply:
        return _note(NO_CODE)  # no code redeemed: nothing to answer

    async def start(self, person: Person, event: Event) -> Reply:
        return await super().start(provider_of(person), event)

    async def text(self, person: Person, text: str, event: Event) -> Reply:
        return await super().text(provider_of(person), text, event)

    async def press(self, person: Person, action: Action, event: Event) -> Reply:
        provider = provider_of(person)
        if isinstance(action, Review) and action.step == "finish":
            return await self._hand_in(provider, action, event)
        return await super().press(provider, action, event)

    async def remember_prompt(self, person: Person, message_ref: int) -> None:
        """Written at once: few providers answer, and no loop writes this survey's prompts."""
        provider = provider_of(person)
        async with self.transaction() as session:
            await respondents.set_prompts(
                session, {(provider.channel, provider.user_id): message_ref}
            )

    async def _hand_in(self, provider: Person, action: Review, event: Event) -> Reply:
        """The summary's "send": the answers go to the directory as one entry."""
        async with self.transaction(event) as session:
            state = await self.load(session, provider)
            if state is None or not self._is_current(state, action):
                return Reply("de", toast=Msg(STALE))
            invitation = await store.latest_invitation(session, state.respondent.id)
            organisation_id = invitation.organisation_id if invitation else None
            entry = entry_of(self.flow, state.answers, organisation_id)
            who = f"provider:{state.respondent.id}"
            interview_id = state.interview.id
        assert self.submit is not None, "the provider survey needs the directory's submit"
        try:
            number = await self.submit(entry, who, organisation_id)
        except DirectoryError as refused:
            async with self.transaction() as session:
                state = await self.load(session, provider)
                assert state is not None
                note = NOT_SUBMITTED.format(problems=str(refused))
                return self._current(state, note, retire=True)
        async with self.transaction() as session:
            interview = await session.get(Interview, interview_id)
            assert interview is not None
            now = self.clock()
            interview.status = InterviewStatus.finished
            interview.finished_at = interview.updated_at = now
            state = await self.load(session, provider)
            prompt_ref = state.respondent.prompt_message_id if state else None
        return Reply(
            "de",
            retire=DROP_BUTTONS,
            prompt_ref=prompt_ref,
            messages=(Screen((SUBMITTED.format(number=number),)),),
        )


def _note(text: str) -> Reply:
    return Reply("de", messages=(Screen((text,)),))
