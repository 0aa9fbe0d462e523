"""The dialog storage in the database: a step and its draft per bot, chat and person, seen by
every instance of the bot on the same database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey

from bot.core.config import load_settings
from bot.telegram.app import create_application
from bot.telegram.fsm_storage import DatabaseStorage
from storage.dialogs import DialogState
from tests.fixtures.bot import ROOT
from tests.fixtures.database import add_respondent

BOT = 123456
COORDINATOR = StorageKey(bot_id=BOT, chat_id=42, user_id=42)
OTHER = StorageKey(bot_id=BOT, chat_id=43, user_id=43)


class Steps(StatesGroup):
    text = State()
    preview = State()


async def rows(sessions) -> list[DialogState]:
    from sqlalchemy import select

    async with sessions() as session:
        return list((await session.execute(select(DialogState))).scalars().all())


async def test_a_step_and_its_draft_are_stored_per_person_and_read_by_another_storage(sessions):
    storage = DatabaseStorage(sessions)
    assert await storage.get_state(COORDINATOR) is None
    assert await storage.get_data(COORDINATOR) == {}
    await storage.set_state(COORDINATOR, Steps.text)
    await storage.set_data(COORDINATOR, {"texts": {}, "text_de": "Grüße – مرحبا"})
    assert await storage.update_data(COORDINATOR, {"values": ["en"]}) == {
        "texts": {},
        "text_de": "Grüße – مرحبا",
        "values": ["en"],
    }
    await storage.set_state(COORDINATOR, "Steps:preview")

    again = DatabaseStorage(sessions)  # another process on the same database
    assert await again.get_state(COORDINATOR) == Steps.preview.state
    assert await again.get_data(COORDINATOR) == {
        "texts": {},
        "text_de": "Grüße – مرحبا",
        "values": ["en"],
    }
    assert await again.get_state(OTHER) is None
    assert await again.get_data(OTHER) == {}
    assert await again.get_state(StorageKey(bot_id=BOT + 1, chat_id=42, user_id=42)) is None


async def test_a_cleared_dialog_leaves_no_row(sessions):
    storage = DatabaseStorage(sessions)
    await storage.set_state(COORDINATOR, Steps.text)
    await storage.set_data(COORDINATOR, {"text_de": "Hallo"})
    await storage.set_state(OTHER, Steps.text)
    # What FSMContext.clear() does:
    await storage.set_state(COORDINATOR, None)
    await storage.set_data(COORDINATOR, {})
    assert await storage.get_state(COORDINATOR) is None
    assert await storage.get_data(COORDINATOR) == {}
    assert [row.key for row in await rows(sessions)] == [f"fsm:{BOT}:43:43:default"]


async def test_data_that_is_not_a_dict_is_refused(sessions):
    storage = DatabaseStorage(sessions)
    with pytest.raises(TypeError):
        await storage.set_data(COORDINATOR, [("text_de", "Hallo")])  # type: ignore[arg-type]
    assert await rows(sessions) == []


async def test_retention_clears_drafts_untouched_for_a_week_and_keeps_newer_ones(services, clock):
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    storage = DatabaseStorage(services.sessions, clock=clock)
    await storage.set_state(COORDINATOR, Steps.text)
    clock.advance(timedelta(days=6))
    await storage.set_state(OTHER, Steps.text)
    await services.retention.erase_expired(clock() + timedelta(days=1, minutes=1))
    assert await storage.get_state(COORDINATOR) is None
    assert await storage.get_state(OTHER) == Steps.text.state


async def test_a_second_instance_on_the_same_database_continues_the_dialog(
    fake_telegram, database_url
):
    """Two bot instances (replicas) on one database, the coordinator's updates reaching them in
    turn: each step finds the draft the other one stored."""
    fake = fake_telegram
    coordinator = fake.person("Koordinatorin", "de")
    reader = fake.person("Dana", "de")
    settings = load_settings(
        ROOT / "config.yaml",
        database_url=database_url,
        bot_token=fake.token,
        telegram_api_url=fake.base_url,
        languages=["de", "en"],
        coordinators=[coordinator.user_id],
    )
    first = await create_application(settings)
    second = await create_application(settings)
    async with first.conversation.transaction() as session:
        await add_respondent(session, reader, "de")
    replicas = [first, second]

    async def deliver(update: dict) -> None:
        app = replicas[update["update_id"] % 2]
        await app.dispatcher.feed_raw_update(app.bot, update)

    try:
        await deliver(coordinator.send("/broadcast"))
        assert "Schreiben Sie den Text auf Deutsch" in (await coordinator.next_message()).text
        await deliver(coordinator.send("Infoabend heute um 18 Uhr"))
        assert "Weiter: Empfänger wählen ➡️" in (await coordinator.next_message()).buttons
        await deliver(coordinator.tap("Weiter: Empfänger wählen ➡️"))
        await coordinator.next_message()
        await deliver(coordinator.tap("Alle"))
        preview = await coordinator.next_message()
        await deliver(coordinator.tap("🕒 Zeitpunkt wählen"))
        assert "Wann?" in (await coordinator.next_message()).text
        await deliver(coordinator.send("03.12.2099 17:30"))
        scheduled = await coordinator.next_message()
    finally:
        await first.close()
        await second.close()
    assert "1 Personen" in preview.text
    assert "Infoabend heute um 18 Uhr" in preview.text
    assert "Geplant für 03.12.2099 um 17:30" in scheduled.text
