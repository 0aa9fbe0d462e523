"""Casework end to end: a flagged questionnaire becomes one notice in the team's group, which a
registered caseworker takes over, talks through with the person and closes; an urgent answer
reaches the group at once; over real HTTP."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.casework.contact import DELIVERED, END_CONTACT, FROM_CASEWORKER
from bot.casework.staff import StaffService
from bot.casework.texts import ERASED, NOT_YOUR_TEAM
from bot.core.i18n import LRI, PDI, Msg, translator
from bot.flows import engine
from bot.flows.loader import load_configured_flow
from bot.flows.schema import QuestionType, text_context
from bot.intake.screens import BACK, EMERGENCY, URGENT_HEARD
from bot.intake.texts import ALREADY_DONE
from bot.ui.labels import question_text
from storage.casework import AuditEntry, Case
from tests.fixtures.bot import (
    Respondent,
    default_answer,
    e2e_settings,
    outbox_sent,
    running_bot,
)

ARABIC = re.compile("[\u0600-\u06ff]")
PHONE = "٠١٧٦/١٢٣٤٥٦٧"  # Arabic-Indic digits, as typed on an Arabic keyboard


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def homeless_with_phone(question):
    """Flags: no home (urgent) and wishes for counselling; reachable by phone."""
    chosen = {"housing_type": "homeless", "contact_way": "phone", "phone": PHONE}
    if question.id in chosen:
        return chosen[question.id]
    if question.type is QuestionType.yes_no:
        return "no" if question.id != "counselling_wish" else "yes"
    return default_answer(question)


@pytest.fixture
def team(fake_telegram):
    carla = fake_telegram.person("Carla")
    olaf = fake_telegram.person("Olaf")
    group = fake_telegram.group("KIM Fallmanagement", [carla, olaf])
    return group, carla, olaf


@pytest.fixture
def options(team):
    group, _, _ = team
    teams = [{"id": "kim", "name": "KIM Fallmanagement", "chat_id": group.chat_id,
              "default": True}]  # fmt: skip
    return {"languages": ["de", "en", "ar"], "teams": teams}


@pytest.fixture
def team_settings(fake_telegram, database_url, options):
    """The settings of the bot with the team's group."""
    return e2e_settings(fake_telegram, database_url, **options)


@pytest.fixture
def amina(fake_telegram, team_settings) -> Respondent:
    """A German-speaking person about to answer the questionnaire."""
    return Respondent.new(fake_telegram, "Amina", team_settings)


async def register(fake, sessions, settings, person) -> None:
    code = await StaffService(sessions, settings).invite("caseworker", "kim", 72)
    person.send(f"/register {code.lower()}")  # typed in lower case: still valid
    reply = await person.next_message()
    assert reply.text.startswith("Willkommen! Sie sind jetzt als Fallmanagerin/Fallmanager")
    person.send(f"/register {code}")  # a code works once
    assert "gilt nicht" in (await person.next_message()).text


async def flagged(fake, sessions, settings, caseworker, person: Respondent, group):
    """The caseworker registers, the person answers with an urgent need and a phone number: the
    team's notice, once it shows the number."""
    await register(fake, sessions, settings, caseworker)
    await person.start()
    await person.answer_all(homeless_with_phone)
    await person.submit()
    await fake.wait_until(lambda: group.messages and "0176" in group.messages[0].text)
    return group.messages[0]


async def unclaimed_job(fake, app):
    """The body of the periodic job, called directly so that the test's clock decides."""
    jobs = app.dispatcher["scheduler"].jobs
    await fake.wait_until(lambda: "casework_unclaimed" in jobs)
    return jobs["casework_unclaimed"].body


async def audit_actions(sessions) -> list[tuple[str, str, int | None]]:
    async with sessions() as session:
        rows = await session.execute(
            sa.select(AuditEntry.actor, AuditEntry.action, AuditEntry.case_id).order_by(
                AuditEntry.id
            )
        )
        return [tuple(row) for row in rows]


async def test_a_flagged_questionnaire_is_taken_over_talked_through_and_closed(
    fake_telegram, database_url, sessions, team, options
):
    fake = fake_telegram
    group, carla, olaf = team
    settings = e2e_settings(fake, database_url, **options)
    flow = load_configured_flow(settings)
    amina = Respondent(fake, fake.person("Amina", language_code="ar"), flow, "ar")

    async with running_bot(fake, database_url, **options):
        # The notice went out at the urgent answer and is brought up to date on submit.
        notice = await flagged(fake, sessions, settings, carla, amina, group)
        text = notice.text
        # German, from the stored codes, although Amina answered in Arabic.
        assert text.startswith("🔴 DRINGEND · Fall #1 · Amina")
        assert "Sprache: Arabisch · Stadtteil: Altenrath" in text
        assert "• Wohnen: " in text and "(dringend)" in text
        assert "• Wo wohnen Sie? – Ich habe keine Wohnung." in text
        assert "• Wie sollen wir Sie erreichen? – mit einem Anruf" in text
        assert "• Unter welcher Telefonnummer können wir Sie anrufen? – 0176 1234567" in text
        assert not ARABIC.search(text)
        assert notice.buttons == ["✋ Übernehmen", "📄 Details", "☑️ Abschließen"]

        # Someone in the group who is not a registered caseworker: told so, nothing changes.
        before, edits = fake.callback_answers.copy(), notice.edits
        group.tap(olaf, "✋ Übernehmen")
        await fake.wait_until(lambda: len(fake.callback_answers) > len(before)
                              and not fake.unanswered_callbacks())  # fmt: skip
        assert NOT_YOUR_TEAM in [a.get("text") for a in fake.callback_answers.values()]
        assert notice.edits == edits and notice.buttons[0] == "✋ Übernehmen"

    # A restart in between loses nothing: the case and its notice are in the database.
    async with running_bot(fake, database_url, **options):
        group.tap(carla, "✋ Übernehmen")
        await fake.wait_until(lambda: "✅ Übernommen von Carla" in (notice.text or ""))
        assert notice.buttons == ["📄 Details", "☑️ Abschließen"]
        intro = await carla.next_message()
        assert intro.text.startswith("Fall #1 gehört jetzt Ihnen (Amina, Arabisch).")

        # Text that is no answer to a case: Carla gets her commands, not the questionnaire.
        carla.send("Hallo Bot")
        assert (await carla.next_message()).text.startswith("Sie sind als Mitarbeiterin")

        # Details go to Carla's private chat, never to the group.
        group.tap(carla, "📄 Details")
        details = await carla.next_message()
        assert details.text.startswith("🔴 DRINGEND · Fall #1 · Amina")
        assert "Über Sie:" in details.text and "Wohnen:" in details.text
        assert len(group.messages) == 1

        # Carla answers the case message; Amina reads it with a line in Arabic.
        amina.person.skip_read()
        carla.reply("Guten Tag, ich rufe Sie morgen um 10 Uhr an.", to=intro)
        received = await amina.person.next_message()
        ar = translator("ar")
        header = ar(Msg(FROM_CASEWORKER, args={"city": settings.city}))
        assert received.text.startswith(header + "\n\nGuten Tag, ich rufe Sie morgen um 10 Uhr an.")
        assert received.buttons == [ar(Msg(END_CONTACT))]
        assert (await carla.next_message()).text == "✓ Fall #1: an Amina gesendet."

        # Amina answers; it reaches Carla, marked with the case and the language.
        amina.person.send("شكرا، أنا في المنزل")
        forwarded = await carla.next_message()
        assert forwarded.text == "✉️ Fall #1 – Antwort von Amina (Arabisch):\n\nشكرا، أنا في المنزل"
        assert (await amina.person.next_message()).text == ar(Msg(DELIVERED))

        # Carla closes the case with an outcome, from her private chat.
        carla.send("/close 1")
        question = await carla.next_message()
        assert "✔️ beraten" in question.buttons
        carla.tap("✔️ beraten")
        await fake.wait_until(lambda: "☑️ Abgeschlossen von Carla" in (notice.text or ""))
        assert notice.buttons == []

        # With the case closed, Amina's text is no longer passed on.
        amina.person.send("Hallo?")
        await fake.wait_until(lambda: ar(Msg(ALREADY_DONE)) in amina.person.last.text)
        assert not [m for m in carla.messages[carla._seen :] if "Hallo?" in (m.text or "")]

    async with sessions() as session:
        case = (await session.execute(sa.select(Case))).scalar_one()
    assert (case.status, case.outcome, case.contact_open) == ("closed", "counselled", False)
    actions = await audit_actions(sessions)
    staff = [a for a in actions if a[0].startswith("staff:")]
    assert [a[1] for a in staff] == [
        "register", "claim", "view_answers", "message_to_person", "close",
    ]  # fmt: skip
    assert ("system", "notice", 1) in actions
    assert ("person", "message_from_person", 1) in actions
    assert (f"telegram:{olaf.user_id}", "denied", 1) in actions
    # Exactly one notice ever went to the group, and none elsewhere.
    assert len([m for m in group.messages if m.text.startswith("🔴")]) == 1


async def test_an_unclaimed_case_is_raised_again_once_after_its_time(
    fake_telegram, database_url, team, options
):
    fake = fake_telegram
    group, _, _ = team
    clock = Clock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    settings = e2e_settings(fake, database_url, **options)
    flow = load_configured_flow(settings)
    amina = Respondent(fake, fake.person("Amina", language_code="ar"), flow, "ar")

    async with running_bot(fake, database_url, clock=clock, **options) as app:
        remind = await unclaimed_job(fake, app)
        await amina.start()
        await amina.answer_all(homeless_with_phone)
        await amina.submit()
        await fake.wait_until(lambda: group.messages)
        notice = group.messages[0]

        clock.now += timedelta(hours=1, minutes=59)  # urgent: after 2 hours (config.yaml)
        await remind(clock())
        await outbox_sent(app)
        assert len(group.messages) == 1

        clock.now += timedelta(minutes=2)
        await remind(clock())
        await remind(clock())  # a second run at the same time sends nothing more
        await outbox_sent(app)
        assert len(group.messages) == 2
        reminder = group.messages[1]
        assert reminder.text.startswith("⏰ Fall #1 (🔴 dringend) wartet seit 2 Stunden")
        assert reminder.reply_to == notice.message_id

    # The next reminder time is in the database: after a restart it comes once, on time.
    async with running_bot(fake, database_url, clock=clock, **options) as app:
        remind = await unclaimed_job(fake, app)
        clock.now += timedelta(hours=1)
        await remind(clock())
        await outbox_sent(app)
        assert len(group.messages) == 2
        clock.now += timedelta(hours=1, minutes=1)
        await remind(clock())
        await fake.wait_until(lambda: len(group.messages) == 3)

        # The person erases their data: the case goes, and its notice no longer shows anything.
        amina.person.send("/delete")
        await fake.wait_until(lambda: amina.say("Ja, alles löschen") in amina.person.buttons())
        amina.person.tap(amina.say("Ja, alles löschen"))
        await fake.wait_until(lambda: notice.text == ERASED.format(case=1))
        assert notice.buttons == []


def wants_a_call_after_violence(question):
    """Violence at home (urgent), no other urgent answer; a call wished for at the end."""
    chosen = {"violence": "yes", "health_insurance": "yes", "counselling_wish": "yes",
              "contact_way": "phone", "phone": PHONE}  # fmt: skip
    if question.id in chosen:
        return chosen[question.id]
    if question.type is QuestionType.yes_no:
        return "no"
    return default_answer(question)


def asking(walker: Respondent, question) -> bool:
    """The person's latest message is this question, with its buttons."""
    last = walker.person.messages[-1]
    return bool(last.buttons) and walker.tr(question_text(walker.flow, question)) in last.text


async def test_an_urgent_answer_reaches_the_team_at_once_and_only_once(
    fake_telegram, database_url, team, options
):
    fake = fake_telegram
    group, _, _ = team
    flow = load_configured_flow(e2e_settings(fake, database_url, **options))
    amina = Respondent(fake, fake.person("Amina", language_code="ar"), flow, "ar")
    violence, social_help = flow.question("violence"), flow.question("social_help")
    rule = violence.flags[0]
    rule_help = Msg(rule.help, context=text_context(flow.id, violence.id, "flag", rule.id))
    help_now = [amina.say(URGENT_HEARD), amina.tr(rule_help), amina.say(EMERGENCY)]

    def told() -> list[int]:
        return [i for i, m in enumerate(amina.person.messages) if help_now[0] in (m.text or "")]

    async with running_bot(fake, database_url, **options):
        await amina.start()
        while (question := engine.next_question(flow, amina.answers)) is not violence:
            await amina.answer(question, wants_a_call_after_violence(question))
        await amina.answer(violence, "yes")

        # The team hears of it right away, while Amina is still answering.
        await fake.wait_until(lambda: group.messages)
        notice = group.messages[0]
        assert notice.text.startswith("🔴 DRINGEND · Fall #1 · Amina")
        assert "• Soziales: Gewalt in der Familie (dringend)" in notice.text
        # Amina reads in Arabic that someone will get in touch and where to get help now, the
        # numbers in their own order; then the next question.
        await fake.wait_until(lambda: asking(amina, social_help))
        [at] = told()
        assert all(part in amina.person.messages[at].text for part in help_now)
        for number in ("116 016", "110", "112"):
            assert f"{LRI}{number}{PDI}" in amina.person.messages[at].text
        assert at == len(amina.person.messages) - 2

        # Back, "no", back again and "yes" once more: Amina is told again, the team is not.
        for value in ("no", "yes"):
            amina.person.tap(amina.say(BACK))
            await fake.wait_until(lambda: asking(amina, violence))
            await amina.answer(violence, value)
            await fake.wait_until(lambda: asking(amina, social_help))
        assert len(told()) == 2
        await amina.answer_all(wants_a_call_after_violence)
        await amina.submit()

        # Submitting adds the wish for a call to the same notice, drawn again in place.
        await fake.wait_until(lambda: "0176 1234567" in notice.text)
        assert "Wunsch nach einem persönlichen Gespräch" in notice.text
        assert len(group.messages) == 1 and notice.edits == 1
