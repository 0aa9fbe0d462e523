"""Retention: data older than config.yaml's periods is erased by a daily job.

A person who has not written to the bot for `retention.answers_days` is erased with everything
about them, as if they had sent /delete. Closed cases older than `retention.cases_days` go too.
Marks of handled Telegram updates are kept two days: Telegram redelivers an update for at most
one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.services import Clock, Service, utc_now
from storage import respondents, updates
from storage.casework import erase_cases_closed_before
from storage.models import Respondent

log = logging.getLogger(__name__)
UPDATE_MARKS_KEPT = timedelta(days=2)


@dataclass(frozen=True)
class Erased:
    people: int
    cases: int
    update_marks: int


class Retention(Service):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(sessions, clock)
        self.settings = settings

    async def erase_expired(self, now: datetime) -> Erased:
        people_cutoff = now - timedelta(days=self.settings.retention.answers_days)
        cases_cutoff = now - timedelta(days=self.settings.retention.cases_days)
        async with self.transaction() as session:
            result = await session.execute(
                select(Respondent.id).where(Respondent.last_active_at < people_cutoff)
            )
            expired = list(result.scalars())
            for respondent_id in expired:
                await respondents.erase_respondent(session, respondent_id)
            cases = await _erase_old_cases(session, cases_cutoff)
            marks = await updates.forget_processed_before(session, now - UPDATE_MARKS_KEPT)
        erased = Erased(len(expired), cases, marks)
        log.info("retention: erased %d people, %d cases, %d update marks", *vars(erased).values())
        return erased


async def _erase_old_cases(session: AsyncSession, cutoff: datetime) -> int:
    return await erase_cases_closed_before(session, cutoff)
