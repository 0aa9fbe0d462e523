"""Nothing one person sends holds up the others, and every update gets its answer.

The real application polls the fake Bot API server over HTTP.
"""

from __future__ import annotations

import logging

from bot.telegram import polling
from tests.fixtures.bot import running_bot

NOTHING_STORED = "Über Sie ist nichts gespeichert."


async def test_a_stranger_s_stop_and_mydata_are_answered_and_the_next_person_too(
    fake_telegram, database_url
):
    fake = fake_telegram
    async with running_bot(fake, database_url):
        stranger = fake.person("Fremd", "de")
        for command in ("/stop", "/mydata", "/delete"):
            stranger.send(command)
        await fake.wait_until(lambda: len(stranger.messages) == 3, within=10)
        assert NOTHING_STORED in stranger.messages[0].text
        assert NOTHING_STORED in stranger.messages[1].text
        other = fake.person("Amina", "de")
        other.send("/start")
        await fake.wait_until(lambda: "Deutsch" in other.buttons(), within=10)


async def test_a_reply_refused_with_429_arrives_after_the_wait_with_one_log_line(
    fake_telegram, database_url, caplog
):
    fake = fake_telegram
    async with running_bot(fake, database_url):
        person = fake.person("Amina", "de")
        fake.fail_next("sendMessage", 429, retry_after=1)
        with caplog.at_level(logging.INFO):
            person.send("/start")
            await fake.wait_until(lambda: "Deutsch" in person.buttons(), within=15)
    assert fake.count_429 == 1
    waits = [r for r in caplog.records if "asked to wait" in r.getMessage()]
    assert len(waits) == 1
    assert all(r.exc_info is None for r in caplog.records if r.levelno >= logging.WARNING)


async def test_every_press_gets_an_answer_even_a_forged_one(fake_telegram, database_url):
    fake = fake_telegram
    async with running_bot(fake, database_url):
        person = fake.person("Amina", "de")
        person.send("/start")
        await fake.wait_until(lambda: person.buttons(), within=10)
        for data in ("garbage", "x" * 64, "w:claim:99999:", "i:1:2:3"):
            person.tap_data(data)
        await fake.wait_until(lambda: len(fake.calls_to("answerCallbackQuery")) >= 4, within=10)
        await fake.wait_until(lambda: not fake.unanswered_callbacks(), within=10)


async def test_one_person_s_flood_does_not_hold_up_another(fake_telegram, database_url):
    fake = fake_telegram
    flood = polling.PER_PERSON_BURST * 5
    async with running_bot(fake, database_url):
        flooder = fake.person("Flut", "de")
        for number in range(flood):
            flooder.send(f"/help {number}")
        await fake.wait_until(lambda: len(flooder.messages) >= 1, within=10)
        other = fake.person("Amina", "de")
        other.send("/start")
        await fake.wait_until(lambda: "Deutsch" in other.buttons(), within=10)
        # The other person was answered while the flood was still being worked off.
        assert len(flooder.messages) < flood
        # Slowed down, not dropped: the flood goes on being answered.
        await fake.wait_until(lambda: len(flooder.messages) > polling.PER_PERSON_BURST)


async def test_a_handler_past_its_deadline_is_abandoned_and_the_person_is_answered_again(
    fake_telegram, database_url, monkeypatch, caplog
):
    fake = fake_telegram
    async with running_bot(fake, database_url):
        person = fake.person("Amina", "de")
        person.send("/help")  # the first update of a process may take a while on a busy machine
        await fake.wait_until(
            lambda: any("So funktioniert es" in (m.text or "") for m in person.messages), within=60
        )
        monkeypatch.setattr(polling, "HANDLER_DEADLINE", 2.0)
        fake.slow_down("sendMessage", 8)
        person.send("/help")
        await fake.wait_until(lambda: "sendMessage" in fake.answering, within=10)
        fake.slow_down("sendMessage", 0)
        with caplog.at_level(logging.ERROR):
            person.send("/privacy")
            await fake.wait_until(
                lambda: any("Datenschutz — bitte kurz" in (m.text or "") for m in person.messages)
            )
    assert any("abandoned" in r.getMessage() for r in caplog.records)
