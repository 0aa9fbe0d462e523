"""What the state machine of tests/state_machine/test_state_machine.py found, each as a plain
test of its own.

The real application polls the fake Bot API server over HTTP.
"""

from __future__ import annotations

from bot.casework.contact import NOT_DELIVERED
from tests.casework.test_casework_e2e import homeless_with_phone, register
from tests.fixtures.bot import Respondent, e2e_settings, running_bot


async def test_a_command_addressed_to_the_bot_by_name_is_answered(fake_telegram, database_url):
    fake = fake_telegram
    async with running_bot(fake, database_url):
        person = fake.person("Amina", "de")
        person.send("/start@kim_intake_test_bot")  # as a phone sends a command tapped in a list
        await fake.wait_until(lambda: "Deutsch" in person.buttons(), within=10)


async def test_a_person_whose_caseworker_blocked_the_bot_is_told_the_message_did_not_arrive(
    fake_telegram, database_url, sessions
):
    fake = fake_telegram
    carla = fake.person("Carla")
    group = fake.group("KIM Fallmanagement", [carla])
    teams = [{"id": "kim", "name": "KIM Fallmanagement", "chat_id": group.chat_id, "default": True}]
    options = {"languages": ["de", "ar"], "teams": teams}
    settings = e2e_settings(fake, database_url, **options)
    amina = Respondent.new(fake, "Amina", settings, "ar")
    async with running_bot(fake, database_url, **options):
        await register(fake, sessions, settings, carla)
        await amina.start()
        await amina.answer_all(homeless_with_phone)
        await amina.submit()
        await fake.wait_until(lambda: group.messages)
        group.tap(carla, "✋ Übernehmen")
        await fake.wait_until(lambda: "Übernommen von Carla" in (group.messages[0].text or ""))
        carla.block_bot()

        amina.person.skip_read()
        amina.person.send("هل أنت هناك؟")
        answer = await amina.person.next_message()
    assert answer.text == amina.say(NOT_DELIVERED)
