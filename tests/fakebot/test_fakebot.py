"""The fake Bot API server refuses what Telegram refuses, so the end-to-end tests mean something."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import ClientSession


@pytest.fixture
async def bot(fake_telegram):
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake_telegram.base_url))
    bot = Bot(fake_telegram.token, session=session)
    yield bot
    await bot.session.close()


async def raw(fake, method: str, payload: dict) -> dict:
    async with ClientSession() as http:
        url = f"{fake.base_url}/bot{fake.token}/{method}"
        async with http.post(url, json=payload) as response:
            return await response.json()


async def test_a_sent_message_appears_in_the_persons_chat(fake_telegram, bot):
    person = fake_telegram.person("Amina")
    sent = await bot.send_message(person.chat_id, "Hallo")
    assert sent.message_id == person.last.message_id
    assert person.last.text == "Hallo"


@pytest.mark.parametrize(
    ("method", "payload", "problem"),
    [
        ("sendMesage", {"chat_id": 1, "text": "x"}, "unknown method"),
        ("sendMessage", {"chat_id": 1, "text": "x", "colour": "red"}, "unknown parameter colour"),
        ("sendMessage", {"chat_id": 1}, "missing required parameter text"),
        ("sendMessage", {"chat_id": 1, "text": "x" * 4097}, "over 4096"),
        ("sendMessage", {"chat_id": 1, "text": "  "}, "text is empty"),
        (
            "sendMessage",
            {
                "chat_id": 1,
                "text": "x",
                "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "y" * 65}]]},
            },
            "is not 1-64 bytes",
        ),
        (
            "sendMessage",
            {"chat_id": 1, "text": "x", "reply_markup": {"inline_keyboard": [[{"text": "a"}]]}},
            "exactly one action",
        ),
    ],
)
async def test_a_request_telegram_would_refuse_is_refused_and_recorded(
    fake_telegram, method, payload, problem
):
    fake_telegram.expect_violations()
    answer = await raw(fake_telegram, method, payload)
    assert answer["ok"] is False and answer["error_code"] == 400
    assert problem in answer["description"]
    assert any(problem in v for v in fake_telegram.violations)


async def test_html_tags_do_not_count_towards_the_text_limit(fake_telegram, bot):
    person = fake_telegram.person()
    await bot.send_message(person.chat_id, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert not fake_telegram.violations


async def test_long_polling_returns_as_soon_as_a_person_writes(fake_telegram, bot):
    person = fake_telegram.person()
    waiting = asyncio.create_task(bot.get_updates(timeout=20, request_timeout=30))
    await asyncio.sleep(0)
    person.send("Hallo")
    updates = await asyncio.wait_for(waiting, timeout=5)
    assert [u.message.text for u in updates] == ["Hallo"]


async def test_an_offset_confirms_earlier_updates(fake_telegram, bot):
    person = fake_telegram.person()
    person.send("eins")
    person.send("zwei")
    first = await bot.get_updates(timeout=0)
    assert len(first) == 2
    again = await bot.get_updates(timeout=0)
    assert len(again) == 2  # nothing confirmed yet: Telegram sends them again
    rest = await bot.get_updates(offset=first[0].update_id + 1, timeout=0)
    assert [u.message.text for u in rest] == ["zwei"]


async def test_failures_on_demand_429_502_and_a_blocked_person(fake_telegram, bot):
    person = fake_telegram.person()
    fake_telegram.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(TelegramRetryAfter) as raised:
        await bot.send_message(person.chat_id, "x")
    assert raised.value.retry_after == 3
    fake_telegram.fail_next("sendMessage", status=502)
    with pytest.raises(TelegramServerError):
        await bot.send_message(person.chat_id, "x")
    fake_telegram.block(person)
    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(person.chat_id, "x")
    assert fake_telegram.count_429 == 1


async def test_rate_limits_answer_429_when_the_bot_is_too_fast(fake_telegram, bot):
    fake_telegram.limits(total_per_second=30, per_chat_per_second=1)
    person = fake_telegram.person()
    await bot.send_message(person.chat_id, "eins")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(person.chat_id, "zwei")


async def test_a_delay_for_every_method_holds_each_method_not_given_its_own(fake_telegram, bot):
    fake_telegram.slow_down("*", 5)
    fake_telegram.slow_down("sendMessage", 0)
    person = fake_telegram.person("Amina")
    held = asyncio.create_task(bot.get_me())
    await fake_telegram.wait_until(lambda: "getMe" in fake_telegram.answering)
    await bot.send_message(person.chat_id, "Hallo")
    assert not held.done()
    assert fake_telegram.answering == {"getMe"}
    held.cancel()


async def test_a_tap_sends_the_buttons_callback_data(fake_telegram, bot):
    person = fake_telegram.person()
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Ja", callback_data="k:delete:1")]]
    )
    await bot.send_message(person.chat_id, "Sicher?", reply_markup=markup)
    person.tap("Ja")
    updates = await bot.get_updates(timeout=0)
    assert updates[-1].callback_query.data == "k:delete:1"
    with pytest.raises(AssertionError, match="no button 'Nein'"):
        person.tap("Nein")


async def test_editing_without_a_change_is_refused_like_telegram_does(fake_telegram, bot):
    person = fake_telegram.person()
    sent = await bot.send_message(person.chat_id, "Text")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("Text", chat_id=person.chat_id, message_id=sent.message_id)
    assert not fake_telegram.violations


async def test_webhook_delivery_carries_the_secret_header(fake_telegram, bot, aiohttp_free_port):
    from aiohttp import web

    received: list[tuple[str | None, dict]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", aiohttp_free_port).start()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{aiohttp_free_port}/hook", secret_token="s3cret")
        fake_telegram.person().send("Hallo")
        await fake_telegram.wait_until(lambda: received)
        assert received[0][0] == "s3cret"
        assert received[0][1]["message"]["text"] == "Hallo"
    finally:
        await runner.cleanup()


@pytest.fixture
def aiohttp_free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
