"""Direct replies and the outbox share one rate budget, and a running broadcast never holds up
the answer to a person who writes to the bot meanwhile (the fake server records the order)."""

from __future__ import annotations

from bot.broadcasts.service import Draft
from tests.fixtures.bot import running_bot
from tests.outbox.test_sender import people

PEOPLE = 5000


async def test_a_direct_reply_during_a_5000_person_broadcast_arrives_without_waiting_for_it(
    fake_telegram, database_url, sessions
):
    fake = fake_telegram
    fake.limits(total_per_second=30, per_chat_per_second=1)  # 429 past Telegram's limits
    audience = {person.chat_id for person in await people(sessions, fake, PEOPLE)}
    newcomer = fake.person("Neu")

    def broadcast_calls() -> int:
        return sum(1 for c in fake.calls if c.method == "sendMessage"
                   and int(c.params["chat_id"]) in audience)  # fmt: skip

    async with running_bot(fake, database_url) as app:
        await app.dispatcher["broadcasts"].send_now(Draft(text_de="Sprechstunde am Montag"), "t")
        await fake.wait_until(lambda: broadcast_calls() >= 50, within=60)
        newcomer.send("/start")
        before = broadcast_calls()
        await fake.wait_until(lambda: newcomer.messages, within=60)
        during = broadcast_calls() - before
        await fake.wait_until(lambda: broadcast_calls() > before + during + 25, within=60)

    # The broadcast went on before and after the answer, which waited for only a few of its
    # 5,000 messages (at 25 a second), not for the rest.
    assert before + during < PEOPLE / 5
    assert fake.count_429 == 0  # together within Telegram's overall limit
