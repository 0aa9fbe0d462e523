"""A person answers the whole questionnaire in the web chat without JavaScript, leaves, and
finishes on another device with the resume code; a flagged answer opens a case as in Telegram."""

from __future__ import annotations

import re

import sqlalchemy as sa

from bot.flows.schema import Question, QuestionType
from storage.casework import Case
from storage.models import Respondent
from storage.web import WebResume, WebSession
from tests.fixtures.bot import default_answer
from tests.web.browser import WebRespondent

CODE = re.compile(r"[346789A-HJKMNP-RT-Y]{3}-[346789A-HJKMNP-RT-Y]{3}")


def needs_help(question: Question):
    """Yes to every offer of help, else the default answer."""
    if question.type is QuestionType.yes_no and question.id.endswith("_help"):
        return "yes"
    return default_answer(question)


async def test_arabic_walk_resumed_on_another_device_opens_a_case(browsers, services, flow):
    phone = WebRespondent(
        browsers(headers={"Accept-Language": "ar-SY,ar;q=0.9,en;q=0.5"}), flow, "ar"
    )
    await phone.browser.open()
    assert phone.browser.buttons[0] == "العربية"  # the browser's language first
    await phone.start()
    assert phone.browser.attributes == {"lang": "ar", "dir": "rtl"}
    code = CODE.search(phone.browser.text)
    assert code is not None, phone.browser.text
    await phone.answer_some(5)

    laptop = WebRespondent(browsers(), flow, "ar")
    laptop.answers = phone.answers
    await laptop.browser.open()
    await laptop.browser.fill("resume", code=code.group(0).lower().replace("-", " "))
    await laptop.shows(laptop.say("Willkommen zurück! Hier geht es weiter."))
    await laptop.answer_all(needs_help)
    await laptop.submit()

    async with services.sessions() as session:
        people = (await session.execute(sa.select(Respondent))).scalars().all()
        cases = (await session.execute(sa.select(Case))).scalars().all()
        sessions = (await session.execute(sa.select(WebSession))).scalars().all()
        codes = (await session.execute(sa.select(WebResume))).scalars().all()
    assert [(p.channel, p.language) for p in people] == [("web", "ar")]
    assert len(cases) == 1 and cases[0].respondent_id == people[0].id
    assert {s.user_id for s in sessions} == {people[0].channel_user_id}  # both browsers
    assert all(code.group(0) not in s.token_hash for s in sessions)
    assert len(codes) == 1 and code.group(0) not in codes[0].code_hash
