"""Two events of one person at once (two tabs, two webhook replicas) take turns on PostgreSQL:
the second reads the interview as the first left it, so a question is never answered twice."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from storage import interviews, respondents
from tests.fixtures.database import database_kind

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
pytestmark = pytest.mark.skipif(
    database_kind() != "postgresql", reason="SQLite has one writer at a time anyway"
)


async def test_the_second_event_of_a_person_waits_and_reads_what_the_first_left(sessions):
    async with sessions() as session, session.begin():
        person = await respondents.create_respondent(
            session, "web", "w1", chat_id=None, first_name=None, language="de", now=NOW
        )
        await interviews.start_interview(session, person.id, "needs", 1, NOW)

    async def second() -> str | None:
        async with sessions() as session, session.begin():
            _, interview = await interviews.respondent_with_interview(session, "web", "w1")
            return interview.position

    async with sessions() as first, first.begin():
        _, interview = await interviews.respondent_with_interview(first, "web", "w1")
        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.5)  # time enough for the second to read, were it not held
        interview.position = "household"
    assert await waiting == "household"
