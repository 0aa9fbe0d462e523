"""Storage queries on a real database (SQLite file, or PostgreSQL in CI)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from storage import interviews, respondents, updates
from storage.models import Answer, Interview, ProcessedUpdate, Respondent
from tests.fixtures.database import database_kind

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


async def new_person(session, user_id: str = "42") -> tuple[Respondent, Interview]:
    person = await respondents.create_respondent(
        session,
        "telegram",
        user_id,
        chat_id=int(user_id),
        first_name="Olena",
        language="uk",
        now=NOW,
    )
    interview = await interviews.start_interview(session, person.id, "needs", 1, NOW)
    return person, interview


async def count(session, model) -> int:
    return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_a_respondent_is_found_by_channel_and_user_id(sessions):
    async with sessions() as session, session.begin():
        person, _ = await new_person(session)
    async with sessions() as session:
        found = await respondents.find_respondent(session, "telegram", "42")
        assert found is not None and found.id == person.id
        assert await respondents.find_respondent(session, "terminal", "42") is None


async def test_times_come_back_aware_and_in_utc(sessions):
    berlin_noon = datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    async with sessions() as session, session.begin():
        _, interview = await new_person(session)
        interview.finished_at = berlin_noon
    async with sessions() as session:
        stored = await session.get(Interview, interview.id)
        assert stored.finished_at == berlin_noon
        assert stored.finished_at.utcoffset() == timedelta(0)
        assert stored.finished_at.hour == 10  # 12:00 summer time in Berlin is 10:00 UTC
        assert stored.started_at == NOW


async def test_saving_an_answer_again_replaces_it(sessions):
    async with sessions() as session, session.begin():
        _, interview = await new_person(session)
        await interviews.save_answer(session, interview.id, "district", "spich", False, NOW)
        await interviews.save_answer(session, interview.id, "district", "mitte", False, NOW)
        await interviews.save_answer(session, interview.id, "income", None, True, NOW)
    async with sessions() as session:
        stored = await interviews.load_answers(session, interview.id)
        assert stored == {
            "district": interviews.StoredAnswer("mitte", False),
            "income": interviews.StoredAnswer(None, True),
        }
        assert await count(session, Answer) == 2


async def test_answers_can_be_deleted_by_question_and_all_at_once(sessions):
    async with sessions() as session, session.begin():
        _, interview = await new_person(session)
        for qid in ("a", "b", "c"):
            await interviews.save_answer(session, interview.id, qid, "1", False, NOW)
        await interviews.delete_answers(session, interview.id, ["a", "c"])
        assert set(await interviews.load_answers(session, interview.id)) == {"b"}
        await interviews.delete_all_answers(session, interview.id)
        assert await interviews.load_answers(session, interview.id) == {}


async def test_the_current_interview_is_the_latest_not_abandoned(sessions):
    async with sessions() as session, session.begin():
        person, first = await new_person(session)
        second = await interviews.start_interview(session, person.id, "needs", 1, NOW)
        second.status = "abandoned"
        await session.flush()
        current = await interviews.current_interview(session, person.id)
        assert current is not None and current.id == first.id
        found = await interviews.respondent_with_interview(session, "telegram", "42")
        assert found is not None
        assert found[0].id == person.id and found[1] is not None and found[1].id == first.id


async def test_a_person_without_an_interview_is_found_with_none(sessions):
    async with sessions() as session, session.begin():
        person = await respondents.create_respondent(
            session, "telegram", "42", chat_id=42, first_name=None, language="ar", now=NOW
        )
        found = await interviews.respondent_with_interview(session, "telegram", "42")
        assert found is not None and found[0].id == person.id and found[1] is None
        assert await interviews.respondent_with_interview(session, "telegram", "43") is None
        assert await interviews.respondent_with_interview(session, "terminal", "42") is None


async def test_an_update_is_marked_processed_only_once(sessions):
    async with sessions() as session, session.begin():
        assert await updates.mark_processed(session, 1001, NOW)
    async with sessions() as session, session.begin():
        assert not await updates.mark_processed(session, 1001, NOW)
        assert await updates.mark_processed(session, 1002, NOW)
    async with sessions() as session, session.begin():
        forgotten = await updates.forget_processed_before(session, NOW + timedelta(seconds=1))
        assert forgotten == 2
        assert await count(session, ProcessedUpdate) == 0


async def test_erasing_a_person_leaves_no_row_about_them(sessions):
    async with sessions() as session, session.begin():
        person, interview = await new_person(session, "42")
        other, other_interview = await new_person(session, "43")
        await interviews.save_answer(session, interview.id, "district", "spich", False, NOW)
        await interviews.save_answer(session, other_interview.id, "district", "west", False, NOW)
    async with sessions() as session, session.begin():
        await respondents.erase_respondent(session, person.id)
    async with sessions() as session:
        remaining = (await session.execute(select(Respondent.channel_user_id))).scalars()
        assert list(remaining) == ["43"]
        owners = (await session.execute(select(Interview.respondent_id))).scalars()
        assert list(owners) == [other.id]
        assert list((await session.execute(select(Answer.code))).scalars()) == ["west"]


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(engine):
    if database_kind() != "sqlite":
        return
    async with engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
