"""A caseworker's reply reaches the person of the case the replied-to message is about, found by
its stored message id, whatever the message says."""

from __future__ import annotations

import sqlalchemy as sa

from bot.casework import contact, notices, texts
from bot.casework import service as casework_service
from bot.core.i18n import Msg, translator
from bot.telegram.routers.casework import STAFF_HELP
from storage.case_messages import CaseMessage
from tests.casework.test_casework_e2e import amina, flagged, options, team, team_settings
from tests.fixtures.bot import running_bot

__all__ = ["amina", "options", "team", "team_settings"]  # fixtures


def reworded(monkeypatch) -> None:
    """Staff texts that no longer name the case number as "Fall #N"."""

    def without_number(build):
        return lambda *args, **kwargs: build(*args, **kwargs).replace("Fall #", "Vorgang ")

    for module, name in (
        (notices, "notice_text"),
        (casework_service, "notice_text"),
        (casework_service, "claimed_text"),
        (casework_service, "details_text"),
        (contact, "reply_text"),
    ):
        monkeypatch.setattr(module, name, without_number(getattr(texts, name)))


async def test_the_case_of_a_reply_is_found_after_the_notice_text_changed(
    fake_telegram, database_url, sessions, team, options, team_settings, amina, monkeypatch
):
    reworded(monkeypatch)
    fake = fake_telegram
    group, carla, _ = team
    header = translator("de")(Msg(contact.FROM_CASEWORKER, args={"city": team_settings.city}))

    async with running_bot(fake, database_url, **options):
        notice = await flagged(fake, sessions, team_settings, carla, amina, group)
        assert "Fall #" not in notice.text

        group.tap(carla, "✋ Übernehmen")
        intro = await carla.next_message()
        group.tap(carla, "📄 Details")
        details = await carla.next_message()
        assert "Fall #" not in intro.text + details.text

        # A reply to the intro, to the details and to the person's relayed answer: each reaches
        # Amina, and Carla is told so.
        amina.person.skip_read()
        carla.reply("Guten Tag, ich rufe Sie morgen an.", to=intro)
        assert (await amina.person.next_message()).text.startswith(
            header + "\n\nGuten Tag, ich rufe Sie morgen an."
        )
        assert (await carla.next_message()).text == "✓ Fall #1: an Amina gesendet."
        carla.reply("Bitte halten Sie Ihren Ausweis bereit.", to=details)
        assert "Ausweis" in (await amina.person.next_message()).text
        assert (await carla.next_message()).text == "✓ Fall #1: an Amina gesendet."
        amina.person.send("Danke, bis morgen")
        forwarded = await carla.next_message()
        assert "Fall #" not in forwarded.text and "Danke, bis morgen" in forwarded.text
        delivered = translator("de")(Msg(contact.DELIVERED))
        assert (await amina.person.next_message()).text == delivered
        carla.reply("Bis morgen!", to=forwarded)
        assert "Bis morgen!" in (await amina.person.next_message()).text
        assert (await carla.next_message()).text == "✓ Fall #1: an Amina gesendet."

        # A bot message about no case (her commands): she gets them again, nobody is written to.
        carla.send("Hallo Bot")
        commands = await carla.next_message()
        assert commands.text == STAFF_HELP
        carla.reply("Und jetzt?", to=commands)
        assert (await carla.next_message()).text == STAFF_HELP

    async with sessions() as session:
        noted = (
            await session.execute(sa.select(sa.func.count()).select_from(CaseMessage))
        ).scalar()
    assert noted >= 3  # intro, details, the relayed answer (and the confirmations)


async def test_the_messages_noted_for_a_case_go_with_the_case(
    fake_telegram, database_url, sessions, team, options, team_settings, amina
):
    fake = fake_telegram
    group, carla, _ = team

    async with running_bot(fake, database_url, **options):
        notice = await flagged(fake, sessions, team_settings, carla, amina, group)
        group.tap(carla, "✋ Übernehmen")
        intro = await carla.next_message()
        amina.person.skip_read()
        carla.reply("Guten Tag!", to=intro)
        assert "Guten Tag!" in (await amina.person.next_message()).text
        assert (await carla.next_message()).text == "✓ Fall #1: an Amina gesendet."

        # The person erases their data: the case goes, and with it what was noted about it.
        amina.person.send("/delete")
        await fake.wait_until(lambda: amina.say("Ja, alles löschen") in amina.person.buttons())
        amina.person.tap(amina.say("Ja, alles löschen"))
        await fake.wait_until(lambda: notice.text == texts.ERASED.format(case=1))
        async with sessions() as session:
            count = sa.select(sa.func.count()).select_from(CaseMessage)
            assert (await session.execute(count)).scalar() == 0

        # A reply to the old intro now finds no case: nobody is written to.
        carla.reply("Sind Sie noch da?", to=intro)
        assert (await carla.next_message()).text == STAFF_HELP
