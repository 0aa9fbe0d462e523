"""Urgent answers on a real database: the case opens in the answer's transaction, once, however
often the person goes back, the update comes again or two replicas handle it; submit joins it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.app import Services
from bot.casework.opening import notice_after_new_flags
from bot.casework.service import Casework
from bot.core.config import load_settings
from bot.core.service import DuplicateEvent, Event, Person
from bot.flows.loader import load_flow
from bot.intake.screens import EMERGENCY, URGENT_HEARD
from bot.intake.service import Conversation
from bot.ui.model import Consent, Navigate, Reply, Review, Toggle
from bot.ui.text import screen_text
from storage import casework as store
from storage.casework import AuditEntry, Case, CaseFlag
from storage.db import create_engine
from storage.models import Interview
from tests.fixtures.outbox import Recorder, drain, rows

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
AMINA = Person("telegram", "1001", chat_id=1001, first_name="Amina", device_language="de")
GROUP = -100


@pytest.fixture
def settings(database_url):
    teams = [{"id": "kim", "name": "KIM", "chat_id": GROUP, "default": True}]
    return load_settings(ROOT / "config.yaml", database_url=database_url, teams=teams)


def replica(engine, settings) -> Services:
    """One process of the bot, wired as it runs: its conversation hands over to its casework."""
    flow = load_flow(ROOT / "tests" / "data" / "conversation_flow.yaml", settings.districts)
    return Services(settings, engine, flow=flow, clock=lambda: NOW)


@pytest.fixture
def services(engine, settings) -> Services:
    return replica(engine, settings)


@pytest.fixture
def bot(services) -> tuple[Conversation, Casework]:
    return services.conversation, services.casework


async def to_housing(conversation: Conversation, sessions) -> int:
    """Consent, a district and no children: the housing question with the urgent choice."""
    await conversation.consent(AMINA, Consent("de", True), Event(1))
    async with sessions() as session:
        interview = (await session.execute(sa.select(Interview))).scalar_one()
    await conversation.text(AMINA, "spich", Event(2))
    await conversation.text(AMINA, "0", Event(3))
    await conversation.press(AMINA, Toggle(interview.id, "housing_problems", "notice"), Event(4))
    return interview.id


async def cases(sessions) -> list[tuple[int, str, str, str]]:
    async with sessions() as session:
        query = sa.select(Case.id, Case.priority, Case.status, Case.notice_state)
        return [tuple(row) for row in await session.execute(query)]


async def flags(sessions) -> list[str]:
    async with sessions() as session:
        return list((await session.execute(sa.select(CaseFlag.rule_id))).scalars())


def said(reply: Reply) -> list[str]:
    return [screen_text(screen, reply.language) for screen in reply.messages]


async def test_an_urgent_answer_opens_the_case_at_once_and_tells_where_to_get_help(bot, sessions):
    conversation, _ = bot
    iid = await to_housing(conversation, sessions)
    reply = await conversation.press(AMINA, Navigate(iid, "housing_problems", "done"), Event(5))

    assert await cases(sessions) == [(1, "urgent", "new", "pending")]
    assert await flags(sessions) == ["urgent_housing_loss"]
    async with sessions() as session:
        assert (await session.get(Interview, iid)).status == "in_progress"
    help_now = said(reply)[0]
    assert URGENT_HEARD in help_now and EMERGENCY in help_now
    assert "110" in help_now and "112" in help_now
    assert "Briefe vom Vermieter" in help_now  # the rule's own help
    assert "Wovon leben Sie?" in screen_text(reply.prompt, "de")  # and the questionnaire goes on
    assert await rows(sessions) == [("notice", "1", "pending")]  # the team hears at once


async def test_going_back_a_redelivered_update_and_submit_tell_the_team_once(
    bot, services, sessions
):
    conversation, _ = bot
    group = Recorder(first_id=70)
    iid = await to_housing(conversation, sessions)
    await conversation.press(AMINA, Navigate(iid, "housing_problems", "done"), Event(5))
    [notice] = await drain(services, group)
    assert (notice.chat_id, notice.edit) == (GROUP, None)

    # Back, the urgent choice taken away, and given again: the case has the flag already.
    await conversation.press(AMINA, Navigate(iid, "income", "back"), Event(6))
    await conversation.press(AMINA, Toggle(iid, "housing_problems", "notice"), Event(7))
    await conversation.press(AMINA, Toggle(iid, "housing_problems", "small"), Event(8))
    reply = await conversation.press(AMINA, Navigate(iid, "housing_problems", "done"), Event(9))
    assert said(reply) == []  # nothing urgent any more
    await conversation.press(AMINA, Navigate(iid, "income", "back"), Event(10))
    await conversation.press(AMINA, Toggle(iid, "housing_problems", "notice"), Event(11))
    again = await conversation.press(AMINA, Navigate(iid, "housing_problems", "done"), Event(12))
    assert URGENT_HEARD in said(again)[0]  # the person is told again where to get help …
    assert await cases(sessions) == [(1, "urgent", "new", "sent")]  # … the team not again
    assert await drain(services, group) == []
    with pytest.raises(DuplicateEvent):
        await conversation.press(AMINA, Navigate(iid, "housing_problems", "done"), Event(12))

    # Submit: the non-urgent flag joins the case, and the notice is drawn again in place.
    await conversation.text(AMINA, "2", Event(13))  # income: Bürgergeld
    await conversation.text(AMINA, "Danke", Event(14))
    reply = await conversation.press(AMINA, Review(iid, "finish"), Event(15))
    assert "meldet sich bald" in said(reply)[-1]
    assert sorted(await flags(sessions)) == ["low_income", "urgent_housing_loss"]
    assert await cases(sessions) == [(1, "urgent", "new", "outdated")]
    [update] = await drain(services, group)
    assert (update.chat_id, update.edit) == (GROUP, 70)
    assert "Lebt von Bürgergeld" in update.text
    assert await cases(sessions) == [(1, "urgent", "new", "sent")]
    assert await rows(sessions) == [("notice", "1", "sent")]  # one row, armed twice
    async with sessions() as session:
        audit = list((await session.execute(sa.select(AuditEntry.action))).scalars())
    assert audit == ["notice", "notice_update"]


async def test_two_replicas_handling_the_same_urgent_update_open_one_case(
    bot, sessions, settings, database_url
):
    conversation, _ = bot
    iid = await to_housing(conversation, sessions)
    other_engine = create_engine(database_url)
    try:
        other = replica(other_engine, settings).conversation
        done = Navigate(iid, "housing_problems", "done")
        results = await asyncio.gather(
            conversation.press(AMINA, done, Event(5)),
            other.press(AMINA, done, Event(5)),
            return_exceptions=True,
        )
    finally:
        await other_engine.dispose()
    assert sorted(type(r).__name__ for r in results) == ["DuplicateEvent", "Reply"]
    assert await cases(sessions) == [(1, "urgent", "new", "pending")]
    assert await rows(sessions) == [("notice", "1", "pending")]


async def test_a_case_another_transaction_opened_first_is_joined_not_doubled(bot, sessions):
    conversation, _ = bot
    iid = await to_housing(conversation, sessions)
    await conversation.press(AMINA, Navigate(iid, "housing_problems", "done"), Event(5))
    async with sessions() as session, session.begin():
        # As a replica that looked a moment before the first case was committed.
        case = await store.open_case(
            session, respondent_id=1, interview_id=iid, language="de", priority="urgent",
            team="kim", created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        assert case.id == 1
    assert len(await cases(sessions)) == 1


@pytest.mark.parametrize(
    ("state", "message_id", "more_pressing", "after"),
    [
        ("pending", None, True, "pending"),  # not sent yet: it shows the new flags anyway
        ("pending", None, False, "pending"),
        ("sent", 70, False, "outdated"),  # in the group: drawn again in place
        ("outdated", 70, False, "outdated"),
        ("sent", 70, True, "pending"),  # more pressing now: a new notice
    ],
)
def test_flags_joining_a_case_update_its_notice_or_send_a_new_one(
    state, message_id, more_pressing, after
):
    case = Case(respondent_id=1, language="de", priority="high", team="kim", created_at=NOW,
                updated_at=NOW, notice_state=state, notice_message_id=message_id)  # fmt: skip
    assert notice_after_new_flags(case, more_pressing) == after
