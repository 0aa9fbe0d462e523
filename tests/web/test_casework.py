"""A web person's case: the team's notice says the channel; a caseworker's message waits for the
person's next visit; the person answers, or asks to be called instead."""

from __future__ import annotations

from bot.core.service import Event
from bot.ui.model import ClaimCase
from storage.casework import Staff
from tests.fixtures.outbox import Recorder, drain
from tests.web.browser import WebRespondent
from tests.web.test_walk import needs_help

NOW_STAFF = 11


async def flagged_web_person(browsers, services, flow) -> WebRespondent:
    person = WebRespondent(browsers(), flow, "uk")
    await person.start()
    await person.answer_all(needs_help)
    await person.submit()
    return person


async def test_a_caseworker_writes_to_a_web_person_who_answers_and_asks_for_a_call(
    browsers, services, flow, clock
):
    person = await flagged_web_person(browsers, services, flow)
    channel = Recorder()
    notice = (await drain(services, channel))[0]
    assert "über den Web-Chat" in notice.text.splitlines()[0]
    async with services.sessions() as session, session.begin():
        session.add(
            Staff(
                telegram_user_id=NOW_STAFF,
                name="Carla",
                role="caseworker",
                team="kim",
                created_at=clock(),
            )
        )
    await services.casework.act(NOW_STAFF, ClaimCase(1), Event(1))
    said = await services.contact.write_to_person(
        NOW_STAFF, 1, "Привіт! Коли вам зручно?", Event(2)
    )
    assert "Web-Chat" in said  # the caseworker learns it waits for the person's next visit
    assert not [w for w in await drain(services, channel) if "Привіт" in w.text]  # not to Telegram

    await person.browser.open()  # the next visit
    await person.shows("Привіт! Коли вам зручно?")
    await person.shows(person.say("Nachricht vom Fallmanagement:"))
    await person.browser.open()
    assert "Привіт" not in person.browser.text  # shown once

    await person.browser.fill("reply", text="Завтра вранці")
    await person.shows(person.say("Ihre Nachricht ist beim Fallmanagement angekommen."))
    await person.browser.fill("call", phone="no number")
    await person.shows(
        person.say(
            "Das sieht nicht wie eine Telefonnummer aus. Bitte nur Ziffern, Leerzeichen und +."
        )
    )
    await person.browser.fill("call", phone="+49 151 2345678")
    await person.shows(person.say("Danke. Das Fallmanagement ruft Sie an."))
    to_staff = [w.text for w in await drain(services, channel) if w.chat_id == NOW_STAFF]
    assert any("Завтра вранці" in text for text in to_staff)
    assert any("Die Person bittet um einen Anruf: +49 151 2345678" in text for text in to_staff)


async def test_without_a_case_there_is_nobody_to_write_to(browsers, services, flow):
    person = WebRespondent(browsers(), flow, "de")
    await person.start()
    assert not any(f.action.endswith("/reply") for f in person.browser.forms)
    form = person.browser.form("press")
    await person.browser.post(f"{person.browser.path}/reply", {**form.fields, "text": "Hallo?"})
    await person.shows(
        person.say("Diese Taste gilt nicht mehr. Bitte nutzen Sie die neueste Nachricht.")
    )
    assert await drain(services, Recorder()) == []
