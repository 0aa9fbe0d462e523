"""Reminders: after the configured pause, at most the configured number, never in quiet hours."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.core.config import load_settings
from bot.flows.loader import load_flow
from bot.outbox.sender import Defer, Kind, Outgoing, Skip, compose
from bot.telegram import background
from bot.telegram.app import create_application, serve
from bot.telegram.callbacks import pack
from bot.telegram.render import keyboard
from bot.ui.model import Resume
from storage import deliveries, interviews, respondents
from storage.deliveries import Delivery
from storage.models import Interview, Respondent
from tests.fixtures.bot import e2e_settings
from tests.fixtures.clock import Clock

ROOT = Path(__file__).resolve().parents[2]
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=BERLIN)  # UTC+1 in November


@pytest.fixture
def settings(database_url):
    return load_settings(
        ROOT / "config.yaml",
        database_url=database_url,
        reminders={
            "after_hours": 72,
            "max_count": 2,
            "quiet_hours": {"start": "20:00", "end": "08:00"},
        },
    )


@pytest.fixture
def clock():
    return Clock(MONDAY_10)


@pytest.fixture
def reminders(services):
    return services.reminders


async def paused_person(sessions, last_active: datetime, language: str = "en", number: int = 1):
    """Someone who answered a little and went quiet at `last_active`."""
    last_active = last_active.astimezone(UTC)
    async with sessions() as session, session.begin():
        respondent = await respondents.create_respondent(
            session,
            "telegram",
            str(7000 + number),
            chat_id=7000 + number,
            first_name="Rami",
            language=language,
            now=last_active,
        )
        respondent.last_active_at = last_active
        interview = await interviews.start_interview(
            session, respondent.id, "needs", 1, last_active
        )
        interview.updated_at = last_active
        return respondent.id, interview.id


async def reminder_rows(sessions) -> list[Delivery]:
    async with sessions() as session:
        query = select(Delivery).where(Delivery.kind == "reminder").order_by(Delivery.id)
        return list((await session.execute(query)).scalars())


async def deliver_all(sessions, reminders, clock) -> list[Outgoing | Skip | Defer]:
    """What the sender would do with every due reminder now: compose it and mark it sent."""
    async with sessions() as session, session.begin():
        claims = await deliveries.claim_due(session, clock(), 100, "test", timedelta(minutes=2))
        kinds = {"reminder": Kind(reminders.compose)}
        results = [await compose(kinds, session, claim) for claim in claims]
        for claim, result in zip(claims, results, strict=True):
            status = "sent" if isinstance(result, Outgoing) else "pending"
            if isinstance(result, Skip):
                status = result.status
            deferred = isinstance(result, Defer)
            await deliveries.settle(
                session,
                claim.id,
                "test",
                status,
                clock(),
                retry_at=result.until if deferred else None,
                count_attempt=not deferred,
            )
    return results


@pytest.mark.parametrize(
    ("local", "quiet", "next_allowed"),
    [
        ((19, 59), False, None),
        ((20, 0), True, (24, 8)),
        ((23, 30), True, (24, 8)),
        ((3, 0), True, (23, 8)),
        ((7, 59), True, (23, 8)),
        ((8, 0), False, None),
    ],
)
def test_quiet_hours_run_from_evening_to_morning_in_the_city(reminders, local, quiet, next_allowed):
    moment = datetime(2026, 11, 23, *local, tzinfo=BERLIN)
    assert reminders.quiet(moment) is quiet
    expected = moment
    if next_allowed is not None:
        expected = datetime(2026, 11, *next_allowed, tzinfo=BERLIN)
    assert reminders.next_allowed(moment) == expected


async def test_a_paused_person_is_reminded_after_the_configured_time_with_a_button_to_continue(
    sessions, reminders, clock
):
    _, interview_id = await paused_person(sessions, MONDAY_10)
    clock.set(MONDAY_10 + timedelta(hours=71, minutes=59))
    assert await reminders.scan() == 0
    clock.set(MONDAY_10 + timedelta(hours=72))
    assert await reminders.scan() == 1
    assert await reminders.scan() == 0  # one reminder, however often the scan runs
    (result,) = await deliver_all(sessions, reminders, clock)
    assert isinstance(result, Outgoing) and result.language == "en"
    markup = keyboard(result.screen, result.language)
    assert markup is not None
    (button,) = [b for row in markup.inline_keyboard for b in row]
    assert button.callback_data == pack(Resume(interview_id))


async def test_a_reminder_due_at_night_waits_for_the_end_of_the_quiet_hours(
    sessions, reminders, clock
):
    evening = MONDAY_10.replace(hour=22)
    await paused_person(sessions, evening)
    clock.set(evening + timedelta(hours=72))
    assert await reminders.scan() == 1
    (row,) = await reminder_rows(sessions)
    assert row.next_attempt_at == datetime(2026, 11, 27, 8, 0, tzinfo=BERLIN)
    assert await deliver_all(sessions, reminders, clock) == []  # not due in the night
    clock.set(datetime(2026, 11, 27, 8, 0, tzinfo=BERLIN))
    (result,) = await deliver_all(sessions, reminders, clock)
    assert isinstance(result, Outgoing)


async def test_a_reminder_held_up_until_the_night_is_deferred_to_the_morning(
    sessions, reminders, clock
):
    await paused_person(sessions, MONDAY_10)
    clock.set(MONDAY_10 + timedelta(hours=72))
    assert await reminders.scan() == 1
    late = (MONDAY_10 + timedelta(hours=72)).replace(hour=21)  # the outbox was busy till then
    clock.set(late)
    (result,) = await deliver_all(sessions, reminders, clock)
    assert result == Defer(datetime(2026, 11, 27, 8, 0, tzinfo=BERLIN).astimezone(UTC))
    (row,) = await reminder_rows(sessions)
    assert row.status == "pending" and row.attempts == 0


async def test_reminders_stop_at_the_configured_maximum(sessions, reminders, clock):
    await paused_person(sessions, MONDAY_10)
    sent = 0
    for day in range(3, 16):
        clock.set(MONDAY_10 + timedelta(days=day))
        await reminders.scan()
        sent += sum(isinstance(r, Outgoing) for r in await deliver_all(sessions, reminders, clock))
    assert sent == 2
    rows = await reminder_rows(sessions)
    assert [r.sent_at for r in rows] == [
        MONDAY_10 + timedelta(days=3),
        MONDAY_10 + timedelta(days=6),
    ]


async def test_a_person_who_comes_back_before_the_reminder_goes_out_does_not_get_it(
    sessions, reminders, clock
):
    respondent_id, _ = await paused_person(sessions, MONDAY_10)
    clock.set(MONDAY_10 + timedelta(hours=72))
    await reminders.scan()
    async with sessions() as session, session.begin():
        person = await session.get(Respondent, respondent_id)
        person.last_active_at = clock() + timedelta(minutes=1)
    clock.set(clock() + timedelta(minutes=2))
    (result,) = await deliver_all(sessions, reminders, clock)
    assert isinstance(result, Skip) and result.status == "cancelled"
    # and the cancelled reminder is not counted: after the next pause there is a new one
    clock.set(clock() + timedelta(hours=72))
    assert await reminders.scan() == 1


@pytest.mark.parametrize("how", ["finished", "stop", "delete"])
async def test_finishing_stop_and_delete_end_the_reminders(sessions, reminders, clock, how):
    respondent_id, interview_id = await paused_person(sessions, MONDAY_10)
    clock.set(MONDAY_10 + timedelta(hours=72))
    assert await reminders.scan() == 1
    async with sessions() as session, session.begin():
        if how == "finished":
            interview = await session.get(Interview, interview_id)
            interview.status = "finished"
        elif how == "stop":
            person = await session.get(Respondent, respondent_id)
            person.broadcasts_opt_out = True
        else:
            await respondents.erase_respondent(session, respondent_id)
    results = await deliver_all(sessions, reminders, clock)
    assert not any(isinstance(r, Outgoing) for r in results)
    clock.set(clock() + timedelta(days=10))
    assert await reminders.scan() == 0


async def test_the_reminder_reaches_the_person_and_its_button_continues_where_they_were(
    database_url, fake_telegram, monkeypatch, clock
):
    monkeypatch.setattr(background, "INTERVALS", dict.fromkeys(background.INTERVALS, 0.3))
    # The overall limit as Telegram's; per chat none, because the bot's answers to a person's own
    # presses come in short bursts (the sender's one a second is tested in test_sender.py).
    fake_telegram.limits(total_per_second=30, per_chat_per_second=1_000_000)
    settings = e2e_settings(fake_telegram, database_url)
    flow = load_flow(ROOT / "tests" / "data" / "conversation_flow.yaml", settings.districts)
    app = await create_application(settings, flow=flow, clock=clock)
    stop = asyncio.Event()
    serving = asyncio.create_task(serve(app, stop))
    try:
        rami = fake_telegram.person("Rami", "de")
        rami.send("/start")
        await fake_telegram.wait_until(lambda: "Deutsch" in rami.buttons())
        rami.tap("Deutsch")
        await fake_telegram.wait_until(lambda: "✅ Ich bin einverstanden" in rami.buttons())
        rami.tap("✅ Ich bin einverstanden")
        await fake_telegram.wait_until(lambda: "Spich" in rami.buttons())
        rami.tap("Spich")
        await fake_telegram.wait_until(lambda: "Wie viele Kinder" in rami.last.text)
        rami.skip_read()  # and Rami puts the phone away

        clock.set(MONDAY_10 + timedelta(hours=72))
        reminder = await rami.next_message()
        assert "noch nicht beendet" in reminder.text
        rami.tap("▶️ Weitermachen")
        await fake_telegram.wait_until(lambda: "Wie viele Kinder" in rami.last.text)
        assert any("Willkommen zurück" in text for text in rami.texts()[-2:])
    finally:
        stop.set()
        await asyncio.wait_for(serving, 30)
        await app.close()
