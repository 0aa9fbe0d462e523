"""Broadcasts end to end: the whole bot over real HTTP against the fake Bot API server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import yaml

from bot.broadcasts.service import Draft
from bot.broadcasts.texts import PREPARED
from bot.cli.main import main
from bot.core.config import load_settings
from bot.core.i18n import Msg, translator
from bot.core.service import utc_now
from bot.flows.loader import load_flow
from bot.telegram import background
from storage import respondents
from storage.casework import AuditEntry
from tests.fixtures.bot import e2e_settings, serving
from tests.fixtures.database import add_respondent

ROOT = Path(__file__).resolve().parents[2]
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def quick_ticks(monkeypatch):
    """Periodic jobs every fraction of a second, so that tests need not wait minutes."""
    monkeypatch.setattr(background, "INTERVALS", dict.fromkeys(background.INTERVALS, 0.3))


@pytest.fixture
def coordinator(fake_telegram):
    return fake_telegram.person("Koordinatorin", "de")


@pytest.fixture
def settings(database_url, fake_telegram, coordinator):
    # The overall limit as Telegram's. Per chat none to speak of: the test types the
    # coordinator's dialog faster than a person can (tests/outbox/test_sender.py keeps one a
    # second).
    fake_telegram.limits(total_per_second=30, per_chat_per_second=1_000_000)
    return e2e_settings(
        fake_telegram,
        database_url,
        languages=["de", "en", "ar"],
        coordinators=[coordinator.user_id],
    )


@pytest.fixture
def flow(settings):
    return load_flow(ROOT / "tests" / "data" / "conversation_flow.yaml", settings.districts)


@asynccontextmanager
async def running_bot(settings, flow, clock=utc_now) -> AsyncIterator:
    async with serving(settings, flow=flow, clock=clock) as app:
        yield app


async def people(app, fake, languages: str) -> list:
    """One person per letter of `languages` ("d" German, "e" English, "a" Arabic, "s" Somali,
    a language without a catalog), in the bot."""
    codes = {"d": "de", "e": "en", "a": "ar", "s": "so"}
    persons = []
    async with app.conversation.transaction() as session:
        for letter in languages:
            person = fake.person(f"P{len(persons)}", codes[letter])
            await add_respondent(session, person, codes[letter])
            persons.append(person)
    return persons


class Tap(str):
    """A button for `compose` to press; a plain string it types."""


async def compose(coordinator, *steps: str):
    """Type or press each step and wait for the bot's answer to it; the last answer."""
    for step in steps:
        if isinstance(step, Tap):
            coordinator.tap(step)
        else:
            coordinator.send(step)
        answer = await coordinator.next_message()
    return answer


def progress_messages(coordinator, number: int = 1) -> list:
    return [
        m for m in coordinator.messages if (m.text or "").startswith(f"Rundschreiben #{number} ")
    ]


async def test_a_coordinator_sends_to_a_segment_and_watches_one_edited_progress_message(
    fake_telegram, coordinator, settings, flow
):
    async with running_bot(settings, flow) as app:
        english = await people(app, fake_telegram, "eee")
        others = await people(app, fake_telegram, "dda")
        asked = await compose(coordinator, "/broadcast")
        assert "Schreiben Sie den Text auf Deutsch" in asked.text
        german = "Sprechstunde am Montag um 10 Uhr im Rathaus"
        english_text = "Office hours on Monday at 10 in the town hall"
        languages = await compose(coordinator, german, Tap("+ English"), english_text)
        assert "✓ English" in languages.buttons
        await compose(coordinator, Tap("Weiter: Empfänger wählen ➡️"))
        coordinator.tap("Nach Sprache")
        await fake_telegram.wait_until(lambda: "English" in coordinator.last.buttons)
        coordinator.tap("English")
        await fake_telegram.wait_until(lambda: "✓ English" in coordinator.last.buttons)
        coordinator.tap("Fertig ➡️")
        preview = await coordinator.next_message()
        assert "3 Personen" in preview.text
        assert "Office hours on Monday at 10 in the town hall" in preview.text
        coordinator.tap("📤 Jetzt senden")

        await fake_telegram.wait_until(lambda: all(p.messages for p in english))
        await fake_telegram.wait_until(
            lambda: any("Bericht zu Rundschreiben #1" in t for t in coordinator.texts())
        )
    assert [p.texts()[0].split("\n\n")[0] for p in english] == [
        "Office hours on Monday at 10 in the town hall"
    ] * 3
    assert all(p.messages == [] for p in others)
    (progress,) = progress_messages(coordinator)
    assert "Fertig: 3 von 3 gesendet" in progress.text
    assert progress.edits >= 1
    assert fake_telegram.count_429 == 0
    async with app.conversation.sessions() as session:
        logged = (
            await session.execute(sa.select(AuditEntry.actor, AuditEntry.action, AuditEntry.detail))
        ).all()
    assert (f"telegram:{coordinator.user_id}", "broadcast_send", "#1 to 3 people") in logged


async def test_people_without_a_text_in_their_language_get_german_with_an_english_line(
    fake_telegram, coordinator, settings, flow
):
    async with running_bot(settings, flow) as app:
        german, somali = await people(app, fake_telegram, "ds")
        await compose(
            coordinator,
            "/broadcast",
            Tap("📋 Offene Sprechstunde"),
            "Dienstag, 9 bis 12 Uhr, Kölner Straße 176",
            Tap("Alle"),
        )
        coordinator.tap("📤 Jetzt senden")
        await fake_telegram.wait_until(lambda: german.messages and somali.messages)
    prepared = PREPARED["office_hours"].format(city=settings.city)
    assert german.last.text.startswith(prepared)
    assert "Dienstag, 9 bis 12 Uhr, Kölner Straße 176" in german.last.text
    assert somali.last.text.startswith(prepared)
    english = somali.last.text.split("\n\n")[1]  # the prepared message's English translation
    assert english == translator("en")(Msg(PREPARED["office_hours"], args={"city": settings.city}))
    assert "Dienstag, 9 bis 12 Uhr, Kölner Straße 176" in somali.last.text


async def test_a_scheduled_broadcast_fires_after_a_restart(
    fake_telegram, coordinator, settings, flow, clock
):
    clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN))
    async with running_bot(settings, flow, clock) as app:
        persons = await people(app, fake_telegram, "de")
        await compose(
            coordinator,
            "/broadcast",
            "Infoabend heute um 18 Uhr",
            Tap("Weiter: Empfänger wählen ➡️"),
            Tap("Alle"),
            Tap("🕒 Zeitpunkt wählen"),
        )
        coordinator.send("03.12.2026 17:30")
        await fake_telegram.wait_until(
            lambda: any("Geplant für 03.12.2026 um 17:30" in t for t in coordinator.texts())
        )
    assert all(p.messages == [] for p in persons)

    clock.set(datetime(2026, 12, 3, 17, 31, tzinfo=BERLIN))
    async with running_bot(settings, flow, clock):
        await fake_telegram.wait_until(lambda: all(p.messages for p in persons))
        await fake_telegram.wait_until(
            lambda: "Fertig: 2 von 2 gesendet" in (progress_messages(coordinator)[0].text or "")
        )
    assert [p.texts()[0].split("\n\n")[0] for p in persons] == ["Infoabend heute um 18 Uhr"] * 2


async def test_only_coordinators_can_broadcast(fake_telegram, settings, flow):
    async with running_bot(settings, flow):
        stranger = fake_telegram.person("Fremd", "de")
        stranger.send("/broadcast")
        reply = await stranger.next_message()
    assert "Rundschreiben" not in reply.text


def test_the_command_line_sends_lists_shows_and_cancels_broadcasts(
    database_url, tmp_path, monkeypatch, capsys
):
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.setenv("KIM_CONFIG", str(tmp_path / "config.yaml"))
    monkeypatch.setenv("KIM_DATABASE_URL", database_url)

    async def add_people() -> None:
        settings = load_settings(tmp_path / "config.yaml")
        from storage.db import create_engine, session_factory

        engine = create_engine(settings.database_url)
        async with session_factory(engine)() as session, session.begin():
            for number, language in enumerate(("de", "en", "en"), start=1):
                await respondents.create_respondent(
                    session,
                    "telegram",
                    str(number),
                    chat_id=number,
                    first_name=None,
                    language=language,
                    now=utc_now(),
                )
        await engine.dispose()

    asyncio.run(add_people())
    assert (
        main(
            ["broadcast", "send", "--text", "Hallo", "--text-in", "en", "Hello", "--language", "en"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "2 Personen" in out and "Hello" in out and "Nur Vorschau" in out
    assert main(["broadcast", "list"]) == 0
    assert "Noch keine Rundschreiben" in capsys.readouterr().out

    assert main(["broadcast", "send", "--text", "Hallo", "--language", "en", "--yes"]) == 0
    assert "0 von 2 gesendet" in capsys.readouterr().out
    at = (utc_now() + timedelta(days=2)).astimezone(BERLIN).strftime("%d.%m.%Y %H:%M")
    assert main(["broadcast", "schedule", "--text", "Später", "--at", at, "--yes"]) == 0
    assert "Geplant für" in capsys.readouterr().out
    assert main(["broadcast", "list"]) == 0
    listing = capsys.readouterr().out
    assert "#1 läuft" in listing and "#2 geplant" in listing
    assert main(["broadcast", "cancel", "2"]) == 0
    assert main(["broadcast", "status", "2"]) == 0
    assert "Gestoppt" in capsys.readouterr().out
    assert main(["broadcast", "cancel", "2"]) == 1
    assert main(["broadcast", "send", "--text", "", "--district", "mars", "--yes"]) == 2
    assert "mars" in capsys.readouterr().err


async def test_a_broadcast_sent_from_the_service_goes_out_through_the_running_bot(
    fake_telegram, settings, flow
):
    async with running_bot(settings, flow) as app:
        persons = await people(app, fake_telegram, "dea")
        await app.dispatcher["broadcasts"].send_now(Draft(text_de="Hallo"), "test")
        await fake_telegram.wait_until(lambda: all(p.messages for p in persons))
    assert fake_telegram.sends_per_chat() == {p.chat_id: 1 for p in persons}
