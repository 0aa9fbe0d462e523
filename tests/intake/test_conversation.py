"""The intake conversation as a service, on a real database: consent, answers, back, finish."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import Services
from bot.core.service import DuplicateEvent, Event, Person
from bot.flows.loader import load_flow
from bot.intake.service import Conversation
from bot.ui.model import Choose, Confirm, Consent, Navigate, PickLanguage, Reply, Review, Toggle
from bot.ui.text import screen_text
from storage.db import create_engine
from storage.models import Answer, Interview, ProcessedUpdate, Respondent
from tests.fixtures.database import database_kind

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
AMINA = Person("telegram", "1001", chat_id=1001, first_name="Amina", device_language="de")


@pytest.fixture
def flow(settings):
    return load_flow(ROOT / "tests" / "data" / "conversation_flow.yaml", settings.districts)


@pytest.fixture
def handovers():
    return []


@pytest.fixture
def conversation(services, clock, handovers, monkeypatch):
    """The intake as the bot wires it, with the handover to casework recorded instead."""

    async def handover(session, respondent, interview, flags):
        handovers.append((respondent.id, interview.id, [f.rule_id for f in flags]))

    monkeypatch.setattr(services.casework, "handover", handover)
    clock.set(NOW)
    return services.conversation


def prompt_text(reply: Reply) -> str:
    assert reply.prompt is not None, reply
    return screen_text(reply.prompt, reply.language)


async def count(sessions, model) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def interview_of(sessions) -> Interview:
    async with sessions() as session:
        return (await session.execute(select(Interview))).scalar_one()


async def agreed(conversation: Conversation) -> Reply:
    await conversation.start(AMINA, Event(1))
    await conversation.pick_language(AMINA, PickLanguage("de"), Event(2))
    return await conversation.consent(AMINA, Consent("de", True), Event(3))


async def in_spich(conversation: Conversation, sessions) -> Interview:
    """Amina agreed and answered the first question, her district, with Spich (events 1 to 4)."""
    await agreed(conversation)
    interview = await interview_of(sessions)
    await conversation.press(AMINA, Choose(interview.id, "district", "spich"), Event(4))
    return interview


async def test_declining_consent_stores_nothing_about_the_person(conversation, sessions):
    await conversation.start(AMINA, Event(1))
    await conversation.pick_language(AMINA, PickLanguage("de"), Event(2))
    reply = await conversation.consent(AMINA, Consent("de", False), Event(3))
    assert "/start" in screen_text(reply.messages[0], "de")
    assert await count(sessions, Respondent) == 0
    assert await count(sessions, Interview) == 0


async def test_consent_is_stored_with_its_version_and_time(conversation, sessions, settings):
    reply = await agreed(conversation)
    assert "Stadtteil" in prompt_text(reply)
    async with sessions() as session:
        respondent = (await session.execute(select(Respondent))).scalar_one()
    assert respondent.consent_version == settings.privacy.consent_version
    assert respondent.consent_at == NOW
    assert respondent.language == "de"


async def test_a_question_shows_progress_and_offers_no_back_on_the_first(conversation):
    reply = await agreed(conversation)
    text = prompt_text(reply)
    assert "Frage 1 von etwa 5" in text
    labels = [b.label for row in reply.prompt.buttons for b in row]
    assert "Spich" in labels
    assert not any(isinstance(b.action, Navigate) for row in reply.prompt.buttons for b in row)


async def test_a_choice_is_stored_and_the_next_question_follows(conversation, sessions):
    reply = await agreed(conversation)
    interview = await interview_of(sessions)
    reply = await conversation.press(AMINA, Choose(interview.id, "district", "spich"), Event(4))
    assert "Kinder" in prompt_text(reply)
    assert "Frage 2" in prompt_text(reply)
    assert reply.retire is not None  # the answered question keeps its text, loses its buttons
    interview = await interview_of(sessions)
    assert interview.position == "children"
    assert await count(sessions, Answer) == 1


async def test_a_wrong_number_is_explained_and_asked_again_storing_nothing(conversation, sessions):
    await in_spich(conversation, sessions)
    reply = await conversation.text(AMINA, "viele", Event(5))
    assert "nur eine Zahl" in screen_text(reply.messages[0], "de")
    assert "Kinder" in prompt_text(reply)
    reply = await conversation.text(AMINA, "99", Event(6))
    assert "von 0 bis 15" in screen_text(reply.messages[0], "de")
    assert await count(sessions, Answer) == 1
    assert (await interview_of(sessions)).position == "children"


async def test_a_stale_button_press_changes_nothing(conversation, sessions):
    interview = await in_spich(conversation, sessions)
    reply = await conversation.press(AMINA, Choose(interview.id, "district", "eschmar"), Event(5))
    assert reply.toast is not None and reply.prompt is None
    async with sessions() as session:
        answer = (await session.execute(select(Answer))).scalar_one()
    assert answer.code == "spich"


@pytest.mark.parametrize(
    "forged",
    [
        Choose(999, "district", "spich"),  # someone else's interview
        Choose(0, "district", "atlantis"),  # a choice the question does not have
        Toggle(0, "district", "spich"),  # a toggle on a single-choice question
        Review(0, "finish"),  # finishing in the middle of the questionnaire
        Navigate(0, "district", "skip"),  # skipping a required question
    ],
)
async def test_a_forged_button_is_refused_and_changes_nothing(conversation, sessions, forged):
    await agreed(conversation)
    interview = await interview_of(sessions)
    if getattr(forged, "interview_id", None) == 0:
        forged = type(forged)(**{**forged.__dict__, "interview_id": interview.id})
    reply = await conversation.press(AMINA, forged, Event(4))
    assert reply.toast is not None
    assert await count(sessions, Answer) == 0
    assert (await interview_of(sessions)).status == "in_progress"


async def test_the_same_update_twice_is_handled_once(conversation, sessions):
    await in_spich(conversation, sessions)
    with pytest.raises(DuplicateEvent):
        await conversation.text(AMINA, "2", Event(4))
    assert (await interview_of(sessions)).position == "children"
    assert await count(sessions, ProcessedUpdate) == 4


async def walk_to_housing(conversation, sessions, children: str = "2") -> int:
    interview = await in_spich(conversation, sessions)
    await conversation.text(AMINA, children, Event(5))
    if children != "0":
        await conversation.press(AMINA, Choose(interview.id, "school", "yes"), Event(6))
    return interview.id


async def test_multiple_choice_ticks_and_the_exclusive_choice_stands_alone(conversation, sessions):
    iid = await walk_to_housing(conversation, sessions)
    reply = await conversation.press(AMINA, Toggle(iid, "housing_problems", "small"), Event(7))
    assert reply.edit_prompt
    ticked = [b.selected for row in reply.prompt.buttons for b in row]
    assert ticked[:3] == [True, False, False]
    reply = await conversation.press(AMINA, Toggle(iid, "housing_problems", "none"), Event(8))
    ticked = [b.selected for row in reply.prompt.buttons for b in row]
    assert ticked[:3] == [False, False, True]
    reply = await conversation.press(AMINA, Navigate(iid, "housing_problems", "done"), Event(9))
    assert "Wovon leben Sie" in prompt_text(reply)


async def test_done_without_a_selection_asks_for_one(conversation, sessions):
    iid = await walk_to_housing(conversation, sessions)
    reply = await conversation.press(AMINA, Navigate(iid, "housing_problems", "done"), Event(7))
    assert "mindestens eine" in screen_text(reply.messages[0], "de")
    assert (await interview_of(sessions)).position == "housing_problems"


async def test_changing_an_earlier_answer_drops_answers_that_no_longer_apply(
    conversation, sessions
):
    iid = await walk_to_housing(conversation, sessions)
    reply = await conversation.press(AMINA, Navigate(iid, "housing_problems", "back"), Event(7))
    assert "Schule" in prompt_text(reply)
    reply = await conversation.press(AMINA, Navigate(iid, "school", "back"), Event(8))
    assert "Ihre bisherige Antwort: 2" in prompt_text(reply)
    reply = await conversation.text(AMINA, "0", Event(9))
    assert "Probleme haben Sie mit der Wohnung" in prompt_text(reply)
    async with sessions() as session:
        answered = set((await session.execute(select(Answer.question_id))).scalars())
    assert answered == {"district", "children"}


async def finish(conversation, sessions) -> Reply:
    iid = await walk_to_housing(conversation, sessions)
    await conversation.press(AMINA, Toggle(iid, "housing_problems", "notice"), Event(7))
    await conversation.press(AMINA, Navigate(iid, "housing_problems", "done"), Event(8))
    await conversation.press(AMINA, Navigate(iid, "income", "skip"), Event(9))
    reply = await conversation.text(AMINA, "Danke", Event(10))
    assert "Hier sind Ihre Antworten" in prompt_text(reply)
    assert "keine Angabe" in prompt_text(reply)
    return await conversation.press(AMINA, Review(iid, "finish"), Event(11))


async def test_an_urgent_answer_hands_over_at_once_and_finishing_hands_over_every_flag(
    conversation, sessions, handovers
):
    reply = await finish(conversation, sessions)
    closing = screen_text(reply.messages[-1], "de")
    assert "Danke" in closing and "meldet sich bald" in closing
    # Once when the urgent answer was given, once more on submit (the case is joined then).
    assert [rule_ids for _, _, rule_ids in handovers] == [
        ["urgent_housing_loss"],
        ["urgent_housing_loss"],
    ]
    assert (await interview_of(sessions)).status == "finished"


async def test_an_answer_can_be_changed_from_the_summary(conversation, sessions):
    iid = await walk_to_housing(conversation, sessions, children="0")
    await conversation.press(AMINA, Toggle(iid, "housing_problems", "small"), Event(7))
    await conversation.press(AMINA, Navigate(iid, "housing_problems", "done"), Event(8))
    await conversation.press(AMINA, Choose(iid, "income", "job"), Event(9))
    await conversation.text(AMINA, "nichts", Event(10))
    reply = await conversation.press(AMINA, Review(iid, "change"), Event(11))
    assert reply.edit_prompt
    reply = await conversation.press(AMINA, Review(iid, "edit", "income"), Event(12))
    assert "Wovon leben Sie" in prompt_text(reply)
    reply = await conversation.press(AMINA, Choose(iid, "income", "benefits"), Event(13))
    assert "Hier sind Ihre Antworten" in prompt_text(reply)
    assert "Bürgergeld" in prompt_text(reply)


async def test_restart_asks_first_and_then_clears_the_answers(conversation, sessions):
    await walk_to_housing(conversation, sessions)
    ask = await conversation.ask_restart(AMINA)
    assert any(isinstance(b.action, Confirm) for row in ask.messages[0].buttons for b in row)
    await conversation.restart(AMINA, False, Event(20))
    assert await count(sessions, Answer) == 3
    reply = await conversation.restart(AMINA, True, Event(21))
    assert "Stadtteil" in prompt_text(reply)
    assert await count(sessions, Answer) == 0


async def test_my_data_contains_exactly_the_persons_answers(conversation, sessions, services):
    await walk_to_housing(conversation, sessions)
    reply = await services.data_rights.my_data(AMINA)
    text = screen_text(reply.messages[0], "de")
    assert "Spich" in text and "Schule" in text
    export = json.loads(reply.document.content)
    answers = {a["question_id"]: a["answer_code"] for a in export["interview"]["answers"]}
    assert answers == {"district": "spich", "children": "2", "school": "yes"}
    assert export["respondent"]["first_name"] == "Amina"


async def test_delete_erases_every_row_about_the_person(conversation, sessions, services):
    await walk_to_housing(conversation, sessions)
    rights = services.data_rights
    await rights.delete(AMINA, False, Event(30))
    assert await count(sessions, Respondent) == 1
    await rights.delete(AMINA, True, Event(31))
    for model in (Respondent, Interview, Answer):
        assert await count(sessions, model) == 0


async def test_delete_also_erases_the_person_s_updates_still_in_hand(
    conversation, sessions, services
):
    await agreed(conversation)
    inbox = services.inbox
    await inbox.keep([(50, AMINA.user_id, '{"text": "Amina"}'), (51, "4711", "{}")])
    await services.data_rights.delete(AMINA, True, Event(52))
    assert [update_id for update_id, _ in await inbox.pending()] == [51]


async def test_stop_ends_broadcasts_for_the_person(conversation, sessions, services):
    await agreed(conversation)
    await services.data_rights.stop(AMINA, Event(40))
    async with sessions() as session:
        assert (await session.execute(select(Respondent))).scalar_one().broadcasts_opt_out


async def test_activity_is_written_once_a_minute_not_at_every_answer(conversation, sessions, clock):
    await conversation.consent(AMINA, Consent("de", True), Event(update_id=1))

    async def last_active():
        async with sessions() as session:
            return (await session.execute(select(Respondent.last_active_at))).scalar_one()

    interview = await interview_of(sessions)
    clock.set(NOW + timedelta(seconds=30))
    await conversation.press(AMINA, Choose(interview.id, "district", "spich"), Event(2))
    assert await last_active() == NOW
    clock.set(NOW + timedelta(seconds=90))
    await conversation.text(AMINA, "3", Event(update_id=3))
    assert await last_active() == NOW + timedelta(seconds=90)
    assert await count(sessions, Answer) == 2  # both answers stored all the same


async def test_shown_prompts_are_written_in_one_go_and_never_go_back(conversation, sessions):
    await agreed(conversation)

    async def stored_prompt():
        async with sessions() as session:
            return (await session.execute(select(Respondent.prompt_message_id))).scalar_one()

    await conversation.remember_prompt(AMINA, 50)
    assert await conversation.write_prompts() == 1
    assert await stored_prompt() == 50
    assert await conversation.write_prompts() == 0  # nothing is kept once written
    await conversation.remember_prompt(AMINA, 40)  # a late, older message
    await conversation.write_prompts()
    assert await stored_prompt() == 50


@pytest.mark.skipif(database_kind() != "postgresql", reason="replicas share PostgreSQL")
async def test_one_press_at_two_replicas_and_two_presses_at_once_store_the_answer_once(
    conversation, sessions, settings, flow, clock, database_url
):
    await agreed(conversation)
    interview = await interview_of(sessions)
    other_engine = create_engine(database_url)
    replica = Services(settings, other_engine, flow=flow, clock=clock).conversation
    try:
        press = Choose(interview.id, "district", "spich")
        both = await asyncio.gather(
            conversation.press(AMINA, press, Event(4)),
            replica.press(AMINA, press, Event(4)),
            return_exceptions=True,
        )
        assert sum(isinstance(outcome, DuplicateEvent) for outcome in both) == 1
        await conversation.text(AMINA, "2", Event(5))
        # Two taps on one button at once, at the two replicas: the second finds it answered.
        school = Choose(interview.id, "school", "yes")
        replies = await asyncio.gather(
            conversation.press(AMINA, school, Event(6)), replica.press(AMINA, school, Event(7))
        )
    finally:
        await other_engine.dispose()
    assert sorted(reply.toast is not None for reply in replies) == [False, True]
    assert await count(sessions, Answer) == 3
    assert await count(sessions, ProcessedUpdate) == 7
