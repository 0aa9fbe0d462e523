"""End-to-end helpers: the real bot application against the fake Bot API server, and a person
who answers the whole questionnaire on their phone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

from bot.answers import choice_label, question_text
from bot.config import Settings, load_settings
from bot.flows import engine
from bot.flows.schema import Flow, Question, QuestionType
from bot.i18n import Msg, language_name, translator
from bot.prompts import DONE
from bot.screens import label_text
from bot.telegram.app import Application, create_application, serve
from tests.fakebot import FakeTelegram, Person

ROOT = Path(__file__).resolve().parent.parent
AGREE = "✅ Ich bin einverstanden"


def e2e_settings(fake: FakeTelegram, database_url: str, **overrides: Any) -> Settings:
    return load_settings(
        ROOT / "config.yaml",
        bot_token=fake.token,
        telegram_api_url=fake.base_url,
        database_url=database_url,
        **overrides,
    )


@asynccontextmanager
async def running_bot(
    fake: FakeTelegram, database_url: str, clock: Callable | None = None, **overrides: Any
) -> AsyncIterator[Application]:
    """The bot application polling the fake server until the block ends."""
    settings = e2e_settings(fake, database_url, **overrides)
    options = {"clock": clock} if clock else {}
    app = await create_application(settings, **options)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, stop))
    try:
        yield app
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=15)
        await app.close()


def default_answer(question: Question) -> str | list[str]:
    """A valid answer: the first choice (ids), or typed text for the other kinds."""
    match question.type:
        case QuestionType.multiple:
            return [question.choices[0].id]
        case QuestionType.number:
            return str(question.min if question.min is not None else 1)
        case QuestionType.year:
            return "2020"
        case QuestionType.month_year:
            return "03/2021"
        case QuestionType.text:
            return "Test"
        case QuestionType.phone:
            return "0151 23456789"
    return question.choices[0].id


class Respondent:
    """A simulated person walking through the questionnaire in one language."""

    def __init__(self, fake: FakeTelegram, person: Person, flow: Flow, language: str) -> None:
        self.fake = fake
        self.person = person
        self.flow = flow
        self.language = language
        self.tr = translator(language)
        self.answers: dict[str, Any] = {}

    def say(self, text: str) -> str:
        return self.tr(Msg(text))

    async def shows(self, text: str, within: float = 10) -> None:
        await self.fake.wait_until(
            lambda: any(text in (m.text or "") for m in self.person.messages[-3:]), within
        )

    async def start(self, language_label: str | None = None) -> None:
        self.person.send("/start")
        await self.fake.wait_until(lambda: self.person.buttons())
        self.person.tap(language_label or language_name(self.language))
        await self.fake.wait_until(lambda: self.say(AGREE) in self.person.buttons())
        self.person.tap(self.say(AGREE))

    def label(self, question: Question, choice_id: str) -> str:
        return label_text(choice_label(self.flow, question, choice_id), self.language)

    async def answer(self, question: Question, value: str | list[str]) -> None:
        await self.shows(self.tr(question_text(self.flow, question)))
        if question.type is QuestionType.multiple:
            for choice_id in value:
                label = self.label(question, choice_id)
                self.person.tap(label)
                await self.fake.wait_until(
                    lambda label=label: "✓ " + label in self.person.buttons()
                )
            self.person.tap(self.tr(Msg(DONE)))
            parsed: Any = frozenset(value)
        elif question.has_choices:
            self.person.tap(self.label(question, value))
            parsed = value
        else:
            self.person.send(value)
            parsed = engine.decode_answer(question, engine.encode_answer(
                question, _typed(question, value)))  # fmt: skip
        self.answers = engine.apply_answer(self.flow, self.answers, question.id, parsed)

    async def answer_all(self, choose: Callable[[Question], Any] = default_answer) -> None:
        while (question := engine.next_question(self.flow, self.answers)) is not None:
            await self.answer(question, choose(question))

    async def submit(self) -> None:
        await self.fake.wait_until(
            lambda: self.say("✅ Antworten abschicken") in self.person.buttons()
        )
        self.person.tap(self.say("✅ Antworten abschicken"))
        await self.shows(self.say("Danke! Ihre Antworten sind gespeichert."))


def _typed(question: Question, raw: str) -> Any:
    parsed = engine.parse_input(question, raw, today=date.today())
    assert isinstance(parsed, engine.Accepted), (question.id, raw, parsed)
    return parsed.value
