"""Answering: choose, toggle, type, back and skip; where the person stands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.config import Settings
from bot.core.i18n import Msg
from bot.core.service import Clock, Event, Person
from bot.flows import engine, steps
from bot.flows.schema import Flow, Question
from bot.flows.steps import Step
from bot.intake import screens as prompts
from bot.intake.prompt_memory import PromptMemory
from bot.intake.texts import ALREADY_DONE, REASONS, STALE
from bot.ui.model import DROP_BUTTONS, Action, Label, Reply, Resume, Review, Screen
from storage import interviews
from storage.models import Interview, Respondent
from storage.types import InterviewStatus

ACTIVE_TO_THE_MINUTE = timedelta(minutes=1)

Decide = Callable[["State"], "Reply | None"]
Handover = Callable[[AsyncSession, Respondent, Interview, list[engine.Flag]], Awaitable[None]]


@dataclass
class State:
    """Where the person stands (rows of the session, or plain rows of a unit of work), and what
    answering decided to write beside the rows themselves (see `Answering._write`)."""

    respondent: Respondent | interviews.RespondentRow
    interview: Interview | interviews.InterviewRow
    answers: dict[str, engine.AnswerValue | engine.Skipped]
    saved: interviews.NewAnswer | None = None
    dropped: frozenset[str] = frozenset()
    handover: list[engine.Flag] = field(default_factory=list)  # new urgent flags: all of them

    @property
    def language(self) -> str:
        return self.respondent.language or "de"


class FullPath(Exception):
    """The unit of work cannot finish this event alone (nothing of it is written): the event
    takes a transaction of the session (a new person or interview, the review, a handover)."""


class Answering:
    """Reading where the person stands and settling their answers (part of the conversation)."""

    settings: Settings
    flow: Flow
    clock: Clock
    handover: Handover | None
    _prompts: PromptMemory
    unit_of_work: Callable[[Event, Callable[[Connection], Reply]], Awaitable[Reply]]

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
        self._touch(respondent, now, self._prompts.take((person.channel, person.user_id)))
        stored = await interviews.load_answers(session, interview.id)
        return State(respondent, interview, self._decoded(stored))

    def _touch(
        self, respondent: Respondent | interviews.RespondentRow, now: datetime, prompt: int | None
    ) -> None:
        """The person wrote: active now, reachable, and the prompt they were last shown."""
        if now - respondent.last_active_at >= ACTIVE_TO_THE_MINUTE:
            # Reminders and retention count in hours and days: a write per minute is enough.
            respondent.last_active_at = now
        if prompt is not None and prompt > (respondent.prompt_message_id or 0):
            respondent.prompt_message_id = prompt
        respondent.unreachable = False

    async def _in_one_hop(self, person: Person, event: Event, decide: Decide) -> Reply:
        """The event's whole transaction as one unit of work (see `Service.unit_of_work`): read
        the person's rows, `decide`, write. Raises FullPath, with nothing written, when the
        event needs the session's transaction instead: `decide` returned None, the person or
        their interview is new, or an urgent answer hands them over."""
        key = (person.channel, person.user_id)
        prompt = self._prompts.take(key)

        def work(connection: Connection) -> Reply:
            found = interviews.lock_and_read(connection, person.channel, person.user_id)
            if found is None or found[1] is None:
                raise FullPath
            respondent, interview, stored = found
            before = (replace(respondent), replace(interview))
            state = State(respondent, interview, self._decoded(stored))
            self._touch(respondent, self.clock(), prompt)
            reply = decide(state)
            if reply is None or state.handover:
                raise FullPath
            self._write_in(connection, state, before)
            return reply

        try:
            return await self.unit_of_work(event, work)
        except BaseException:
            if prompt is not None:
                self._prompts.give_back(key, prompt)
            raise

    def _decoded(self, stored: dict[str, interviews.StoredAnswer]) -> dict:
        answers: dict[str, engine.AnswerValue | engine.Skipped] = {}
        for key, row in stored.items():
            found = self._known_step(key)
            if found is None:
                continue  # a question this version of the flow no longer has
            question = found.question
            if row.skipped or row.code is None:
                answers[key] = engine.SKIPPED
            else:
                answers[key] = engine.decode_answer(question, row.code)
        return answers

    def _first_question_id(self) -> str | None:
        first = engine.next_step(self.flow, {})
        return first.key if first else None

    def _step(self, key: str) -> Step:
        """The step an interview's position or a button names (KeyError: none)."""
        found = self._known_step(key)
        if found is None:
            raise KeyError(key)
        return found

    def _known_step(self, key: str) -> Step | None:
        """The step of a key, None if the flow has none; looked up once per key (every event
        reads every answer of the person)."""
        known: dict[str, Step | None] = self.__dict__.setdefault("_steps_by_key", {})
        if key not in known:
            known[key] = steps.step(self.flow, key) if steps.is_key(self.flow, key) else None
        return known[key]

    def _submit(self, state: State, key: str, raw: str) -> Reply:
        step = self._step(key)
        parsed = engine.parse_input(step.question, raw, today=self._today())
        return self._settle(state, step, parsed)

    def _settle(self, state: State, step: Step, parsed: engine.Parsed) -> Reply:
        """The answer decided; `_write` (or `_write_in`) stores it."""
        question = step.question
        if isinstance(parsed, engine.Rejected):
            return self._current(state, self._reason(question, parsed), retire=True)
        value = parsed.value
        if isinstance(value, engine.Skipped) and not question.skippable:
            return Reply(state.language, toast=Msg(STALE))
        before = state.answers
        after = engine.apply_answer(self.flow, before, step.key, value)
        now = self.clock()
        skipped = isinstance(value, engine.Skipped)
        code = None if skipped else engine.encode_answer(question, value)
        state.saved = (step.key, code, skipped, now)
        state.dropped = frozenset(set(before) - set(after))
        following = engine.next_step(self.flow, after)
        state.interview.position = following.key if following else None
        state.interview.selection = None
        state.interview.updated_at = now
        state.answers = after
        reply = _with_retire(
            self._current(state, None), prompts.answered_screen(self.flow, question, value)
        )
        urgent = self._urgent(state, before)
        if urgent:
            help_now = prompts.urgent_screen(self.flow, urgent)
            reply = replace(reply, messages=(help_now, *reply.messages))
        return reply

    def _urgent(self, state: State, before: engine.Answers) -> list[engine.Flag]:
        """The urgent flags this answer raised; the person is handed over at once, in the
        answer's transaction (the case is opened or joined once, however often this runs)."""
        urgent = engine.handover_flags(self.flow, state.answers, submitted=False)
        earlier = {f.rule_id for f in engine.handover_flags(self.flow, before, submitted=False)}
        raised = [flag for flag in urgent if flag.rule_id not in earlier]
        if raised and self.handover is not None:
            state.handover = urgent
        return raised

    async def _write(self, session: AsyncSession, state: State) -> None:
        """What `_settle` decided beside the rows (those the session writes itself)."""
        if state.saved is not None:
            key, code, skipped, now = state.saved
            await interviews.save_answer(session, state.interview.id, key, code, skipped, now)
            await interviews.delete_answers(session, state.interview.id, state.dropped)
        if state.handover:
            assert self.handover is not None
            respondent, interview = state.respondent, state.interview
            assert isinstance(respondent, Respondent) and isinstance(interview, Interview)
            await self.handover(session, respondent, interview, state.handover)

    def _write_in(self, connection: Connection, state: State, before: tuple) -> None:
        """What `_settle` decided, and what changed of the rows, inside a unit of work."""
        if state.saved is not None:
            interviews.save_answer_in(connection, state.interview.id, state.saved)
            interviews.delete_answers_in(connection, state.interview.id, sorted(state.dropped))
        rows = (state.respondent, state.interview)
        interviews.write_rows(connection, rows, before)  # type: ignore[arg-type]

    def _toggle(self, state: State, step: Step, choice: str) -> Reply:
        selection = engine.toggle_choice(step.question, _selection(state.interview), choice)
        state.interview.selection = " ".join(sorted(selection)) or None
        screen = prompts.question_screen(
            self.flow, state.interview.id, step, state.answers, selection
        )
        return self._edited(state, screen)

    def _edited(self, state: State, screen: Screen) -> Reply:
        """`screen` in place of the prompt the person answers on."""
        return Reply(
            state.language,
            prompt=screen,
            edit_prompt=True,
            prompt_ref=state.respondent.prompt_message_id,
        )

    def _back(self, state: State, key: str) -> Reply:
        previous = engine.previous_step(self.flow, state.answers, key)
        if previous is None:
            return Reply(state.language, toast=Msg(STALE))
        state.interview.position = previous.key
        earlier = state.answers.get(previous.key)
        state.interview.selection = _selection_code(earlier)
        return self._current(state, None, retire=True)

    def _is_current(self, state: State, action: Action) -> bool:
        interview = state.interview
        if getattr(action, "interview_id", None) != interview.id:
            return False
        if interview.status != InterviewStatus.in_progress:
            return False
        if isinstance(action, Review):
            return interview.position is None
        if isinstance(action, Resume):
            return True
        return getattr(action, "question_id", None) == interview.position

    def _current(self, state: State, note: Label | None, retire: bool = False) -> Reply:
        """Where the person stands now: the current question, the summary, or the end."""
        interview = state.interview
        notes = (Screen((note,)),) if note is not None else ()
        if interview.status == InterviewStatus.finished:
            return Reply(state.language, messages=(*notes, Screen((Msg(ALREADY_DONE),))))
        if interview.position is None:
            following = engine.next_step(self.flow, state.answers)
            interview.position = following.key if following else None
        if interview.position is None:
            screen = prompts.summary_screen(self.flow, interview.id, state.answers)
        else:
            screen = prompts.question_screen(
                self.flow,
                interview.id,
                self._step(interview.position),
                state.answers,
                _selection(interview),
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


def _offers(question: Question, choice_id: str) -> bool:
    return any(choice.id == choice_id for choice in question.choices)


def _selection(interview: Interview | interviews.InterviewRow) -> frozenset[str]:
    return frozenset(interview.selection.split()) if interview.selection else frozenset()


def _selection_code(answer: object) -> str | None:
    """A multiple-choice answer as the pending selection, when the person comes back to it."""
    return " ".join(sorted(answer)) if isinstance(answer, frozenset) else None


def _with_retire(reply: Reply, retire: Screen) -> Reply:
    return replace(reply, retire=retire)
