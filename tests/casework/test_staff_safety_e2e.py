"""Caseworkers over real HTTP: a notice and a relayed message show nothing the person hid in their
name or text, and every press on a button that means nothing is answered and changes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from bot.casework.texts import UNKNOWN_CASE
from bot.telegram.routers.casework import STALE_PRESS
from storage.casework import Case
from tests.casework.test_casework_e2e import homeless_with_phone, register
from tests.fixtures.bot import Respondent, e2e_settings, running_bot
from tests.ui.test_staff_text import forbidden

HOSTILE_NAME = "Ali\u202eevil\u200b"
HOSTILE_PHONE = "0176\u202e 123\u200b45\u206667\u2069"
HOSTILE_MESSAGE = "Danke\u202e, ich bin\u200d zu Hause\u2067.\ufeff"


def hostile_phone(question):
    return HOSTILE_PHONE if question.id == "phone" else homeless_with_phone(question)


async def notice_after_questionnaire(fake, group, respondent, choose):
    """The person answers everything and sends it: the notice the team's group gets."""
    await respondent.start()
    await respondent.answer_all(choose)
    await respondent.submit()
    # The urgent answer sent the notice at once; the submit draws it again with every answer.
    await fake.wait_until(lambda: group.messages and "Telefonnummer" in group.messages[0].text)
    return group.messages[0]


def a_team(fake):
    carla = fake.person("Carla")
    olaf = fake.person("Olaf")
    group = fake.group("KIM Fallmanagement", [carla, olaf])
    teams = [{"id": "kim", "name": "KIM Fallmanagement", "chat_id": group.chat_id,
              "default": True}]  # fmt: skip
    return group, carla, olaf, {"languages": ["de", "en", "ar"], "teams": teams}


async def test_the_group_and_the_caseworker_see_nothing_the_person_hid(
    fake_telegram, database_url, sessions
):
    fake = fake_telegram
    group, carla, _, options = a_team(fake)
    settings = e2e_settings(fake, database_url, **options)
    ali = Respondent.new(fake, HOSTILE_NAME, settings)

    async with running_bot(fake, database_url, **options):
        await register(fake, sessions, settings, carla)
        notice = (await notice_after_questionnaire(fake, group, ali, hostile_phone)).text
        assert notice.startswith("🔴 DRINGEND · Fall #1 · Alievil\n")
        assert "Telefonnummer können wir Sie anrufen? – 0176 1234567\n" in notice
        assert forbidden(notice) == []

        group.tap(carla, "✋ Übernehmen")
        intro = await carla.next_message()
        assert intro.text.startswith("Fall #1 gehört jetzt Ihnen (Alievil, Deutsch).")
        ali.person.send(HOSTILE_MESSAGE)
        relayed = await carla.next_message()
        assert relayed.text == (
            "✉️ Fall #1 – Antwort von Alievil (Deutsch):\n\nDanke, ich bin zu Hause."
        )
        group.tap(carla, "📄 Details")
        details = await carla.next_message()
        assert "– 0176 1234567" in details.text
        shown = [m.text for m in [*group.messages, *carla.messages]]
        assert [forbidden(text) for text in shown] == [[]] * len(shown)


FORGED = ["garbage", "x" * 64, " ", "w:", "w:claim:abc", "w:nonsense:1", "bc:now"]
NO_SUCH_CASE = ["w:claim:4242:", "w:close:99999999999999999999:", "w:details:-1:"]
# Buttons of respondents: in a private chat the questionnaire answers them itself.
RESPONDENTS = ["l:de", "e:99999999999"]


async def test_every_press_on_a_button_that_means_nothing_is_answered_and_changes_nothing(
    fake_telegram, database_url, sessions
):
    fake = fake_telegram
    group, carla, olaf, options = a_team(fake)
    settings = e2e_settings(fake, database_url, **options)
    amina = Respondent.new(fake, "Amina", settings)

    async with running_bot(fake, database_url, **options):
        await register(fake, sessions, settings, carla)
        notice = await notice_after_questionnaire(fake, group, amina, homeless_with_phone)
        edits = notice.edits  # the submit drew the urgent notice again with every answer
        before = (notice.text, notice.buttons, len(group.messages), len(carla.messages))

        presses = []
        for data in FORGED + NO_SUCH_CASE + RESPONDENTS:
            for who, chat in ((carla, group.chat_id), (olaf, group.chat_id), (carla, None)):
                if chat is None and data in RESPONDENTS:
                    continue
                update = who.tap_data(data, notice.message_id if chat else None, chat)
                presses.append((data, chat, update["callback_query"]["id"]))
        await fake.wait_until(lambda: not fake.unanswered_callbacks())

    for data, chat, query_id in presses:
        answer = fake.callback_answers[query_id]
        assert answer.get("answered"), (data, chat)
        expected = UNKNOWN_CASE if data in NO_SUCH_CASE else STALE_PRESS
        assert answer["text"] == expected, (data, chat)
    assert (notice.text, notice.buttons, len(group.messages), len(carla.messages)) == before
    assert notice.edits == edits
    async with sessions() as session:
        case = (await session.execute(sa.select(Case))).scalar_one()
    assert (case.status, case.assignee_id) == ("new", None)
