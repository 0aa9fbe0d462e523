"""What a stranger or a careless browser does to the web chat changes nothing it should not."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import sqlalchemy as sa

from bot.web.limits import Limits, Window
from storage.models import Answer, Respondent
from storage.web import WebResume, WebSession
from tests.web.browser import WebRespondent


async def count(services, table) -> int:
    async with services.sessions() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(table))


async def test_a_forged_csrf_token_is_refused_and_nothing_is_stored(browsers, services, flow):
    person = WebRespondent(browsers(), flow, "de")
    await person.browser.open()
    form = person.browser.forms[0]
    _, name, value = form.buttons[0]
    await person.browser.post(form.action, {"csrf": "0" * 32, name: value})
    assert person.browser.status == 403
    await person.browser.post(form.action, {name: value})  # none at all
    assert person.browser.status == 403
    assert await count(services, Respondent) == 0


async def test_a_form_without_a_session_begins_anew(browsers, services, web_chat):
    browser = browsers()
    await browser.post(f"{web_chat[0].path}/press", {"a": "PickLanguage|de"})
    assert browser.status == 200 and browser.forms  # redirected to a fresh start page
    assert "Deutsch" in browser.buttons
    assert await count(services, Respondent) == 0


async def test_a_forged_button_is_stale_and_changes_nothing(browsers, services, flow):
    person = WebRespondent(browsers(), flow, "de")
    await person.start()
    form = person.browser.form("press")
    for forged in ("Choose|999|district|sieglar", "Nonsense|1", "Choose|x|y", "Confirm|delete|2"):
        await person.browser.post(form.action, {**form.fields, "a": forged})
        assert person.browser.status == 200
        await person.shows(
            person.say("Diese Taste gilt nicht mehr. Bitte nutzen Sie die neueste Nachricht.")
        )
    assert await count(services, Answer) == 0
    assert await count(services, Respondent) == 1


async def test_guessed_resume_codes_are_limited_and_tell_nothing(
    browsers, services, flow, web_chat
):
    owner = WebRespondent(browsers(), flow, "de")
    await owner.start()
    web_chat[0].limits = Limits(codes_per_address=Window(3, 900))
    thief = WebRespondent(browsers(), flow, "de")
    await thief.browser.open()
    answers = []
    for guess in ("AAA-AAA", "not a code at all", "K7M-2QX"):
        await thief.browser.fill("resume", code=guess)
        answers.append(thief.browser.text)
    wrong = thief.say(
        "Dieser Code passt nicht. Bitte prüfen Sie ihn und versuchen Sie es noch einmal."
    )
    assert all(wrong in text for text in answers)  # malformed or unknown: the same words
    await thief.browser.fill("resume", code="AAA-AAB")
    await thief.shows(thief.say("Zu viele Versuche. Bitte warten Sie ein paar Minuten."))
    async with services.sessions() as session:
        users = set((await session.execute(sa.select(WebSession.user_id))).scalars())
    assert len(users) == 2  # the thief's browser still is nobody's but its own


async def test_oversized_bodies_and_unknown_paths_are_refused(browsers, services, web_chat):
    browser = browsers()
    await browser.open()
    form = browser.forms[0]
    await browser.post(form.action, {**form.fields, "a": "x" * 20_000})
    assert browser.status == 413
    for path in ("/static/..%2F..%2Fconfig.yaml", "/static/secret.py", "/admin", "/press/x"):
        async with browser.http.get(browser.origin + web_chat[0].path + path) as response:
            assert response.status == 404, path
            assert "Content-Security-Policy" in response.headers
    assert await count(services, Respondent) == 0


async def test_security_headers_and_cookie(browsers):
    browser = browsers()
    await browser.open()
    policy = browser.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert browser.headers["X-Frame-Options"] == "DENY"
    cookie = next(iter(browser.http.cookie_jar))
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


async def test_tabs_of_one_session_answer_one_question_once(browsers, services, flow):
    """Six tabs press six answers to the same question at once: one is taken, five are stale."""
    first = WebRespondent(browsers(), flow, "de")
    await first.start()
    form = first.browser.form("press")
    values = [value for _, name, value in form.buttons if value.startswith("Choose|")][:6]
    responses = await asyncio.gather(
        *(
            first.browser.http.post(
                first.browser.origin + form.action, data={**form.fields, "a": v}
            )
            for v in values
        )
    )
    texts = [await r.text() for r in responses]
    assert all(r.status == 200 for r in responses)
    stale = first.say("Diese Taste gilt nicht mehr. Bitte nutzen Sie die neueste Nachricht.")
    assert len(values) == 6 and sum(stale in t for t in texts) == 5
    async with services.sessions() as session:
        answers = (await session.execute(sa.select(Answer))).scalars().all()
    assert len(answers) == 1 and answers[0].code in {v.split("|")[-1] for v in values}


async def test_delete_erases_the_person_and_their_sessions(browsers, services, flow):
    person = WebRespondent(browsers(), flow, "de")
    await person.start()
    await person.answer_some(2)
    await person.browser.fill("command", c="delete")
    await person.tap(person.say("Ja, alles löschen"))
    assert await count(services, Respondent) == 0
    assert await count(services, Answer) == 0
    assert await count(services, WebSession) == 0
    assert await count(services, WebResume) == 0
    await person.browser.open()  # the browser begins anew as somebody new
    assert "Deutsch" in person.browser.buttons


async def test_idle_sessions_go_with_the_daily_erasure(browsers, services, flow, clock):
    person = WebRespondent(browsers(), flow, "de")
    await person.start()
    stranger = browsers()
    await stranger.open()  # never agreed
    clock.set(clock() + timedelta(days=services.settings.web.session_days + 1))
    await services.retention.erase_expired(clock())
    async with services.sessions() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(WebSession)) == 0
        codes = await session.scalar(sa.select(sa.func.count()).select_from(WebResume))
    assert codes == 1  # the person is still stored: their code still works
