"""Retention: people silent longer than the configured period are erased with all their data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from storage import interviews, respondents, updates
from storage.models import Answer, Interview, ProcessedUpdate, Respondent

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


async def test_people_past_the_answers_period_are_erased_and_the_others_kept(
    services, sessions, clock
):
    clock.set(NOW)
    days = services.settings.retention.answers_days
    async with sessions() as session, session.begin():
        for user_id, silent_days in (("old", days + 1), ("recent", days - 1)):
            since = NOW - timedelta(days=silent_days)
            person = await respondents.create_respondent(
                session,
                "telegram",
                user_id,
                chat_id=1,
                first_name=None,
                language="de",
                now=since,
            )
            interview = await interviews.start_interview(session, person.id, "needs", 1, since)
            await interviews.save_answer(session, interview.id, "district", "spich", False, since)
        await updates.mark_processed(session, 1, NOW - timedelta(days=3))
        await updates.mark_processed(session, 2, NOW - timedelta(hours=1))

    erased = await services.retention.erase_expired(NOW)

    assert (erased.people, erased.update_marks) == (1, 1)
    async with sessions() as session:
        users = (await session.execute(select(Respondent.channel_user_id))).scalars().all()
        assert users == ["recent"]
        for model, left in ((Interview, 1), (Answer, 1), (ProcessedUpdate, 1)):
            assert (await session.execute(select(func.count()).select_from(model))).scalar() == left
