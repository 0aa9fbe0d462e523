"""An erased person is gone from the SQLite files themselves (database, write-ahead log, shared
memory) while the bot still runs, not only from the tables: after /delete and after retention."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import Services
from bot.core.config import load_settings
from bot.core.service import Event, Person
from bot.flows import engine as flow_engine
from bot.flows.schema import Priority
from storage import interviews, respondents
from storage.db import create_engine
from storage.migrate import upgrade
from storage.models import Respondent
from tests.fixtures.clock import Clock

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = load_settings(ROOT / "config.yaml")
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
NAME = "Qwyxname4711"
TYPED = "Qwyxtyped0815"


@pytest.fixture
async def sqlite_file(tmp_path: Path) -> AsyncIterator[tuple[Path, AsyncEngine]]:
    """A SQLite database file of its own (also when the suite runs on PostgreSQL), opened by a
    SQLite that does not overwrite deleted rows unless told (Debian builds its SQLite to do it
    by default, most others do not)."""
    path = tmp_path / "kim-intake.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    engine = create_engine(url)
    event.listen(engine.sync_engine, "connect", _library_default, insert=True)
    yield path, engine
    await engine.dispose()


@pytest.fixture
def services(sqlite_file: tuple[Path, AsyncEngine], clock: Clock) -> Services:
    """The bot's services on that file."""
    _, engine = sqlite_file
    return Services(SETTINGS, engine, clock=clock)


def _library_default(connection, _record) -> None:
    connection.execute("PRAGMA secure_delete=OFF")


def files_holding(path: Path, marker: str) -> list[str]:
    """Which of the database's files contain the marker, read as raw bytes."""
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return [f.name for f in files if f.exists() and marker.encode() in f.read_bytes()]


async def people_with_a_case(services: Services, since: datetime) -> None:
    """Two people on the same pages: "7", last active at `since`, with the markers as name and
    typed answer and a case, and "8", active now, who stays. Their rows are copied into the
    database file as SQLite's automatic checkpoint would, then both answer once more: the
    markers are in both files. The clock stands at `since` meanwhile."""
    sessions, casework = services.sessions, services.casework
    async with sessions() as session, session.begin():
        for user_id, name in (("7", NAME), ("8", "Bleibt")):
            respondent = await respondents.create_respondent(
                session,
                "telegram",
                user_id,
                chat_id=int(user_id),
                first_name=name,
                language="de",
                now=since if user_id == "7" else NOW,
            )
            interview = await interviews.start_interview(session, respondent.id, "needs", 1, since)
            typed = TYPED if user_id == "7" else "0176 1234567"
            await interviews.save_answer(session, interview.id, "phone", typed, False, since)
            flag = flow_engine.Flag("wish", "counselling_wish", "social", Priority.normal, "Wunsch")
            await casework.handover(session, respondent, interview, [flag])
    async with sessions.kw["bind"].connect() as connection:
        await connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
    async with sessions() as session, session.begin():
        (await session.get(Respondent, 1)).last_active_at = since + timedelta(seconds=1)
        for interview_id in (1, 2):
            await interviews.save_answer(session, interview_id, "district", "spich", False, since)
            await interviews.save_answer(
                session,
                interview_id,
                "phone",
                TYPED if interview_id == 1 else "0176 7654321",
                False,
                since,
            )


async def test_after_delete_the_name_and_answers_are_in_none_of_the_database_files(
    sqlite_file, services, clock
):
    path, _ = sqlite_file
    clock.set(NOW)
    await people_with_a_case(services, NOW)
    assert files_holding(path, NAME) == ["kim-intake.db", "kim-intake.db-wal"]
    assert files_holding(path, TYPED) == ["kim-intake.db", "kim-intake.db-wal"]

    await services.data_rights.delete(Person("telegram", "7", chat_id=7), True, Event(1))

    assert files_holding(path, NAME) == []  # the engine is still open, as in the running bot
    assert files_holding(path, TYPED) == []


async def test_after_retention_the_name_and_answers_are_in_none_of_the_database_files(
    sqlite_file, services, clock
):
    path, _ = sqlite_file
    long_ago = NOW - timedelta(days=SETTINGS.retention.answers_days + 1)
    clock.set(long_ago)
    await people_with_a_case(services, long_ago)
    assert files_holding(path, NAME) == ["kim-intake.db", "kim-intake.db-wal"]
    clock.set(NOW)

    erased = await services.retention.erase_expired(NOW)

    assert erased.people == 1
    assert files_holding(path, NAME) == []
    assert files_holding(path, TYPED) == []


async def test_an_erasure_among_other_writes_holds_none_of_them_up_and_leaves_no_trace(
    sqlite_file, services, clock
):
    path, _ = sqlite_file
    clock.set(NOW)
    await people_with_a_case(services, NOW)
    conversation, casework = services.conversation, services.casework  # a writer each

    async def answer(number: int) -> None:
        service = conversation if number % 2 else casework
        async with service.transaction(Event(100 + number)) as session:
            await interviews.save_answer(session, 2, f"q{number}", "yes", False, NOW)

    erase = services.data_rights.delete(Person("telegram", "7", chat_id=7), True, Event(1))
    # A generous bound that only a deadlock would reach.
    await asyncio.wait_for(asyncio.gather(erase, *(answer(n) for n in range(30))), timeout=120)

    async with services.sessions() as session:
        assert len(await interviews.load_answers(session, 2)) == 2 + 30
    assert files_holding(path, NAME) == []
    assert files_holding(path, TYPED) == []
