"""When a case is opened: a person's flags open their case, or join the open one, for a team.

The conversation's handover hook calls `handover` in the transaction that finishes (or, for an
urgent flag, answers) the interview; `route` picks the team from config.yaml's rules.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.config import Team
from bot.flows import engine
from bot.flows.schema import Flow, Priority, QuestionType
from storage import casework as store
from storage import interviews
from storage.casework import Case
from storage.models import Interview, Respondent
from storage.types import NoticeState


async def handover(
    session: AsyncSession,
    teams: list[Team],
    flow: Flow,
    now: datetime,
    respondent: Respondent,
    interview: Interview,
    flags: list[engine.Flag],
) -> tuple[Case, bool]:
    """Open the person's case, or add new flags to the open one: the case, and whether any flag
    was new (then the team is to hear of it). Flags the case has change nothing, so answering
    again, a redelivered update or a second replica never tell the team twice."""
    district = await _district(session, flow, interview.id)
    case = await store.open_case_of(session, respondent.id)
    if case is None:
        team = route(teams, flags, district, respondent.language or "de")
        case = await store.open_case(
            session,
            respondent_id=respondent.id,
            interview_id=interview.id,
            language=respondent.language or "de",
            district=district,
            priority=flags[0].priority.value,
            team=team.id if team else "",
            created_at=now,
            updated_at=now,
        )
    known = {f.rule_id for f in await store.flags_of(session, case.id)}
    added = [flag for flag in flags if flag.rule_id not in known]
    for flag in added:
        session.add(
            store.CaseFlag(
                case_id=case.id,
                rule_id=flag.rule_id,
                question_id=flag.question_id,
                field=flag.field,
                priority=flag.priority.value,
                reason=flag.reason[:200],
                raised_at=now,
            )
        )
    if known and added:
        before = Priority(case.priority)
        top = max((before, *(f.priority for f in added)), key=lambda p: p.rank)
        case.notice_state = notice_after_new_flags(case, top.rank > before.rank)
        case.priority = top.value
        case.interview_id, case.district, case.updated_at = interview.id, district, now
    return case, bool(added)


async def _district(session: AsyncSession, flow: Flow, interview_id: int | None) -> str | None:
    question = next((q for q in flow.questions if q.type is QuestionType.district), None)
    if question is None or interview_id is None:
        return None
    row = (await interviews.load_answers(session, interview_id)).get(question.id)
    return row.code if row is not None and not row.skipped else None


def notice_after_new_flags(case: Case, more_pressing: bool) -> NoticeState:
    """How the team hears of flags that joined an open case: a notice not yet sent shows them
    anyway; one in the group is brought up to date in place, or, when the flags make the case
    more pressing, followed by a new notice."""
    if case.notice_state == NoticeState.NEW:
        return NoticeState.NEW
    if more_pressing and case.notice_message_id is not None:
        return NoticeState.NEW
    return NoticeState.OUTDATED


def route(teams: list[Team], flags: list[engine.Flag], district: str | None, language: str):
    """The first non-default team whose rules all match, else the default team."""
    fields = {flag.field for flag in flags}
    for team in teams:
        if team.default:
            continue
        if team.fields and not fields & set(team.fields):
            continue
        if team.districts and district not in team.districts:
            continue
        if team.languages and language not in team.languages:
            continue
        return team
    return next((t for t in teams if t.default), None)
