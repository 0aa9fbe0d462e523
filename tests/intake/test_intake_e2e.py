"""A person on a phone answers the questionnaire: the real bot over HTTP against a fake Telegram."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import pytest
from sqlalchemy import func, select

from bot.core.i18n import language_name
from bot.flows.loader import load_configured_flow
from storage.models import Answer, Interview, ProcessedUpdate, Respondent
from tests.fixtures.bot import Respondent as Walker
from tests.fixtures.bot import e2e_settings, running_bot


async def rows(sessions, model) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


def flow_for(fake, database_url):
    return load_configured_flow(e2e_settings(fake, database_url))


@pytest.fixture
def start(fake_telegram, database_url):
    """`async with start(answered=…, showing=…) as walker`: `started` on the test's bot."""
    return partial(started, fake_telegram, database_url)


@asynccontextmanager
async def started(
    fake,
    database_url,
    name: str = "Amina",
    answered: tuple[str, ...] = (),
    showing: str | None = None,
) -> AsyncIterator[Walker]:
    """The real bot running, and a German-speaking person who has begun the questionnaire (and
    answered its first questions with these codes), with the question `showing` in front."""
    async with running_bot(fake, database_url):
        walker = Walker(fake, fake.person(name, "de"), flow_for(fake, database_url), "de")
        await walker.start()
        for question, code in zip(walker.flow.questions, answered, strict=False):
            await walker.answer(question, code)
        if showing is not None:
            await walker.shows(showing)
        yield walker


async def test_a_person_completes_the_questionnaire_and_hears_what_happens_next(
    fake_telegram, start, sessions
):
    async with start() as walker:
        person = walker.person
        await walker.answer_all()
        await walker.submit()
        closing = person.messages[-1].text
        assert "/mydata" in closing
    assert await rows(sessions, Answer) == len(walker.answers)
    assert not fake_telegram.unanswered_callbacks()


async def test_the_phone_language_is_offered_first_and_each_language_in_its_own_script(
    fake_telegram, database_url
):
    async with running_bot(fake_telegram, database_url):
        person = fake_telegram.person("John", "en-GB")
        person.send("/start")
        await fake_telegram.wait_until(lambda: person.buttons())
        assert person.buttons()[0] == language_name("en") == "English"
        assert "Deutsch" in person.buttons()


async def test_declining_consent_stores_nothing_and_says_how_to_come_back(
    fake_telegram, database_url, sessions
):
    async with running_bot(fake_telegram, database_url):
        person = fake_telegram.person("Ali", "de")
        person.send("/start")
        await fake_telegram.wait_until(lambda: person.buttons())
        person.tap("Deutsch")
        await fake_telegram.wait_until(lambda: "❌ Nein, danke" in person.buttons())
        person.tap("❌ Nein, danke")
        await fake_telegram.wait_until(lambda: "/start" in (person.last.text or ""))
    assert await rows(sessions, Respondent) == 0
    assert await rows(sessions, Interview) == 0


async def test_a_question_shows_progress_and_the_answered_one_loses_its_buttons(
    fake_telegram, start
):
    async with start() as walker:
        person = walker.person
        first = walker.flow.questions[0]
        await walker.answer(first, "spich")
        await walker.shows("Frage 2 von etwa")
        answered = next(m for m in person.messages if walker.flow.questions[0].text in m.text)
        assert answered.buttons == []
        assert "✓ Spich" in answered.text


async def test_after_a_restart_the_shown_question_still_loses_its_buttons(
    fake_telegram, database_url
):
    person = fake_telegram.person("Amina", "de")
    async with running_bot(fake_telegram, database_url):
        walker = Walker(fake_telegram, person, flow_for(fake_telegram, database_url), "de")
        await walker.start()
        await walker.shows("Frage 1 von etwa")
        question = person.last
        assert question.buttons
    async with running_bot(fake_telegram, database_url):  # a new process knows only the database
        person.send("hallo")
        await fake_telegram.wait_until(lambda: person.last.message_id != question.message_id)
        await fake_telegram.wait_until(lambda: person.last.buttons)
    assert question.buttons == []  # the old copy cannot be pressed by mistake
    assert "Frage 1 von etwa" in (person.last.text or "")


async def test_the_next_question_does_not_wait_for_the_answer_to_the_press(fake_telegram, start):
    async with start() as walker:
        person = walker.person
        await fake_telegram.wait_until(
            lambda: (
                "Frage 1 " in (person.last.text or "") and not fake_telegram.unanswered_callbacks()
            )
        )
        fake_telegram.slow_down("answerCallbackQuery", 3.0)
        asked = len(person.messages)
        person.tap(person.buttons()[0])
        await fake_telegram.wait_until(lambda: len(person.messages) > asked and person.buttons())
        # The next question is there while Telegram is still answering the press.
        assert "answerCallbackQuery" in fake_telegram.answering
        await fake_telegram.wait_until(lambda: not fake_telegram.unanswered_callbacks())


async def test_a_stale_button_is_answered_politely_and_changes_nothing(
    fake_telegram, start, sessions
):
    async with start(answered=("spich",), showing="Frage 2") as walker:
        person = walker.person
        district_prompt = next(m for m in person.messages if "Stadtteil" in (m.text or ""))
        # The district question again, from its old message whose buttons are long gone.
        forged = person.tap_data("a:1:district:eschmar", message_id=district_prompt.message_id)
        await fake_telegram.wait_until(
            lambda: fake_telegram.callback_answers[forged["callback_query"]["id"]]
        )
        answer = fake_telegram.callback_answers[forged["callback_query"]["id"]]
        assert "gilt nicht mehr" in answer["text"]
    async with sessions() as session:
        codes = (await session.execute(select(Answer.code))).scalars().all()
    assert codes == ["spich"]


async def test_garbage_callback_data_is_answered_and_changes_nothing(
    fake_telegram, start, sessions
):
    async with start(showing="Stadtteil") as walker:
        person = walker.person
        for data in ("x", "a:notanumber:q:c", "k:delete:perhaps", "l:xx"):
            update = person.tap_data(data)
            query = update["callback_query"]["id"]
            await fake_telegram.wait_until(lambda q=query: fake_telegram.callback_answers[q])
    assert await rows(sessions, Answer) == 0
    assert await rows(sessions, Respondent) == 1


async def test_the_same_update_delivered_twice_is_handled_once(fake_telegram, start, sessions):
    async with start(answered=("spich",), showing="Frage 2") as walker:
        person = walker.person
        question = walker.flow.questions[1]  # age group
        update = person.tap(walker.label(question, "a27_44"))
        await walker.shows("Frage 3")
        sent_before = len(fake_telegram.calls_to("sendMessage"))
        fake_telegram.redeliver(update)
        person.send("/help")
        await fake_telegram.wait_until(lambda: "So funktioniert es" in (person.last.text or ""))
        assert len(fake_telegram.calls_to("sendMessage")) == sent_before + 1
    assert await rows(sessions, Answer) == 2


async def test_photos_stickers_voice_and_other_things_get_a_hint_and_nothing_is_stored(
    fake_telegram, start, sessions
):
    async with start(showing="Stadtteil") as walker:
        person = walker.person
        for kind in ("photo", "sticker", "voice", "location", "document", "contact", "video_note"):
            before = len(person.messages)
            getattr(person, f"send_{kind}")()
            await fake_telegram.wait_until(lambda before=before: len(person.messages) > before)
            assert "kann ich leider nicht lesen" in person.last.text
    assert await rows(sessions, Answer) == 0


async def test_a_long_text_is_refused_with_the_limit_and_nothing_is_stored(
    fake_telegram, start, sessions
):
    async with start(answered=("spich", "a27_44"), showing="Wie viele Menschen") as walker:
        person = walker.person
        person.send("9" * 4096)
        await fake_telegram.wait_until(lambda: "Die Zahl ist zu groß" in person.messages[-2].text)
        person.send("   ")
        await fake_telegram.wait_until(lambda: "Die Antwort ist leer" in person.messages[-2].text)
    assert await rows(sessions, Answer) == 2


async def test_a_person_who_blocked_the_bot_does_not_stop_it_for_others(
    fake_telegram, start, sessions
):
    async with start(showing="Stadtteil") as walker:
        amina = walker.person
        amina.block_bot()
        amina.tap(walker.label(walker.flow.questions[0], "spich"))
        john = fake_telegram.person("John", "en")
        john.send("/start")
        await fake_telegram.wait_until(lambda: john.buttons())
    async with sessions() as session:
        respondent = (await session.execute(select(Respondent))).scalar_one()
    assert respondent.unreachable


async def test_my_data_sends_the_answers_as_a_message_and_a_json_file(fake_telegram, start):
    async with start(answered=("spich", "a27_44"), showing="Wie viele Menschen") as walker:
        person = walker.person
        person.send("/mydata")
        await fake_telegram.wait_until(lambda: person.last.document is not None)
        name, content = person.last.document
        assert name == "my-data.json"
        answers = json.loads(content)["interview"]["answers"]
        assert {a["question_id"]: a["answer_code"] for a in answers} == {
            "district": "spich",
            "age_group": "a27_44",
        }
        assert "Spich" in person.messages[-2].text


async def test_delete_asks_first_and_then_leaves_no_row_about_the_person(
    fake_telegram, start, sessions
):
    async with start(answered=("spich",), showing="Frage 2") as walker:
        person = walker.person
        person.send("/delete")
        await fake_telegram.wait_until(lambda: "Ja, alles löschen" in person.buttons())
        person.tap("Ja, alles löschen")
        await fake_telegram.wait_until(lambda: "Daten sind gelöscht" in (person.last.text or ""))
    for model in (Respondent, Interview, Answer):
        assert await rows(sessions, model) == 0
    assert await rows(sessions, ProcessedUpdate) > 0  # update ids only, nothing personal


async def test_the_command_menu_is_set_for_every_language(fake_telegram, database_url):
    async with running_bot(fake_telegram, database_url) as app:
        await fake_telegram.wait_until(
            lambda: len(fake_telegram.commands) == len(app.settings.languages) + 1
        )
    english = fake_telegram.commands[("all_private_chats", "en")]
    assert [c["command"] for c in english][:3] == ["start", "help", "language"]
    german = fake_telegram.commands[("all_private_chats", "de")]
    assert german[1]["description"] == "Hilfe"
    assert english[1]["description"] == "Help"
