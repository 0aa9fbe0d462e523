"""The provider survey on a real database: a code starts it, the answers become a submission,
a coordinator approves it, and the provider hears of it through the outbox."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.core.service import Event, Person
from bot.flows.schema import QuestionType
from bot.intake.providers import NO_CODE, REFUSED, TOO_MANY, ProviderSurvey
from bot.providers.desk import DECIDED
from bot.providers.texts import NOTHING_PENDING, REFUSAL
from bot.ui.model import Choose, DecideEntry, Navigate, Reply, Review, Toggle
from bot.ui.text import screen_text
from storage.casework import AuditEntry
from storage.deliveries import Delivery
from storage.models import Interview, Respondent

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
AMAL = Person("telegram", "3003", chat_id=3003, first_name="Amal", device_language="de")
COORDINATOR = 9001


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"coordinators": [COORDINATOR]})


@pytest.fixture
def clock(clock):
    clock.set(NOW)
    return clock


events = itertools.count(1)


def event() -> Event:
    return Event(next(events) + 10_000)


ANSWERS: dict[str, object] = {
    "org_kind": "welfare",
    "org_districts": ["oberlar"],
    "contact_name": "Amal Haddad",
    "contact_phone": "02241 1234",
    "contact_email": "info@bruecke.example",
    "website": None,
    "paid_staff": "2",
    "volunteers": "12",
    "rooms": "own",
    "funding": ["donations"],
    "team_languages": ["de", "ar"],
    "cooperates": "no",
    "offer_description": "Hilfe bei Briefen von Ämtern",
    "offer_fields": ["social"],
    "offer_districts": ["city"],
    "offer_address": None,
    "offer_languages": ["ar"],
    "offer_target_groups": None,
    "offer_age_min": "16",
    "offer_age_max": None,
    "offer_costs": "kostenlos",
    "offer_schedule": None,
    "offer_access": None,
}


async def position(sessions, interview_id: int) -> str | None:
    async with sessions() as session:
        return (await session.get(Interview, interview_id)).position


async def answer_survey(survey: ProviderSurvey, sessions, offers: list[str]) -> Reply:
    """Answer every question as ANSWERS says, one offer per name; the summary's reply."""
    interview_id = await survey.active(AMAL)
    assert interview_id is not None
    reply: Reply | None = None
    while (key := await position(sessions, interview_id)) is not None:
        step = survey._step(key)
        question = step.question
        if step.another:
            more = "yes" if step.round < len(offers) else "no"
            reply = await survey.press(AMAL, Choose(interview_id, key, more), event())
            continue
        value = offers[step.round - 1] if question.id == "offer_name" else ANSWERS[question.id]
        if value is None:
            reply = await survey.press(AMAL, Navigate(interview_id, key, "skip"), event())
        elif question.type is QuestionType.multiple:
            for choice in value:
                await survey.press(AMAL, Toggle(interview_id, key, choice), event())
            reply = await survey.press(AMAL, Navigate(interview_id, key, "done"), event())
        elif question.has_choices:
            reply = await survey.press(AMAL, Choose(interview_id, key, value), event())
        else:
            reply = await survey.text(AMAL, str(value), event())
        assert reply.toast is None, (key, reply)
    assert reply is not None
    return reply


async def submit(survey: ProviderSurvey, sessions) -> Reply:
    interview_id = await survey.active(AMAL)
    return await survey.press(AMAL, Review(interview_id, "finish"), event())


def text_of(reply: Reply) -> str:
    screens = [*reply.messages, *([reply.prompt] if reply.prompt else [])]
    return "\n".join(screen_text(screen, "de") for screen in screens)


async def test_without_a_code_the_survey_says_how_to_begin(services):
    reply = await services.provider_survey.text(AMAL, "Hallo", event())
    assert text_of(reply) == NO_CODE
    assert await services.provider_survey.active(AMAL) is None


async def test_a_wrong_expired_or_used_code_is_refused_and_changes_nothing(
    services, sessions, clock
):
    survey = services.provider_survey
    code, _ = await services.providers.invite("Brücke e. V.", hours=1)
    assert text_of(await survey.redeem(AMAL, "ABCDE-FGHJK", event())) == REFUSED
    clock.advance(timedelta(hours=2))
    assert text_of(await survey.redeem(AMAL, code, event())) == REFUSED
    clock.set(NOW)
    fresh, _ = await services.providers.invite("Brücke e. V.", hours=1)
    assert "Brücke e. V." in text_of(await survey.redeem(AMAL, fresh.lower(), event()))
    other = Person("telegram", "3004", chat_id=3004)
    assert text_of(await survey.redeem(other, fresh, event())) == REFUSED
    async with sessions() as session:
        people = (await session.execute(select(Respondent.channel_user_id))).scalars().all()
    assert people == ["telegram:3003"]


async def test_many_wrong_codes_in_an_hour_are_refused_even_a_right_one(services):
    survey = services.provider_survey
    code, _ = await services.providers.invite("Brücke e. V.", hours=1)
    for _ in range(5):
        await survey.redeem(AMAL, "WRONG-CODE1", event())
    assert text_of(await survey.redeem(AMAL, code, event())) == TOO_MANY


async def test_the_survey_is_a_second_conversation_apart_from_the_persons_own(services, sessions):
    code, _ = await services.providers.invite("Brücke e. V.", hours=1)
    reply = await services.provider_survey.redeem(AMAL, code, event())
    assert "Welcher Art ist Ihre Organisation?" in text_of(reply)  # the name is filled in
    own = await services.conversation.start(AMAL, event())
    assert own.messages and own.prompt is None  # the needs questionnaire begins with languages
    async with sessions() as session:
        rows = (await session.execute(select(Respondent.channel, Interview.flow_id).join(
            Interview, Interview.respondent_id == Respondent.id))).all()  # fmt: skip
    assert rows == [("provider", "providers")]


async def test_two_offers_become_a_submission_that_a_coordinator_approves(services, sessions):
    code, existing = await services.providers.invite("Brücke e. V.", hours=72)
    assert existing is None
    await services.provider_survey.redeem(AMAL, code, event())
    summary = await answer_survey(services.provider_survey, sessions, ["Sprechstunde", "Café"])
    assert "Angebot 2" in text_of(summary)
    done = await submit(services.provider_survey, sessions)
    assert "eingereicht" in text_of(done)
    assert await services.provider_survey.active(AMAL) is None
    (pending,) = await services.directory.pending()
    assert [o.name for o in pending.entry.offers] == ["Sprechstunde", "Café"]
    assert pending.entry.organisation.name == "Brücke e. V."

    refused = await services.providers.decide(4242, DecideEntry(pending.id, True), event())
    assert refused.toast == REFUSAL and len(await services.directory.pending()) == 1
    review = await services.providers.review(COORDINATOR)
    assert "Sprechstunde" in text_of(review) and "Brücke e. V." in text_of(review)
    approve = review.messages[1].buttons[0][0]
    assert approve.label == "✅ Freigeben" and approve.action == DecideEntry(pending.id, True)
    decided = await services.providers.decide(COORDINATOR, approve.action, event())
    assert "Freigegeben" in screen_text(decided.retire, "de")
    offers = await services.directory.active_offers()
    assert sorted(o.name for o in offers) == ["Café", "Sprechstunde"]
    assert text_of(await services.providers.review(COORDINATOR)) == NOTHING_PENDING
    async with sessions() as session:
        kinds = (await session.execute(select(Delivery.kind))).scalars().all()
        actions = (await session.execute(select(AuditEntry.action))).scalars().all()
    assert kinds == [DECIDED]
    assert {"provider_invite", "provider_redeemed", "offers_submitted", "offers_approved"} <= set(
        actions
    )
    assert "denied" in actions


async def test_a_second_code_for_the_organisation_updates_its_entry(services, sessions, clock):
    code, _ = await services.providers.invite("Brücke e. V.", hours=72)
    await services.provider_survey.redeem(AMAL, code, event())
    await answer_survey(services.provider_survey, sessions, ["Sprechstunde"])
    await submit(services.provider_survey, sessions)
    (first,) = await services.directory.pending()
    await services.providers.decide(COORDINATOR, DecideEntry(first.id, True), event())
    clock.advance(timedelta(days=40))
    again, existing = await services.providers.invite("brücke e. V.", hours=72)
    assert existing is not None
    await services.provider_survey.redeem(AMAL, again, event())
    await answer_survey(services.provider_survey, sessions, ["Sprechstunde", "Nähcafé"])
    await submit(services.provider_survey, sessions)
    (second,) = await services.directory.pending()
    assert second.organisation_id == existing
    await services.providers.decide(COORDINATOR, DecideEntry(second.id, True), event())
    offers = await services.directory.active_offers()
    assert sorted(o.name for o in offers) == ["Nähcafé", "Sprechstunde"]
    assert {o.last_confirmed for o in offers} == {services.directory.today()}
    assert len(await services.directory.organisations()) == 1
    async with sessions() as session:
        count = await session.scalar(select(func.count()).select_from(Delivery))
    assert count == 2


async def test_providers_get_no_broadcasts_or_reminders_and_count_in_no_report(
    services, sessions, clock
):
    from storage.audience import broadcast_members, paused_interviews

    code, _ = await services.providers.invite("Brücke e. V.", hours=72)
    await services.provider_survey.redeem(AMAL, code, event())
    clock.advance(timedelta(days=3))
    async with sessions() as session:
        assert await broadcast_members(session, None) == []
        assert await paused_interviews(session, clock()) == []
    report = await services.reports.report()
    assert report.funnel.consented.value == 0 and report.funnel.started.value == 0


def test_providers_invite_on_the_command_line(database_url):
    from tests.casework.test_casework import kim

    invited = kim(database_url, "providers", "invite", "--org", "Brücke e. V.", "--hours", "24")
    assert invited.returncode == 0, invited.stderr
    assert "One-time code: " in invited.stdout and "/provider " in invited.stdout
    blank = kim(database_url, "providers", "invite", "--org", "  ")
    assert blank.returncode == 2 and "--org needs" in blank.stdout


async def test_delete_erases_what_the_person_answered_as_a_provider_too(services, sessions):
    code, _ = await services.providers.invite("Brücke e. V.", hours=72)
    await services.provider_survey.redeem(AMAL, code, event())
    await services.data_rights.delete(AMAL, True, event())
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Respondent)) == 0
        assert await session.scalar(select(func.count()).select_from(Interview)) == 0
    assert await services.provider_survey.active(AMAL) is None


async def test_review_shows_ten_submissions_at_a_time_and_says_how_many_more(services):
    from bot.offers.model import Entry, Offer, Organisation
    from storage.types import OrganisationKind

    for n in range(12):
        org = Organisation(0, f"Verein {n}", OrganisationKind.other)
        await services.directory.submit(Entry(org, (Offer(0, 0, "Café"),)), provider="cli")
    review = await services.providers.review(COORDINATOR)
    assert len(review.messages) == 1 + 10 + 1
    assert "2 weitere" in text_of(review)


async def test_an_entry_the_directory_refuses_stays_on_the_summary_with_the_reasons(
    services, sessions
):
    code, _ = await services.providers.invite("Brücke e. V.", hours=72)
    await services.provider_survey.redeem(AMAL, code, event())
    await answer_survey(services.provider_survey, sessions, ["Café", "café"])
    refused = await submit(services.provider_survey, sessions)
    assert "steht zweimal da" in text_of(refused) and "Angebot 2" in text_of(refused)
    assert await services.directory.pending() == ()
    assert await services.provider_survey.active(AMAL) is not None


@pytest.mark.parametrize("number", [0, -5, 10**15])
async def test_a_review_button_for_no_submission_changes_nothing(services, number):
    reply = await services.providers.decide(COORDINATOR, DecideEntry(number, True), event())
    assert reply.toast and reply.retire is None
    assert await services.directory.active_offers() == ()
