"""Filters checked on the event loop: the same answers as aiogram's magic filters, no thread."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import F
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.types import Chat, Message, User

from bot.telegram.filters import PRIVATE, TYPED, inline

PERSON = User(id=7, is_bot=False, first_name="Amina")


def message(text: str | None, chat_type: str = "private") -> Message:
    chat = Chat(id=7 if chat_type == "private" else -100, type=chat_type)
    return Message(message_id=1, date=datetime.now(UTC), chat=chat, from_user=PERSON, text=text)


async def test_private_and_typed_answer_as_the_magic_filters_do():
    cases = [message("3"), message("/start"), message(None), message("3", chat_type="group")]
    for event in cases:
        assert bool(await PRIVATE(event)) == bool((F.chat.type == "private").resolve(event))
    assert [bool(await TYPED(event)) for event in cases] == [True, False, False, True]


async def test_aiogram_awaits_them_instead_of_sending_them_to_a_thread():
    assert FilterObject(callback=F.text).awaitable is False  # what `inline` is there for
    assert FilterObject(callback=inline(F.text)).awaitable is True
    assert FilterObject(callback=PRIVATE).awaitable is True
    assert FilterObject(callback=TYPED).awaitable is True
