"""Paid broadcasts beyond Telegram's free 30 a second, and a slow server: enough messages on
their way, settled in groups. Over real HTTP against the fake Bot API server with its limits."""

from __future__ import annotations

import pytest

from bot.broadcasts.service import Draft
from tests.fixtures.bot import e2e_settings
from tests.outbox import test_sender as sending
from tests.outbox.test_sender import new_sender, people, running, settle_all, statuses

bot, broadcasts = sending.bot, sending.broadcasts  # its fixtures, on this module's settings

PAID = {"rate_per_second": 300, "allow_paid_broadcast": True}


@pytest.fixture
def limits() -> dict:
    return {"rate_per_second": 25}


@pytest.fixture
def settings(fake_telegram, database_url, limits):
    fake_telegram.limits(total_per_second=30, per_chat_per_second=1, paid_per_second=1000)
    limits = {"per_chat_interval_seconds": 1.0, "max_attempts": 3, **limits}
    return e2e_settings(fake_telegram, database_url, broadcasts=limits)


@pytest.mark.parametrize("limits", [PAID])
async def test_a_paid_broadcast_goes_beyond_the_free_limit_once_to_everyone_settled_in_groups(
    sessions, fake_telegram, bot, settings, broadcasts
):
    persons = await people(sessions, fake_telegram, 240)
    await broadcasts.send_now(Draft(text_de="Infoabend"), "test")
    sender = new_sender(sessions, bot, settings, broadcasts)
    async with running(sender):
        await settle_all(sessions, fake_telegram)
    assert fake_telegram.sends_per_chat() == {p.chat_id: 1 for p in persons}
    assert fake_telegram.count_429 == 0  # beyond 30 a second only as paid broadcasts
    assert fake_telegram.paid_sent == 240
    assert await statuses(sessions) == {"sent": 240}
    # Outcomes that arrive while a transaction runs are settled together by the next one.
    assert sender.settler.transactions < 240


async def test_at_a_slow_server_enough_messages_are_on_their_way_for_the_rate(
    sessions, fake_telegram, bot, settings, broadcasts
):
    fake_telegram.slow_down("sendMessage", 0.4)  # 25 a second need 10 on their way
    persons = await people(sessions, fake_telegram, 40)
    await broadcasts.send_now(Draft(text_de="Sprechstunde"), "test")
    sender = new_sender(sessions, bot, settings, broadcasts)
    async with running(sender):
        await settle_all(sessions, fake_telegram, within=30)
    assert fake_telegram.sends_per_chat() == {p.chat_id: 1 for p in persons}
    assert fake_telegram.most_delayed > 4  # more than the four of a fixed window
    assert fake_telegram.most_delayed <= sender.max_in_flight
