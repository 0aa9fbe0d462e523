"""Case notices and the messages between caseworker and person go through the outbox: a 429
from Telegram delays them, and each still arrives exactly once."""

from __future__ import annotations

from bot.casework.contact import DELIVERED
from bot.core.i18n import Msg, translator
from tests.casework.test_casework_e2e import amina, flagged, options, team, team_settings
from tests.fixtures.bot import outbox_sent, running_bot

__all__ = ["amina", "options", "team", "team_settings"]  # fixtures


def sent_to(fake, chat_id: int) -> list[int]:
    """The status of every sendMessage to this chat, in order."""
    calls = fake.calls_to("sendMessage", every=True)
    return [c.status for c in calls if str(c.params.get("chat_id")) == str(chat_id)]


async def test_a_notice_and_both_relays_refused_with_429_arrive_once_after_the_wait(
    fake_telegram, database_url, sessions, team, options, team_settings, amina
):
    fake = fake_telegram
    group, carla, _ = team

    async with running_bot(fake, database_url, **options) as app:
        fake.fail_next("sendMessage", 429, retry_after=1, chat_id=group.chat_id)
        await flagged(fake, sessions, team_settings, carla, amina, group)
        await outbox_sent(app)
        assert len(group.messages) == 1  # the urgent answer's notice, brought up to date
        assert sent_to(fake, group.chat_id) == [429, 200]

        group.tap(carla, "✋ Übernehmen")
        intro = await carla.next_message()
        assert intro.text.startswith("Fall #1 gehört jetzt Ihnen")

        fake.fail_next("sendMessage", 429, retry_after=1, chat_id=amina.person.chat_id)
        amina.person.skip_read()
        carla.reply("Ich rufe Sie morgen an.", to=intro)
        received = await amina.person.next_message()
        assert "Ich rufe Sie morgen an." in received.text
        assert (await carla.next_message()).text == "✓ Fall #1: an Amina gesendet."

        fake.fail_next("sendMessage", 429, retry_after=1, chat_id=carla.chat_id)
        amina.person.send("Danke, bis morgen")
        forwarded = await carla.next_message()
        assert forwarded.text.endswith("Danke, bis morgen")
        assert (await amina.person.next_message()).text == translator("de")(Msg(DELIVERED))
        await outbox_sent(app)

    assert fake.count_429 == 3
    to_amina = [m.text for m in amina.person.messages if "morgen an" in (m.text or "")]
    to_carla = [m.text for m in carla.messages if "bis morgen" in (m.text or "")]
    assert (len(to_amina), len(to_carla)) == (1, 1)  # each exactly once
    assert sent_to(fake, carla.chat_id).count(429) == 1
