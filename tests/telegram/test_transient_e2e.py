"""A deadlock that PostgreSQL reports for an update's transaction is no lost answer: the
transaction was rolled back whole, so the bot handles the update once more."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select, text

from bot.ui.labels import question_text
from storage.models import Answer
from tests.fixtures.bot import running_bot
from tests.fixtures.database import database_kind
from tests.intake.test_intake_e2e import Walker, flow_for

pytestmark = pytest.mark.skipif(
    database_kind() != "postgresql", reason="deadlocks are PostgreSQL's (SQLite has one writer)"
)

# The database itself refuses the first answer stored after this, as a deadlock would.
ONE_DEADLOCK = (
    # A sequence, not a table: what the failed transaction did is rolled back, nextval is not.
    "CREATE SEQUENCE deadlock_once",
    """CREATE FUNCTION deadlock_once() RETURNS trigger AS $$
    BEGIN
      IF nextval('deadlock_once') = 1 THEN
        RAISE EXCEPTION 'deadlock detected (planted)' USING ERRCODE = '40P01';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    "CREATE TRIGGER deadlock_once BEFORE INSERT ON answer"
    " FOR EACH ROW EXECUTE FUNCTION deadlock_once()",
)
REMOVE = (
    "DROP TRIGGER IF EXISTS deadlock_once ON answer",
    "DROP FUNCTION IF EXISTS deadlock_once()",
    "DROP SEQUENCE IF EXISTS deadlock_once",
)


async def run(engine, statements) -> None:
    async with engine.begin() as connection:
        for statement in statements:
            await connection.exec_driver_sql(statement)


async def test_an_answer_that_meets_a_deadlock_is_stored_once_and_answered(
    fake_telegram, database_url, sessions, caplog
):
    fake = fake_telegram
    flow = flow_for(fake, database_url)
    first, second = flow.questions[:2]
    async with running_bot(fake, database_url) as app:
        walker = Walker(fake, fake.person("Amina", "de"), flow, "de")
        await walker.start()
        await run(app.engine, ONE_DEADLOCK)
        try:
            with caplog.at_level(logging.WARNING):
                await walker.answer(first, "spich")
                await walker.shows(walker.tr(question_text(flow, second)))
            async with app.engine.connect() as connection:
                query = text("SELECT last_value FROM deadlock_once")
                inserts = (await connection.execute(query)).scalar()
        finally:
            await run(app.engine, REMOVE)
    assert inserts == 2, "the answer was not refused once and then stored"
    assert any("met a deadlock and is handled again" in r.getMessage() for r in caplog.records)
    assert not any(r.getMessage().endswith("failed") for r in caplog.records)
    async with sessions() as session:
        stored = await session.scalar(
            select(func.count()).select_from(Answer).where(Answer.question_id == first.id)
        )
    assert stored == 1
