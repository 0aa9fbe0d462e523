"""The intake conversation with a repeat group, on a real database: rounds are stored under
their keys, back crosses the round boundary, a no removes the later rounds' answers."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.core.config import load_settings
from bot.core.service import Event, Person
from bot.flows.loader import load_flow
from bot.intake.data_rights import DataRights
from bot.intake.service import Conversation
from bot.intake.texts import STALE
from bot.ui.model import Choose, Consent, Navigate, PickLanguage, Reply
from bot.ui.text import screen_text
from storage.models import Answer, Interview

ROOT = Path(__file__).resolve().parents[2]
FLOW = ROOT / "tests" / "data" / "repeat_flow.yaml"
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
OLGA = Person("telegram", "2002", chat_id=2002, first_name="Olga", device_language="de")
ANOTHER = "Möchten Sie noch ein Angebot eintragen?"


@pytest.fixture
def settings(database_url):
    return load_settings(ROOT / "config.yaml", database_url=database_url)


def conversation_on(sessions, settings, path: Path) -> Conversation:
    flow = load_flow(path, settings.districts)
    return Conversation(sessions, settings, flow, clock=lambda: NOW)


class Talk:
    """Olga's side of the conversation; every event has its own id."""

    def __init__(self, conversation: Conversation) -> None:
        self.conversation = conversation
        self.events = itertools.count(1)
        self.interview_id = 0

    def event(self) -> Event:
        return Event(next(self.events))

    async def agree(self) -> Reply:
        await self.conversation.start(OLGA, self.event())
        await self.conversation.pick_language(OLGA, PickLanguage("de"), self.event())
        reply = await self.conversation.consent(OLGA, Consent("de", True), self.event())
        self.interview_id = reply.prompt.buttons[0][0].action.interview_id
        return reply

    async def choose(self, key: str, choice: str) -> Reply:
        action = Choose(self.interview_id, key, choice)
        return await self.conversation.press(OLGA, action, self.event())

    async def back(self, key: str) -> Reply:
        action = Navigate(self.interview_id, key, "back")
        return await self.conversation.press(OLGA, action, self.event())

    async def type(self, text: str) -> Reply:
        return await self.conversation.text(OLGA, text, self.event())


def reply_key(reply: Reply) -> str:
    """The key the current prompt's buttons carry."""
    return reply.prompt.buttons[0][0].action.question_id


def text_of(reply: Reply) -> str:
    return screen_text(reply.prompt, reply.language)


async def stored_keys(sessions) -> list[str]:
    async with sessions() as session:
        rows = await session.execute(select(Answer.question_id).order_by(Answer.id))
        return list(rows.scalars())


async def position(sessions) -> str | None:
    async with sessions() as session:
        return (await session.execute(select(Interview.position))).scalar_one()


async def test_rounds_are_stored_under_their_keys_and_a_no_removes_the_later_ones(
    sessions, settings
):
    talk = Talk(conversation_on(sessions, settings, FLOW))
    await talk.agree()
    reply = await talk.choose("district", "spich")
    assert "Angebot 1" in text_of(reply) and reply_key(reply) == "offers.1.offer_name"
    reply = await talk.type("Deutschcafé")
    reply = await talk.choose(reply_key(reply), "free")
    reply = await talk.choose(reply_key(reply), "yes")
    assert ANOTHER in text_of(reply) and reply_key(reply) == "offers.1"
    reply = await talk.choose("offers.1", "yes")
    assert "Angebot 2" in text_of(reply)
    reply = await talk.type("Nähkurs")
    assert reply_key(reply) == "offers.2.costs"
    assert await stored_keys(sessions) == [
        "district", "offers.1.offer_name", "offers.1.costs", "offers.1.accessible", "offers.1",
        "offers.2.offer_name",
    ]  # fmt: skip

    await talk.back("offers.2.costs")
    reply = await talk.back("offers.2.offer_name")  # back across the round boundary
    assert ANOTHER in text_of(reply) and await position(sessions) == "offers.1"
    reply = await talk.choose("offers.1", "no")
    assert "Möchten Sie uns noch etwas sagen?" in text_of(reply)
    assert await stored_keys(sessions) == [
        "district", "offers.1.offer_name", "offers.1.costs", "offers.1.accessible", "offers.1",
    ]  # fmt: skip


async def test_before_min_rounds_no_is_not_an_answer(sessions, settings, tmp_path):
    data = yaml.safe_load(FLOW.read_text())
    data["sections"][0]["questions"][1]["min"] = 2
    path = tmp_path / "survey.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    talk = Talk(conversation_on(sessions, settings, path))
    await talk.agree()
    await talk.choose("district", "spich")
    reply = await talk.type("Deutschcafé")
    reply = await talk.choose(reply_key(reply), "free")
    reply = await talk.choose(reply_key(reply), "yes")
    assert [b.action.choice_id for b in reply.prompt.buttons[0]] == ["yes"]
    refused = await talk.choose("offers.1", "no")
    assert refused.toast is not None and refused.toast.text == STALE
    assert "offers.1" not in await stored_keys(sessions)


async def test_mydata_lists_every_round(sessions, settings):
    conversation = conversation_on(sessions, settings, FLOW)
    talk = Talk(conversation)
    await talk.agree()
    await talk.choose("district", "spich")
    for name in ("Deutschcafé", "Nähkurs"):
        reply = await talk.type(name)
        reply = await talk.choose(reply_key(reply), "free")
        reply = await talk.choose(reply_key(reply), "yes")
        await talk.choose(reply_key(reply), "yes" if name == "Deutschcafé" else "no")
    reply = await DataRights(conversation).my_data(OLGA)
    answers = json.loads(reply.document.content)["interview"]["answers"]
    keys = [a["question_id"] for a in answers]
    assert keys[:2] == ["district", "offers.1.offer_name"]
    assert keys.index("offers.1") < keys.index("offers.2.offer_name") < keys.index("offers.2")
    assert [a["answer"] for a in answers if a["question_id"].endswith("offer_name")] == [
        "Deutschcafé", "Nähkurs",
    ]  # fmt: skip
