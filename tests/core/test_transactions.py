"""One transaction per event: a nested one fails at once, and nobody can freeze the others."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.service import Event, NestedTransaction, Person, Service
from tests.fixtures.database import database_kind

STRANGER = Person("telegram", "777", chat_id=777, first_name="Fremd", device_language="en")
OTHER = Person("telegram", "778", chat_id=778, first_name="Other", device_language="de")
# Generous: the guard raises at once; without it the await never returns at all.
NEVER = 10


async def test_a_transaction_inside_another_of_the_same_task_raises_at_once(sessions):
    service = Service(sessions)
    async with service.transaction():
        with pytest.raises(NestedTransaction):
            async with asyncio.timeout(NEVER), service.transaction():
                pass


async def test_two_services_on_one_database_share_the_guard(services):
    first, second = services.staff, services.reminders
    async with first.transaction():
        with pytest.raises(NestedTransaction):
            async with asyncio.timeout(NEVER), second.transaction():
                pass


@pytest.mark.skipif(database_kind() != "sqlite", reason="one writer at a time is SQLite's rule")
async def test_another_task_waits_its_turn_on_sqlite_and_then_gets_it(sessions):
    service = Service(sessions)
    order: list[str] = []

    async def other() -> None:
        async with service.transaction():
            order.append("other")

    async with service.transaction():
        task = asyncio.create_task(other())
        await asyncio.sleep(0.05)
        order.append("first")
    await asyncio.wait_for(task, NEVER)
    assert order == ["first", "other"]


@pytest.mark.parametrize("command", ["stop", "mydata", "delete"])
async def test_data_rights_of_a_stranger_answer_and_the_next_person_is_answered(services, command):
    rights, conversation = services.data_rights, services.conversation
    async with asyncio.timeout(NEVER):
        if command == "stop":
            reply = await rights.stop(STRANGER, Event(update_id=1))
        elif command == "mydata":
            reply = await rights.my_data(STRANGER)
        else:
            reply = await rights.delete(STRANGER, True, Event(update_id=1))
        assert reply.language == "en"  # the phone's language: nothing is stored to read
        greeting = await conversation.start(OTHER, Event(update_id=2))
    assert greeting.messages  # the language choice
