"""The intake conversation: language, consent, one question at a time, summary and finish."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.config import Settings
from bot.core.i18n import N_, Msg, best_language, language_menu, language_name
from bot.core.service import Clock, Event, FlowService, Person, utc_now
from bot.flows import engine
from bot.flows.schema import Flow, Question, QuestionType
from bot.intake import screens as prompts
from bot.ui.model import (
    DROP_BUTTONS,
    Action,
    Button,
    Choose,
    Confirm,
    Consent,
    EndContact,
    Navigate,
    PickLanguage,
    Reply,
    Resume,
    Review,
    Screen,
    Toggle,
    note,
)
from storage import interviews, respondents
from storage.models import Interview, Respondent

log = logging.getLogger(__name__)

REASONS = {
    "empty": N_("Die Antwort ist leer. Bitte schreiben Sie etwas."),
    "not_a_number": N_("Bitte schreiben Sie nur eine Zahl, zum Beispiel 3."),
    "too_small": N_("Die Zahl ist zu klein. Bitte schreiben Sie eine Zahl von {min} bis {max}."),
    "too_large": N_("Die Zahl ist zu groß. Bitte schreiben Sie eine Zahl von {min} bis {max}."),
    "not_a_year": N_("Bitte schreiben Sie ein Jahr mit vier Ziffern, zum Beispiel 2019."),
    "year_in_future": N_("Dieses Jahr liegt in der Zukunft. Bitte prüfen Sie die Zahl."),
    "year_too_early": N_("Dieses Jahr ist zu früh. Bitte prüfen Sie die Zahl."),
    "not_a_month_year": N_("Bitte schreiben Sie Monat und Jahr so: 03/2021."),
    "too_long": N_("Der Text ist zu lang. Bitte schreiben Sie höchstens {max_length} Zeichen."),
    "unknown_choice": N_("Diese Antwort gibt es nicht. Bitte tippen Sie auf eine Taste."),
    "nothing_selected": N_("Bitte wählen Sie mindestens eine Antwort."),
    "use_buttons": N_("Bitte tippen Sie auf eine der Tasten unter der Frage."),
    "not_skippable": N_("Diese Frage kann man nicht überspringen."),
    "not_a_phone": N_(
        "Das ist keine Telefonnummer. Bitte schreiben Sie nur die Nummer mit Ziffern, zum "
        "Beispiel 0151 23456789 oder +49 151 23456789."
    ),
    "control_character": N_(
        "In Ihrer Antwort ist ein unsichtbares Zeichen, das ich nicht speichern kann. Bitte "
        "schreiben Sie die Antwort noch einmal neu."
    ),
}
ACTIVE_TO_THE_MINUTE = timedelta(minutes=1)
PROMPTS_WRITTEN_EVERY = 1.0  # seconds
STALE = N_("Diese Taste gilt nicht mehr. Bitte nutzen Sie die neueste Nachricht.")
CHOOSE_LANGUAGE = N_("Bitte wählen Sie Ihre Sprache.")
WELCOME_BACK = N_("Willkommen zurück! Hier geht es weiter.")
ALREADY_DONE = N_(
    "Sie haben den Fragebogen schon beantwortet. Vielen Dank!\n"
    "/mydata zeigt Ihre Antworten. /restart beginnt den Fragebogen neu."
)
THANKS = N_("Danke! Ihre Antworten sind gespeichert.")
NEXT_STEPS = N_(
    "Die Stadt nutzt die Antworten, um Beratung dort anzubieten, wo sie gebraucht wird."
)
CASE_MANAGER_WILL_CALL = N_(
    "Eine Fallmanagerin oder ein Fallmanager des Kommunalen Integrationsmanagements "
    "meldet sich bald bei Ihnen."
)

HELP = N_(
    "So funktioniert es: Ich stelle Ihnen Fragen, eine nach der anderen. "
    "Tippen Sie auf eine Antwort oder schreiben Sie sie. "
    "Mit „Zurück“ ändern Sie die letzte Antwort. "
    "Sie können jederzeit aufhören und später weitermachen."
)
COMMANDS = N_(
    "/start – weitermachen\n"
    "/language – Sprache ändern\n"
    "/restart – neu beginnen\n"
    "/privacy – Datenschutz\n"
    "/mydata – meine Daten ansehen\n"
    "/delete – alle meine Daten löschen\n"
    "/stop – keine Erinnerungen mehr"
)
DECLINED = N_(
    "Schade. Wir haben nichts über Sie gespeichert. "
    "Wenn Sie es sich anders überlegen, schreiben Sie einfach /start."
)

Handover = Callable[[AsyncSession, Respondent, Interview, list[engine.Flag]], Awaitable[None]]


@dataclass
class State:
    respondent: Respondent
    interview: Interview
    answers: dict[str, engine.AnswerValue | engine.Skipped]

    @property
    def language(self) -> str:
        return self.respondent.language or "de"


class Conversation(FlowService):
    """Use cases of a respondent answering the questionnaire, one transaction per event."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        flow: Flow,
        clock: Clock = utc_now,
        handover: Handover | None = None,
    ) -> None:
        super().__init__(sessions, settings, flow, clock)
        self.handover = handover
        self._prompts: dict[tuple[str, str], int] = {}

    # --- Reading state --------------------------------------------------------------------------

    async def load(self, session: AsyncSession, person: Person) -> State | None:
        found = await interviews.respondent_with_interview(session, person.channel, person.user_id)
        if found is None:
            return None
        respondent, interview = found
        now = self.clock()
        if interview is None:
            interview = await interviews.start_interview(
                session, respondent.id, self.flow.id, self.flow.version, now
            )
            interview.position = self._first_question_id()
        if now - respondent.last_active_at >= ACTIVE_TO_THE_MINUTE:
            # Reminders and retention count in hours and days: a write per minute is enough.
            respondent.last_active_at = now
        prompt = self._prompts.pop((person.channel, person.user_id), None)
        if prompt is not None and prompt > (respondent.prompt_message_id or 0):
            respondent.prompt_message_id = prompt
        respondent.unreachable = False
        return State(respondent, interview, await self._answers(session, interview))

    async def _answers(self, session: AsyncSession, interview: Interview) -> dict:
        stored = await interviews.load_answers(session, interview.id)
        answers: dict[str, engine.AnswerValue | engine.Skipped] = {}
        for question in self.flow.questions:
            row = stored.get(question.id)
            if row is None:
                continue
            if row.skipped or row.code is None:
                answers[question.id] = engine.SKIPPED
            else:
                answers[question.id] = engine.decode_answer(question, row.code)
        return answers

    def _first_question_id(self) -> str | None:
        first = engine.next_question(self.flow, {})
        return first.id if first else None

    # --- Start, language and consent -------------------------------------------------------------

    async def start(self, person: Person, event: Event) -> Reply:
        async with self.transaction(event) as session:
            state = await self.load(session, person)
            if state is None:
                return self.language_choice(person)
            return self._current(state, Msg(WELCOME_BACK), retire=True)

    def language_choice(self, person: Person, language: str | None = None) -> Reply:
        enabled = self.settings.languages
        order = language_menu(person.device_language, enabled)
        buttons = [Button(language_name(code), PickLanguage(code)) for code in order]
        rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
        language = language or best_language(person.device_language, enabled) or "de"
        greeting = Msg(
            N_("Willkommen beim Kommunalen Integrationsmanagement {city}!"),
            args={"city": self.settings.city},
        )
        return Reply(language, messages=(Screen((greeting, Msg(CHOOSE_LANGUAGE)), rows),))

    async def pick_language(self, person: Person, action: PickLanguage, event: Event) -> Reply:
        if action.language not in self.settings.languages:
            return Reply("de", toast=Msg(STALE))
        async with self.transaction(event) as session:
            state = await self.load(session, person)
            if state is None:
                return Reply(
                    action.language,
                    retire=Screen((language_name(action.language),)),
                    messages=(self.privacy_screen(action.language),),
                )
            state.respondent.language = action.language
            return self._current(
                state,
                Msg(
                    N_("Die Sprache ist jetzt: {language}."),
                    args={"language": language_name(action.language)},
                ),
                retire=True,
            )

    def privacy_screen(self, language: str, with_buttons: bool = True) -> Screen:
        privacy = self.settings.privacy
        parts = (
            Msg(N_("Datenschutz — bitte kurz lesen")),
            Msg(
                N_(
                    "• Warum: Die Stadt {city} möchte wissen, welche Beratung Menschen brauchen. "
                    "Die Teilnahme ist freiwillig."
                )
            ),
            Msg(
                N_(
                    "• Was wir speichern: Ihre Antworten, Ihre Sprache, Ihren Vornamen und Ihre "
                    "Telegram-Nummer, damit wir Ihnen antworten können."
                )
            ),
            Msg(
                N_(
                    "• Wer es sieht: Nur das Kommunale Integrationsmanagement. Wenn Sie Beratung "
                    "möchten, sieht Ihre Fallmanagerin oder Ihr Fallmanager Ihre Antworten. "
                    "Alle anderen sehen nur Zahlen ohne Namen."
                )
            ),
            Msg(
                N_(
                    "• Löschen: Mit /mydata sehen Sie Ihre Daten, mit /delete löschen Sie alles. "
                    "Nach {days} Tagen löschen wir Ihre Antworten von selbst."
                )
            ),
            Msg(N_("Verantwortlich: {controller}. Fragen zum Datenschutz: {contact}")),
        )
        args = {
            "city": self.settings.city,
            "days": self.settings.retention.answers_days,
            "controller": privacy.controller,
            "contact": privacy.contact,
        }
        parts = tuple(Msg(p.text, args=args) for p in parts)
        if not with_buttons:
            return Screen(parts)
        buttons = (
            (Button(Msg(N_("✅ Ich bin einverstanden")), Consent(language, True)),),
            (Button(Msg(N_("❌ Nein, danke")), Consent(language, False)),),
        )
        return Screen((*parts, Msg(N_("Sind Sie einverstanden?"))), buttons)

    async def consent(self, person: Person, action: Consent, event: Event) -> Reply:
        if action.language not in self.settings.languages:
            return Reply("de", toast=Msg(STALE))
        if not action.agree:
            # Declining stores nothing about the person, not even the language.
            return Reply(
                action.language,
                retire=self.privacy_screen(action.language, with_buttons=False),
                messages=(Screen((Msg(DECLINED),)),),
            )
        async with self.transaction(event) as session:
            state = await self.load(session, person)
            if state is not None:
                return self._current(state, None, retire=True)
            now = self.clock()
            respondent = await respondents.create_respondent(
                session,
                person.channel,
                person.user_id,
                chat_id=person.chat_id,
                first_name=(person.first_name or "")[:64] or None,
                language=action.language,
                now=now,
            )
            respondent.consent_version = self.settings.privacy.consent_version
            respondent.consent_at = now
            interview = await interviews.start_interview(
                session, respondent.id, self.flow.id, self.flow.version, now
            )
            interview.position = self._first_question_id()
            state = State(respondent, interview, {})
            reply = self._current(
                state,
                Msg(
                    N_(
                        "Danke! Es geht los. Sie können jederzeit eine Pause machen und später "
                        "weitermachen."
                    )
                ),
            )
            return _with_retire(reply, self.privacy_screen(action.language, with_buttons=False))

    # --- Answering --------------------------------------------------------------------------------

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
        async with self.transaction(event) as session:
            state = await self.load(session, person)
            if state is None:
                return self.language_choice(person)
            if not self._is_current(state, action):
                return Reply(state.language, toast=Msg(STALE))
            match action:
                case Choose(question_id=qid, choice_id=choice):
                    question = self.flow.question(qid)
                    if not _offers(question, choice) or question.type is QuestionType.multiple:
                        return Reply(state.language, toast=Msg(STALE))
                    return await self._settle(session, state, question, engine.Accepted(choice))
                case Toggle(question_id=qid, choice_id=choice):
                    question = self.flow.question(qid)
                    if not _offers(question, choice) or question.type is not QuestionType.multiple:
                        return Reply(state.language, toast=Msg(STALE))
                    return self._toggle(state, question, choice)
                case Navigate(question_id=qid, step="done"):
                    question = self.flow.question(qid)
                    parsed = engine.finish_selection(question, _selection(state.interview))
                    return await self._settle(session, state, question, parsed)
                case Navigate(question_id=qid, step="skip"):
                    return await self._settle(
                        session, state, self.flow.question(qid), engine.Accepted(engine.SKIPPED)
                    )
                case Navigate(question_id=qid, step="back"):
                    return self._back(state, qid)
                case Review(step=step, question_id=qid):
                    return await self._review(session, state, step, qid)
                case Resume():
                    return self._current(state, Msg(WELCOME_BACK), retire=True)
        raise TypeError(f"unknown action {action!r}")

    async def text(self, person: Person, text: str, event: Event) -> Reply:
        """Typed text: an answer to a number, year or text question, or a hint."""
        async with self.transaction(event) as session:
            state = await self.load(session, person)
            if state is None:
                return self.language_choice(person)
            if state.interview.status == "finished":
                return self._current(state, None, retire=True)  # the end, and how to begin anew
            if state.interview.position is None:
                return self._current(state, Msg(REASONS["use_buttons"]), retire=True)
            return await self._submit(session, state, state.interview.position, text)

    async def _submit(self, session: AsyncSession, state: State, qid: str, raw: str) -> Reply:
        question = self.flow.question(qid)
        parsed = engine.parse_input(question, raw, today=self._today())
        return await self._settle(session, state, question, parsed)

    async def _settle(
        self, session: AsyncSession, state: State, question: Question, parsed: engine.Parsed
    ) -> Reply:
        if isinstance(parsed, engine.Rejected):
            return self._current(state, self._reason(question, parsed), retire=True)
        value = parsed.value
        if isinstance(value, engine.Skipped) and not question.skippable:
            return Reply(state.language, toast=Msg(STALE))
        before = state.answers
        after = engine.apply_answer(self.flow, before, question.id, value)
        now = self.clock()
        skipped = isinstance(value, engine.Skipped)
        code = None if skipped else engine.encode_answer(question, value)
        await interviews.save_answer(session, state.interview.id, question.id, code, skipped, now)
        dropped = set(before) - set(after)
        if dropped:
            await interviews.delete_answers(session, state.interview.id, dropped)
        following = engine.next_question(self.flow, after)
        state.interview.position = following.id if following else None
        state.interview.selection = None
        state.interview.updated_at = now
        state.answers = after
        reply = _with_retire(
            self._current(state, None), prompts.answered_screen(self.flow, question, value)
        )
        urgent = await self._hand_over_urgent(session, state, before)
        if urgent:
            help_now = prompts.urgent_screen(self.flow, urgent)
            reply = replace(reply, messages=(help_now, *reply.messages))
        return reply

    async def _hand_over_urgent(
        self, session: AsyncSession, state: State, before: engine.Answers
    ) -> list[engine.Flag]:
        """The urgent flags this answer raised; the person is handed over at once, in the
        answer's transaction (the case is opened or joined once, however often this runs)."""
        urgent = engine.handover_flags(self.flow, state.answers, submitted=False)
        earlier = {f.rule_id for f in engine.handover_flags(self.flow, before, submitted=False)}
        raised = [flag for flag in urgent if flag.rule_id not in earlier]
        if raised and self.handover is not None:
            await self.handover(session, state.respondent, state.interview, urgent)
        return raised

    def _toggle(self, state: State, question: Question, choice: str) -> Reply:
        selection = engine.toggle_choice(question, _selection(state.interview), choice)
        state.interview.selection = " ".join(sorted(selection)) or None
        screen = prompts.question_screen(
            self.flow, state.interview.id, question, state.answers, selection
        )
        return Reply(
            state.language,
            prompt=screen,
            edit_prompt=True,
            prompt_ref=state.respondent.prompt_message_id,
        )

    def _back(self, state: State, qid: str) -> Reply:
        previous = engine.previous_question(self.flow, state.answers, qid)
        if previous is None:
            return Reply(state.language, toast=Msg(STALE))
        state.interview.position = previous.id
        earlier = state.answers.get(previous.id)
        state.interview.selection = _selection_code(earlier)
        return self._current(state, None, retire=True)

    async def _review(self, session: AsyncSession, state: State, step: str, qid: str) -> Reply:
        interview = state.interview
        if step == "change":
            screen = prompts.change_screen(self.flow, interview.id, state.answers)
            return Reply(
                state.language,
                prompt=screen,
                edit_prompt=True,
                prompt_ref=state.respondent.prompt_message_id,
            )
        if step == "summary":
            screen = prompts.summary_screen(self.flow, interview.id, state.answers)
            return Reply(
                state.language,
                prompt=screen,
                edit_prompt=True,
                prompt_ref=state.respondent.prompt_message_id,
            )
        if step == "edit":
            if qid not in state.answers:
                return Reply(state.language, toast=Msg(STALE))
            interview.position = qid
            earlier = state.answers[qid]
            interview.selection = _selection_code(earlier)
            return self._current(state, None, retire=True)
        now = self.clock()
        interview.status = "finished"
        interview.finished_at = now
        interview.updated_at = now
        flags = engine.handover_flags(self.flow, state.answers, submitted=True)
        if flags and self.handover is not None:
            await self.handover(session, state.respondent, interview, flags)
        closing = [Msg(THANKS), Msg(NEXT_STEPS)]
        if flags:
            closing.append(Msg(CASE_MANAGER_WILL_CALL))
        closing.append(Msg(N_("/mydata zeigt Ihre Antworten, /delete löscht alles.")))
        return Reply(
            state.language,
            retire=DROP_BUTTONS,
            prompt_ref=state.respondent.prompt_message_id,
            messages=(Screen(tuple(closing)),),
        )

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
        language = await self.language_of(person)
        return Reply(
            language,
            messages=(
                Screen(
                    (
                        Msg(
                            N_(
                                "Möchten Sie den Fragebogen wirklich neu beginnen? Ihre bisherigen "
                                "Antworten werden dann gelöscht."
                            )
                        ),
                    ),
                    (
                        (
                            Button(Msg(N_("Ja, neu beginnen")), Confirm("restart", True)),
                            Button(Msg(N_("Nein")), Confirm("restart", False)),
                        ),
                    ),
                ),
            ),
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
            interview.status = "in_progress"
            interview.finished_at = None
            interview.selection = None
            interview.updated_at = self.clock()
            interview.position = self._first_question_id()
            state.answers = {}
            return self._current(state, Msg(N_("Der Fragebogen beginnt neu.")), retire=True)

    # --- Helpers --------------------------------------------------------------------------------

    def _is_current(self, state: State, action: Action) -> bool:
        interview = state.interview
        if getattr(action, "interview_id", None) != interview.id:
            return False
        if interview.status != "in_progress":
            return False
        if isinstance(action, Review):
            return interview.position is None
        if isinstance(action, Resume):
            return True
        return getattr(action, "question_id", None) == interview.position

    def _current(self, state: State, note: Msg | None, retire: bool = False) -> Reply:
        """Where the person stands now: the current question, the summary, or the end."""
        interview = state.interview
        notes = (Screen((note,)),) if note is not None else ()
        if interview.status == "finished":
            return Reply(state.language, messages=(*notes, Screen((Msg(ALREADY_DONE),))))
        if interview.position is None:
            following = engine.next_question(self.flow, state.answers)
            interview.position = following.id if following else None
        if interview.position is None:
            screen = prompts.summary_screen(self.flow, interview.id, state.answers)
        else:
            question = self.flow.question(interview.position)
            screen = prompts.question_screen(
                self.flow, interview.id, question, state.answers, _selection(interview)
            )
        return Reply(
            state.language,
            messages=notes,
            prompt=screen,
            retire=DROP_BUTTONS if retire else None,
            prompt_ref=state.respondent.prompt_message_id,
        )

    def _reason(self, question: Question, rejected: engine.Rejected) -> Msg:
        args = {
            "min": question.min if question.min is not None else 0,
            "max": question.max if question.max is not None else 999,
            "max_length": question.max_length,
            **rejected.args,
        }
        return Msg(REASONS.get(rejected.reason, REASONS["use_buttons"]), args=args)

    def _today(self):
        return self.clock().astimezone(self.settings.zone).date()

    async def stale(self, person: Person) -> Reply:
        """A press on a button that no longer means anything (old, forged or unknown)."""
        return Reply(await self.language_of(person), toast=Msg(STALE))

    async def mark_unreachable(self, person: Person) -> None:
        """Telegram said the person blocked the bot: send nothing more until they write again."""
        async with self.transaction() as session:
            respondent = await respondents.find_respondent(session, person.channel, person.user_id)
            if respondent is not None:
                respondent.unreachable = True

    async def remember_prompt(self, person: Person, message_ref: int) -> None:
        """The channel showed the current prompt in this message (to retire it later).

        Kept in memory and written with the person's next event or by `keep_prompts` within a
        second, whichever comes first: a transaction of its own per answer would cost about a
        quarter of what the process can take. Killed in between, the old prompt keeps its
        buttons, and pressing one is answered as a stale button; nothing else is lost.
        """
        self._prompts[(person.channel, person.user_id)] = message_ref

    async def write_prompts(self) -> int:
        """Write the remembered prompts in one transaction; how many there were."""
        pending = dict(self._prompts)
        if not pending:
            return 0
        async with self.transaction() as session:
            await respondents.set_prompts(session, pending)
        for key, ref in pending.items():
            if self._prompts.get(key) == ref:  # not replaced by a newer one meanwhile
                del self._prompts[key]
        return len(pending)

    async def keep_prompts(self, stopping: asyncio.Event) -> None:
        """Write remembered prompts every second until `stopping` is set, and once more then;
        memory holds at most a second's worth, and other replicas see them."""
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=PROMPTS_WRITTEN_EVERY)
            try:
                await self.write_prompts()
            except Exception:
                log.exception("could not write the shown prompts; trying again")


def _offers(question: Question, choice_id: str) -> bool:
    return any(choice.id == choice_id for choice in question.choices)


def _selection(interview: Interview) -> frozenset[str]:
    return frozenset(interview.selection.split()) if interview.selection else frozenset()


def _selection_code(answer: object) -> str | None:
    """A multiple-choice answer as the pending selection, when the person comes back to it."""
    return " ".join(sorted(answer)) if isinstance(answer, frozenset) else None


def _with_retire(reply: Reply, retire: Screen) -> Reply:
    return replace(reply, retire=retire)
