"""The real `kim-intake run` process: a stranger's /stop or /mydata does not freeze the bot.

Someone about whom nothing is stored once made a service wait for a transaction it held itself,
and on SQLite the bot answered nobody any more. Here the real process, polling the fake Bot API
server, answers the stranger, then the next person, and stops on SIGTERM with status 0.
"""

from __future__ import annotations

from tests.process.test_process import start_bot, terminated

NOTHING_STORED = "Über Sie ist nichts gespeichert."


async def test_a_stranger_s_stop_does_not_freeze_the_real_bot(
    fake_telegram, database_url, tmp_path
):
    fake = fake_telegram
    bot = await start_bot(fake, database_url, tmp_path)
    try:
        stranger = fake.person("Fremd", "de")
        for number, command in enumerate(("/stop", "/mydata"), start=1):
            stranger.send(command)
            await fake.wait_until(lambda n=number: len(stranger.messages) == n, within=15)
            assert NOTHING_STORED in stranger.messages[-1].text
            # Someone else is answered afterwards: the bot did not freeze.
            other = fake.person("Amina", "de")
            other.send("/start")
            await fake.wait_until(lambda o=other: "Deutsch" in o.buttons(), within=15)
    finally:
        log = await terminated(bot)
    assert not [line for line in log.splitlines() if " ERROR " in line or " CRITICAL " in line]
