"""The intake conversation: what every channel calls (commands, presses and typed text)."""

from __future__ import annotations

import asyncio
import contextlib
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.config import Settings
from bot.core.i18n import N_, Msg, best_language
from bot.core.service import Clock, Event, FlowService, Person, utc_now
from bot.flows import engine
from bot.flows.needs import decode_stored
from bot.flows.schema import CHOICE_TYPES, Flow, QuestionType
from bot.intake.answering import FullPath, Handover, State, _offers, _selection
from bot.intake.offers import NO_SUGGESTIONS
from bot.intake.onboarding import Onboarding
from bot.intake.prompt_memory import PromptMemory
from bot.intake.review import Reviewing
from bot.intake.texts import COMMANDS, HELP, REASONS, STALE, WELCOME_BACK
from bot.offers.source import OfferSource
from bot.ui.model import (
    Action,
    Choose,
    Confirm,
    Consent,
    EndContact,
    Navigate,
    PickLanguage,
    Reply,
    Resume,
    Review,
    Toggle,
    confirmation,
    note,
)
from storage import interviews, respondents
from storage.types import InterviewStatus


class Conversation(Onboarding, Reviewing, FlowService[Flow]):
    """Use cases of a respondent answering the questionnaire, one transaction per event.

    Onboarding (language, consent), answering and the review live in their own modules; this
    class is the face the channels see.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        flow: Flow,
        clock: Clock = utc_now,
        handover: Handover | None = None,
        offers: OfferSource | None = None,
    ) -> None:
        super().__init__(sessions, settings, flow, clock)
        self.handover = handover
        self.offers = offers
        self._prompts = PromptMemory(self.transaction)

    async def start(self, person: Person, event: Event) -> Reply:
        async with self.transaction(event) as session:
            state = await self.load(session, person)
            if state is None:
                return self.language_choice(person)
            return self._current(state, Msg(WELCOME_BACK), retire=True)

    # --- Presses and typed text -----------------------------------------------------------------

    async def press(self, person: Person, action: Action, event: Event) -> Reply:
        """A button press on a question, the summary or a reminder."""
        if isinstance(action, PickLanguage):
            return await self.pick_language(person, action, event)
        if isinstance(action, Consent):
            return await self.consent(person, action, event)
        if isinstance(action, Confirm):
            raise TypeError("confirmations belong to the data-rights service")
        if isinstance(action, EndContact):
            return await self.stale(person)  # casework answers these where it runs
        if isinstance(action, Choose | Toggle | Navigate):
            with contextlib.suppress(FullPath):
                return await self._in_one_hop(person, event, partial(self._pressed, action=action))
        finishing = isinstance(action, Review) and action.step == "finish"
        offers = await self.active_offers() if finishing else ()
        async with self.transaction(event) as session:
            state = await self.load(session, person)
            if state is None:
                return self.language_choice(person)
            reply = self._pressed(state, action)
            if reply is None:
                assert isinstance(action, Review)
                return await self._review(session, state, action.step, action.question_id, offers)
            await self._write(session, state)
            return reply

    def _pressed(self, state: State, action: Action) -> Reply | None:
        """The answer to a press; None for the review's, which `_review` gives."""
        if not self._is_current(state, action):
            return Reply(state.language, toast=Msg(STALE))
        match action:
            case Choose(question_id=key, choice_id=choice):
                step = self._step(key)
                question = step.question
                if not _offers(question, choice) or question.type is QuestionType.multiple:
                    return Reply(state.language, toast=Msg(STALE))
                return self._settle(state, step, engine.Accepted(choice))
            case Toggle(question_id=key, choice_id=choice):
                step = self._step(key)
                question = step.question
                if not _offers(question, choice) or question.type is not QuestionType.multiple:
                    return Reply(state.language, toast=Msg(STALE))
                return self._toggle(state, step, choice)
            case Navigate(question_id=key, step="done"):
                step = self._step(key)
                parsed = engine.finish_selection(step.question, _selection(state.interview))
                return self._settle(state, step, parsed)
            case Navigate(question_id=key, step="skip"):
                return self._settle(state, self._step(key), engine.Accepted(engine.SKIPPED))
            case Navigate(question_id=qid, step="back"):
                return self._back(state, qid)
            case Review():
                return None
            case Resume():
                return self._current(state, Msg(WELCOME_BACK), retire=True)
        raise TypeError(f"unknown action {action!r}")

    async def text(self, person: Person, text: str, event: Event) -> Reply:
        """Typed text: an answer to a number, year or text question, or a hint."""
        with contextlib.suppress(FullPath):
            return await self._in_one_hop(person, event, lambda state: self._typed(state, text))
        async with self.transaction(event) as session:
            state = await self.load(session, person)
            if state is None:
                return self.language_choice(person)
            reply = self._typed(state, text)
            await self._write(session, state)
            return reply

    def _typed(self, state: State, text: str) -> Reply:
        if state.interview.status == InterviewStatus.finished:
            return self._current(state, None, retire=True)  # the end, and how to begin anew
        if state.interview.position is None:
            return self._current(state, Msg(REASONS["use_buttons"]), retire=True)
        return self._submit(state, state.interview.position, text)

    async def current(self, person: Person) -> Reply:
        """Where the person stands, without a word more (for a channel that draws whole pages)."""
        async with self.transaction() as session:
            state = await self.load(session, person)
            if state is None:
                return self.language_choice(person)
            return self._current(state, None)

    async def typed_question(self, person: Person) -> tuple[str, str] | None:
        """The key and type of the current question when it is answered by typing (a channel
        that draws forms shows a text field then), else None."""
        async with self.transaction() as session:
            state = await self.load(session, person)
        if state is None or state.interview.status == InterviewStatus.finished:
            return None
        key = state.interview.position
        if key is None:
            return None
        kind = self._step(key).question.type
        return None if kind in CHOICE_TYPES else (key, kind.value)

    # --- Commands ---------------------------------------------------------------------------------

    async def language_of(self, person: Person) -> str:
        """The person's language, or the best guess from the phone before they chose one."""
        async with self.transaction() as session:
            respondent = await respondents.find_respondent(session, person.channel, person.user_id)
        if respondent is not None and respondent.language:
            return respondent.language
        return self.device_language(person)

    def device_language(self, person: Person) -> str:
        """The best guess from the phone's language, for someone about whom nothing is stored."""
        return best_language(person.device_language, self.settings.languages) or "de"

    async def help(self, person: Person) -> Reply:
        return note(await self.language_of(person), HELP, COMMANDS)

    async def show_offers(self, person: Person) -> Reply:
        """/offers: the suggestions of the finish again, from the stored answers."""
        offers = await self.active_offers()
        async with self.transaction() as session:
            found = await interviews.respondent_with_interview(
                session, person.channel, person.user_id
            )
            interview = found[1] if found is not None else None
            stored = await interviews.load_answers(session, interview.id) if interview else {}
        if found is None or not found[0].language:
            return self.language_choice(person)
        language = found[0].language
        if interview is None or interview.status != InterviewStatus.finished:
            return note(language, NO_SUGGESTIONS["not_finished"])
        answers = decode_stored(self.flow, {k: (a.code, a.skipped) for k, a in stored.items()})
        return Reply(language, messages=self.suggestions(language, answers, offers))

    async def privacy(self, person: Person) -> Reply:
        language = await self.language_of(person)
        return Reply(language, messages=(self.privacy_screen(language, with_buttons=False),))

    async def change_language(self, person: Person) -> Reply:
        return self.language_choice(person, await self.language_of(person))

    async def unsupported(self, person: Person) -> Reply:
        """A photo, sticker, voice note, location, file …: nothing of it is stored."""
        language = await self.language_of(person)
        return note(
            language,
            N_(
                "Das kann ich leider nicht lesen. Bitte antworten Sie mit den Tasten oder mit "
                "einem kurzen Text. Bilder, Sprachnachrichten und Dateien speichere ich nicht."
            ),
        )

    async def ask_restart(self, person: Person) -> Reply:
        return confirmation(
            await self.language_of(person),
            N_(
                "Möchten Sie den Fragebogen wirklich neu beginnen? Ihre bisherigen Antworten "
                "werden dann gelöscht."
            ),
            "restart",
            N_("Ja, neu beginnen"),
        )

    async def restart(self, person: Person, yes: bool, event: Event) -> Reply:
        async with self.transaction(event) as session:
            state = await self.load(session, person)
            if state is None:
                return self.language_choice(person)
            if not yes:
                return self._current(state, Msg(N_("Gut, es bleibt alles, wie es war.")))
            await interviews.delete_all_answers(session, state.interview.id)
            interview = state.interview
            interview.status = InterviewStatus.in_progress
            interview.finished_at = None
            interview.selection = None
            interview.updated_at = self.clock()
            interview.position = self._first_question_id()
            state.answers = {}
            return self._current(state, Msg(N_("Der Fragebogen beginnt neu.")), retire=True)

    async def stale(self, person: Person) -> Reply:
        """A press on a button that no longer means anything (old, forged or unknown)."""
        return Reply(await self.language_of(person), toast=Msg(STALE))

    async def mark_unreachable(self, person: Person) -> None:
        """Telegram said the person blocked the bot: send nothing more until they write again."""
        async with self.transaction() as session:
            respondent = await respondents.find_respondent(session, person.channel, person.user_id)
            if respondent is not None:
                respondent.unreachable = True

    # --- Shown prompts ------------------------------------------------------------------------

    async def remember_prompt(self, person: Person, message_ref: int) -> None:
        """The channel showed the current prompt in this message (to retire it later); written
        behind, see `PromptMemory.remember`."""
        self._prompts.remember((person.channel, person.user_id), message_ref)

    async def write_prompts(self) -> int:
        """Write the remembered prompts in one transaction; how many there were."""
        return await self._prompts.write()

    async def keep_prompts(self, stopping: asyncio.Event) -> None:
        """Write remembered prompts every second until `stopping` is set, and once more then."""
        await self._prompts.keep(stopping)
