"""Cases on a real database: routing, joining flags, notices claimed once, staff rights, erasure,
retention, invitations and the audit log (the command line included)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.casework.opening import route
from bot.casework.service import Casework
from bot.casework.staff import StaffService, code_hash
from bot.casework.texts import NOT_YOUR_TEAM, UNKNOWN_CASE
from bot.core.config import load_settings
from bot.core.service import Event
from bot.flows import engine
from bot.flows.loader import load_configured_flow
from bot.flows.schema import Priority
from bot.retention import Retention
from bot.ui.model import AskOutcome, ClaimCase, CloseCase
from storage import deliveries, interviews, respondents
from storage.casework import AuditEntry, Case, CaseFlag, Invitation, Staff
from storage.models import Interview, Respondent

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def flag(rule: str, field: str, priority: str = "normal", question: str = "x") -> engine.Flag:
    return engine.Flag(rule, question, field, Priority(priority), f"Grund {rule}")


@pytest.fixture
def settings():
    teams = [
        {"id": "wohnen", "name": "Wohnen", "chat_id": -101, "fields": ["housing"]},
        {"id": "spich", "name": "Spich", "chat_id": -102, "districts": ["spich"],
         "languages": ["en"]},
        {"id": "kim", "name": "KIM", "chat_id": -100, "default": True},
    ]  # fmt: skip
    return load_settings(ROOT / "config.yaml", teams=teams)


@pytest.fixture
def casework(sessions, settings):
    return Casework(sessions, settings, load_configured_flow(settings), clock=lambda: NOW)


async def person(session, user_id: str = "1", language: str = "ar", district: str = "spich"):
    respondent = await respondents.create_respondent(
        session, "telegram", user_id, chat_id=int(user_id), first_name="Amina",
        language=language, now=NOW,
    )  # fmt: skip
    interview = await interviews.start_interview(session, respondent.id, "needs", 1, NOW)
    await interviews.save_answer(session, interview.id, "district", district, False, NOW)
    return respondent, interview


def test_routing_takes_the_first_matching_team_and_else_the_default(settings):
    teams = settings.teams
    assert route(teams, [flag("h", "housing")], "spich", "ar").id == "wohnen"
    assert route(teams, [flag("l", "language")], "spich", "en").id == "spich"
    assert route(teams, [flag("l", "language")], "spich", "ar").id == "kim"  # language differs
    assert route(teams, [flag("l", "language")], "oberlar", "en").id == "kim"  # district differs
    assert route([], [flag("l", "language")], None, "de") is None


async def test_later_flags_join_the_open_case_and_raise_its_priority(sessions, casework):
    async with sessions() as session, session.begin():
        respondent, interview = await person(session)
        first = await casework.handover(session, respondent, interview, [flag("a", "language")])
        again = await casework.handover(session, respondent, interview, [
            flag("b", "housing", "urgent"), flag("a", "language"),
        ])  # fmt: skip
        assert again.id == first.id
    async with sessions() as session:
        case = (await session.execute(sa.select(Case))).scalar_one()
        rules = (await session.execute(sa.select(CaseFlag.rule_id))).scalars().all()
    assert (case.priority, case.team, case.district, case.language) == ("urgent", "kim", "spich",
                                                                        "ar")  # fmt: skip
    assert sorted(rules) == ["a", "b"]


async def test_a_case_puts_one_notice_in_the_outbox_which_new_flags_arm_again(sessions, casework):
    async with sessions() as session, session.begin():
        respondent, interview = await person(session)
        await casework.handover(session, respondent, interview, [flag("a", "language")])
    claims = await asyncio.gather(*(claim(sessions, f"sender {n}") for n in range(4)))
    [(notice,)] = [c for c in claims if c]  # one sender has it, whoever asks at the same time
    assert (notice.kind, notice.ref, notice.case_id, notice.lane) == ("notice", "1", 1, 0)
    assert not notice.to_person  # to the team's group, whatever the person's chat allows

    for flags, expected in (("a", 0), ("ab", 1)):  # nothing new: nothing to tell; then a flag
        async with sessions() as session, session.begin():
            respondent = await session.get(Respondent, 1)
            interview = await session.get(Interview, 1)
            raised = [flag(rule, "work") for rule in flags]
            await casework.handover(session, respondent, interview, raised)
        assert await versions(sessions) == [("notice", expected)]  # the same notice, anew


async def claim(sessions, worker: str) -> list[deliveries.Claim]:
    async with sessions() as session, session.begin():
        return await deliveries.claim_due(session, NOW, 10, worker, timedelta(minutes=2))


async def versions(sessions) -> list[tuple[str, int]]:
    async with sessions() as session:
        query = sa.select(deliveries.Delivery.kind, deliveries.Delivery.version)
        return [tuple(row) for row in await session.execute(query)]


async def test_only_caseworkers_of_the_cases_team_may_act(sessions, casework):
    async with sessions() as session, session.begin():
        respondent, interview = await person(session)
        await casework.handover(session, respondent, interview, [flag("a", "language")])
        session.add_all([
            Staff(telegram_user_id=11, name="Carla", role="caseworker", team="kim", created_at=NOW),
            Staff(telegram_user_id=12, name="Wim", role="caseworker", team="wohnen",
                  created_at=NOW),
            Staff(telegram_user_id=13, name="Rita", role="caseworker", team="kim", active=False,
                  created_at=NOW),
        ])  # fmt: skip
    for user_id, update_id in ((12, 1), (13, 2), (99, 3)):
        outcome = await casework.act(user_id, ClaimCase(1), Event(update_id))
        assert outcome.toast == NOT_YOUR_TEAM and outcome.edits == ()
    assert (await casework.act(11, ClaimCase(777), Event(4))).toast == UNKNOWN_CASE
    claimed = await casework.act(11, ClaimCase(1), Event(5))
    assert claimed.toast == "Fall #1 gehört jetzt Ihnen."
    async with sessions() as session:
        case = await session.get(Case, 1)
        denied = (await session.execute(sa.select(sa.func.count()).where(
            AuditEntry.action == "denied"))).scalar()  # fmt: skip
    assert (case.status, case.assignee_id, denied) == ("claimed", 1, 3)


async def test_delete_and_retention_take_cases_with_them(sessions, casework, settings):
    async with sessions() as session, session.begin():
        amina, interview = await person(session, "1")
        await casework.handover(session, amina, interview, [flag("a", "language")])
        omar, interview = await person(session, "2")
        await casework.handover(session, omar, interview, [flag("a", "language")])
    async with sessions() as session, session.begin():
        closed = await session.get(Case, 2)
        closed.status, closed.closed_at = "closed", NOW - timedelta(
            days=settings.retention.cases_days + 1)  # fmt: skip
        await respondents.erase_respondent(session, amina.id)
    async with sessions() as session:
        assert [c.id for c in (await session.execute(sa.select(Case))).scalars()] == [2]
    erased = await Retention(sessions, settings, clock=lambda: NOW).erase_expired(NOW)
    assert erased.cases == 1
    async with sessions() as session:
        assert (await session.execute(sa.select(sa.func.count()).select_from(Case))).scalar() == 0
        assert (
            await session.execute(sa.select(sa.func.count()).select_from(CaseFlag))
        ).scalar() == 0
        assert (await session.execute(sa.select(Respondent.channel_user_id))).scalars().all() == [
            "2"
        ]


async def test_invitation_codes_are_stored_hashed_work_once_and_expire(sessions, settings):
    service = StaffService(sessions, settings, clock=lambda: NOW)
    code = await service.invite("caseworker", "kim", hours=1)
    expiring = await service.invite("coordinator", None, hours=1)
    async with sessions() as session:
        stored = (await session.execute(sa.select(Invitation.code_hash))).scalars().all()
    assert code_hash(code) in stored and code not in stored
    assert (await service.register(5, "Carla", code, Event(1))).ok
    assert not (await service.register(6, "Deniz", code, Event(2))).ok
    late = StaffService(sessions, settings, clock=lambda: NOW + timedelta(hours=2))
    assert not (await late.register(6, "Deniz", expiring, Event(3))).ok
    assert [(s.telegram_user_id, s.role, s.team) for s in await service.list()] == [
        (5, "caseworker", "kim")
    ]
    assert await service.revoke(5) and not await service.revoke(5)
    with pytest.raises(ValueError, match="needs --team"):
        await service.invite("caseworker", "nope", hours=1)


def kim(database_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIM_")}
    env.update(KIM_CONFIG=str(ROOT / "config.yaml"), KIM_DATABASE_URL=database_url)
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip


def test_staff_and_audit_on_the_command_line(database_url, tmp_path):
    invited = kim(database_url, "staff", "invite", "--role", "caseworker", "--team", "kim")
    assert invited.returncode == 0, invited.stderr
    assert "One-time code: " in invited.stdout and "/register " in invited.stdout
    wrong = kim(database_url, "staff", "invite", "--role", "caseworker", "--team", "nope")
    assert wrong.returncode == 2 and "one of: kim" in wrong.stdout
    listed = kim(database_url, "staff", "list")
    assert listed.returncode == 0 and "No staff registered yet" in listed.stdout
    assert kim(database_url, "staff", "revoke", "42").returncode == 1
    audit = kim(database_url, "audit")
    assert audit.returncode == 0 and "cli" in audit.stdout and "invite" in audit.stdout
    assert "caseworker kim" in audit.stdout


async def test_closing_from_the_group_asks_for_an_outcome_and_only_the_assignee_may(
    sessions, casework
):
    async with sessions() as session, session.begin():
        respondent, interview = await person(session)
        case = await casework.handover(session, respondent, interview, [flag("a", "language")])
        case.notice_chat_id, case.notice_message_id, case.notice_state = -100, 7, "sent"
        session.add_all([
            Staff(telegram_user_id=11, name="Carla", role="caseworker", team="kim", created_at=NOW),
            Staff(telegram_user_id=14, name="Deniz", role="caseworker", team="kim",
                  created_at=NOW),
        ])  # fmt: skip
    await casework.act(11, ClaimCase(1), Event(1))
    refused = await casework.act(14, AskOutcome(1), Event(2))
    assert (
        refused.toast
        == "Diesen Fall hat Carla. Nur diese Person kann ihn abschließen oder schreiben."
    )
    asked = await casework.act(11, AskOutcome(1), Event(3))
    (edit,) = asked.edits
    assert (edit.chat_id, edit.message_id) == (-100, 7)
    assert [k.label for row in edit.screen.buttons for k in row] == [
        "✔️ beraten", "✔️ weitervermittelt", "✔️ kein Bedarf mehr", "✔️ nicht erreichbar",
        "✔️ sonstiges", "↩️ Zurück",
    ]  # fmt: skip
    forged = await casework.act(11, CloseCase(1, "lost"), Event(4))
    assert forged.toast == UNKNOWN_CASE
    closed = await casework.act(11, CloseCase(1, "referred"), Event(5))
    assert closed.toast == "Fall #1 ist abgeschlossen: weitervermittelt."
    (edit,) = closed.edits
    assert edit.screen.buttons == () and "☑️ Abgeschlossen von Carla" in edit.screen.parts[0]
    again = await casework.act(11, ClaimCase(1), Event(6))
    assert again.toast == "Dieser Fall ist schon abgeschlossen."
    async with sessions() as session:
        case = await session.get(Case, 1)
    assert (case.status, case.outcome, case.contact_open) == ("closed", "referred", False)
