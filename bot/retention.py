"""Retention: data older than config.yaml's periods is erased by a daily job.

A person who has not written to the bot for `retention.answers_days` is erased with everything
about them, as if they had sent /delete. Closed cases older than `retention.cases_days` go too.
Marks of handled Telegram updates are kept two days: Telegram redelivers an update for at most
one. Drafts of staff dialogs (the /broadcast composer) untouched for a week are cleared.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.service import SettingsService
from storage import dialogs, respondents, updates, web
from storage.casework import erase_cases_closed_before
from storage.db import empty_wal

log = logging.getLogger(__name__)
UPDATE_MARKS_KEPT = timedelta(days=2)
DRAFTS_KEPT = timedelta(days=7)


@dataclass(frozen=True)
class Erased:
    people: int
    cases: int
    update_marks: int


class Retention(SettingsService):
    async def erase_expired(self, now: datetime) -> Erased:
        people_cutoff = now - timedelta(days=self.settings.retention.answers_days)
        cases_cutoff = now - timedelta(days=self.settings.retention.cases_days)
        async with self.transaction() as session:
            expired = await respondents.silent_since(session, people_cutoff)
            for respondent_id in expired:
                await respondents.erase_respondent(session, respondent_id, now)
            cases = await erase_cases_closed_before(session, cases_cutoff, now)
            marks = await updates.forget_processed_before(session, now - UPDATE_MARKS_KEPT)
            drafts = await dialogs.forget_untouched_since(session, now - DRAFTS_KEPT)
            idle = now - timedelta(days=self.settings.web.session_days)
            await web.forget_idle(session, idle)  # web chat sessions not used for so long
        if expired or cases:
            await empty_wal(self.sessions)  # no copy of the erased rows stays on disk
        erased = Erased(len(expired), cases, marks)
        log.info("retention: erased %d people, %d cases, %d update marks", *vars(erased).values())
        if drafts:
            log.info("retention: cleared %d dialog drafts untouched for a week", drafts)
        return erased
