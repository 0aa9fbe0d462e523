"""The sender over real HTTP against the fake Bot API server with Telegram's limits switched on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from sqlalchemy import select

from bot.broadcasts.service import Broadcasts, Draft
from bot.flows.loader import load_flow
from bot.outbox.sender import Kind, Sender
from bot.telegram.delivery import TelegramTransport
from storage import respondents
from storage.deliveries import Delivery
from storage.models import Respondent
from tests.fixtures.bot import e2e_settings
from tests.fixtures.database import add_respondent, database_kind

ROOT = Path(__file__).resolve().parents[2]
RATE = 25  # as configured for a city; the fake server, like Telegram, allows about 30


@pytest.fixture
def settings(database_url, fake_telegram):
    fake_telegram.limits(total_per_second=30, per_chat_per_second=1)
    return e2e_settings(
        fake_telegram,
        database_url,
        broadcasts={"rate_per_second": RATE, "per_chat_interval_seconds": 1.0, "max_attempts": 3},
    )


@pytest.fixture
async def bot(settings) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    bot = Bot(settings.bot_token.get_secret_value(), session=session)
    yield bot
    await bot.session.close()


@pytest.fixture
def broadcasts(sessions, settings):
    flow = load_flow(ROOT / "tests" / "data" / "conversation_flow.yaml", settings.districts)
    return Broadcasts(sessions, settings, flow)


def new_sender(sessions, bot, settings, broadcasts, **options) -> Sender:
    options = {"backoff_seconds": 0.05, "idle_seconds": 0.1, **options}
    kinds = {"broadcast": Kind(broadcasts.compose)}
    sender = Sender(sessions, TelegramTransport(bot), settings, kinds, **options)
    broadcasts.wake = sender.wake
    return sender


@asynccontextmanager
async def running(sender: Sender) -> AsyncIterator[asyncio.Task[None]]:
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.gather(task, return_exceptions=True)


async def people(sessions, fake, count: int, language: str = "de") -> list:
    """People who use the bot: in the fake server's chats and in the database."""
    persons = [fake.person(f"P{n}", language) for n in range(count)]
    async with sessions() as session, session.begin():
        for person in persons:
            await add_respondent(session, person, language)
    return persons


async def statuses(sessions) -> dict[str, int]:
    async with sessions() as session:
        rows = (await session.execute(select(Delivery.status))).scalars().all()
    return {status: rows.count(status) for status in set(rows)}


async def all_settled(sessions) -> bool:
    found = await statuses(sessions)
    return not found.get("pending") and not found.get("sending")


async def settle_all(sessions, fake, within: float = 20) -> None:
    """Wait until no delivery is open any more (re-checked on every call the bot makes)."""
    deadline = asyncio.get_running_loop().time() + within
    while not await all_settled(sessions):
        assert asyncio.get_running_loop().time() < deadline, await statuses(sessions)
        await fake.wait_until(lambda: True, 0.1)
        await asyncio.sleep(0.05)


async def test_a_broadcast_reaches_everyone_once_within_telegrams_limits(
    sessions, fake_telegram, bot, settings, broadcasts
):
    persons = await people(sessions, fake_telegram, 45)
    await broadcasts.send_now(Draft(text_de="Sprechstunde am Montag"), "test")
    async with running(new_sender(sessions, bot, settings, broadcasts)):
        await settle_all(sessions, fake_telegram)
    assert fake_telegram.sends_per_chat() == {p.chat_id: 1 for p in persons}
    assert fake_telegram.count_429 == 0
    assert fake_telegram.paid_sent == 0  # within the free limit, nothing is paid
    assert await statuses(sessions) == {"sent": 45}
    assert all(p.last.text.startswith("Sprechstunde am Montag") for p in persons)


async def test_a_429_pauses_all_sending_for_retry_after_and_the_message_still_arrives_once(
    sessions, fake_telegram, bot, settings, broadcasts
):
    persons = await people(sessions, fake_telegram, 6)
    fake_telegram.fail_next("sendMessage", 429, retry_after=1)
    await broadcasts.send_now(Draft(text_de="Hallo"), "test")
    sender = new_sender(sessions, bot, settings, broadcasts)
    async with running(sender):
        await settle_all(sessions, fake_telegram)
    assert fake_telegram.sends_per_chat() == {p.chat_id: 1 for p in persons}
    assert sender.stats["rate_limited"] == 1
    calls = [c for c in fake_telegram.calls if c.method == "sendMessage"]
    refused = next(c for c in calls if c.status == 429)
    later = [c for c in calls if c.at > refused.at]
    # Nothing new is sent while told to wait; only sends already under way when the 429 came
    # back (at most the others of max_in_flight) may still arrive in that second.
    during_wait = [c for c in later if c.at - refused.at < 1.0]
    assert later and len(during_wait) <= sender.max_in_flight - 1
    assert any(c.at - refused.at >= 1.0 for c in later)


async def test_a_person_who_blocked_the_bot_is_marked_unreachable_and_gets_nothing_more(
    sessions, fake_telegram, bot, settings, broadcasts
):
    blocker, *others = await people(sessions, fake_telegram, 3)
    fake_telegram.block(blocker)
    await broadcasts.send_now(Draft(text_de="Eins"), "test")
    async with running(new_sender(sessions, bot, settings, broadcasts)):
        await settle_all(sessions, fake_telegram)
        second = await broadcasts.send_now(Draft(text_de="Zwei"), "test")
        await settle_all(sessions, fake_telegram)
    async with sessions() as session:
        person = (
            await session.execute(select(Respondent).where(Respondent.chat_id == blocker.chat_id))
        ).scalar_one()
    assert person.unreachable
    assert second.counts.total == 2
    calls = fake_telegram.calls_to("sendMessage", every=True)
    tries = [c for c in calls if int(c.params["chat_id"]) == blocker.chat_id]
    assert [c.status for c in tries] == [403]
    assert all(len(p.messages) == 2 for p in others)
    assert await statuses(sessions) == {"sent": 4, "blocked": 1}


async def one_failing(sessions, fake, bot, settings, broadcasts, failures: int):
    """A broadcast to one person whose first `failures` sends get a 502; sent until settled."""
    (person,) = await people(sessions, fake, 1)
    fake.fail_next("sendMessage", 502, times=failures)
    await broadcasts.send_now(Draft(text_de="Hallo"), "test")
    async with running(new_sender(sessions, bot, settings, broadcasts)):
        await settle_all(sessions, fake)
    return person


async def test_a_502_is_retried_with_backoff_and_the_message_arrives_once(
    sessions, fake_telegram, bot, settings, broadcasts
):
    person = await one_failing(sessions, fake_telegram, bot, settings, broadcasts, 2)
    assert [c.status for c in fake_telegram.calls if c.method == "sendMessage"] == [502, 502, 200]
    assert len(person.messages) == 1
    async with sessions() as session:
        row = (await session.execute(select(Delivery))).scalar_one()
    assert (row.status, row.attempts) == ("sent", 3)


async def test_a_message_that_keeps_failing_ends_failed_after_the_maximum_attempts(
    sessions, fake_telegram, bot, settings, broadcasts
):
    person = await one_failing(sessions, fake_telegram, bot, settings, broadcasts, 10)
    attempts = [c for c in fake_telegram.calls if c.method == "sendMessage"]
    assert len(attempts) == settings.broadcasts.max_attempts
    assert person.messages == []
    assert await statuses(sessions) == {"failed": 1}


async def test_a_sender_killed_halfway_and_restarted_reaches_everyone_exactly_once(
    sessions, fake_telegram, bot, settings, broadcasts
):
    persons = await people(sessions, fake_telegram, 40)
    await broadcasts.send_now(Draft(text_de="Einladung"), "test")
    first = new_sender(sessions, bot, settings, broadcasts, max_in_flight=1)
    stop = asyncio.Event()
    task = asyncio.create_task(first.run(stop))
    await fake_telegram.wait_until(lambda: len(fake_telegram.calls_to("sendMessage")) >= 20)
    task.cancel()  # as abrupt as a kill: nothing is settled or given back
    await asyncio.gather(task, return_exceptions=True)
    assert not await all_settled(sessions)

    second = new_sender(sessions, bot, settings, broadcasts, lease=timedelta(seconds=1))
    async with running(second):
        await settle_all(sessions, fake_telegram)
    per_chat = fake_telegram.sends_per_chat()
    assert set(per_chat) == {p.chat_id for p in persons}  # nobody lost
    duplicates = sum(per_chat.values()) - len(persons)
    assert duplicates <= 1  # at most the one in flight
    view = await broadcasts.status(1)
    assert view is not None and view.counts.sent == 40
    assert view.counts.reclaimed >= duplicates  # a possible duplicate is counted


async def test_two_messages_to_one_person_keep_the_per_chat_interval(
    sessions, fake_telegram, bot, settings, broadcasts
):
    (person,) = await people(sessions, fake_telegram, 1)
    await broadcasts.send_now(Draft(text_de="Eins"), "test")
    await broadcasts.send_now(Draft(text_de="Zwei"), "test")
    async with running(new_sender(sessions, bot, settings, broadcasts)):
        await settle_all(sessions, fake_telegram)
    assert [t.split("\n\n")[0] for t in person.texts()] == ["Eins", "Zwei"]
    assert fake_telegram.count_429 == 0


async def test_stop_after_the_broadcast_was_queued_still_keeps_it_away(
    sessions, fake_telegram, bot, settings, broadcasts
):
    quiet, other = await people(sessions, fake_telegram, 2)
    await broadcasts.send_now(Draft(text_de="Hallo"), "test")
    async with sessions() as session, session.begin():
        person = await respondents.find_respondent(session, "telegram", str(quiet.user_id))
        person.broadcasts_opt_out = True
    async with running(new_sender(sessions, bot, settings, broadcasts)):
        await settle_all(sessions, fake_telegram)
    assert quiet.messages == [] and len(other.messages) == 1
    assert await statuses(sessions) == {"sent": 1, "cancelled": 1}


@pytest.mark.skipif(database_kind() != "postgresql", reason="several replicas need PostgreSQL")
async def test_two_replicas_send_each_message_once_and_together_keep_the_rate(
    sessions, fake_telegram, bot, settings, broadcasts
):
    persons = await people(sessions, fake_telegram, 45)
    await broadcasts.send_now(Draft(text_de="Hallo"), "test")
    one = new_sender(sessions, bot, settings, broadcasts)
    two = new_sender(sessions, bot, settings, broadcasts)
    async with running(one), running(two):
        await settle_all(sessions, fake_telegram)
    assert fake_telegram.sends_per_chat() == {p.chat_id: 1 for p in persons}
    assert fake_telegram.count_429 == 0
