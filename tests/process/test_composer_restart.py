"""The /broadcast composer's draft is in the database: the real process restarts mid-dialog and
the coordinator finishes what they began."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path

import yaml
from sqlalchemy import select

from storage.db import create_engine, session_factory
from storage.dialogs import DialogState
from tests.fixtures.bot import ROOT
from tests.fixtures.database import add_respondent
from tests.process.test_process import environment

STARTS_WITHIN = 90  # seconds; a loaded machine imports aiogram slowly
STOPPED_WITHIN = 45
KIM_INTAKE = str(Path(sys.executable).parent / "kim-intake")  # the installed command


async def start(fake, database_url: str, tmp_path, coordinator) -> asyncio.subprocess.Process:
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["coordinators"] = [coordinator.user_id]
    config["languages"] = ["de", "en"]
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = environment(fake, database_url) | {"KIM_CONFIG": str(tmp_path / "config.yaml")}
    earlier = len(fake.calls_to("getUpdates"))
    process = await asyncio.create_subprocess_exec(
        KIM_INTAKE,
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    await fake.wait_until(lambda: len(fake.calls_to("getUpdates")) > earlier, within=STARTS_WITHIN)
    return process


async def stop(process: asyncio.subprocess.Process) -> str:
    process.send_signal(signal.SIGTERM)
    status = await asyncio.wait_for(process.wait(), timeout=STOPPED_WITHIN)
    stderr = (await process.stderr.read()).decode(errors="replace")
    assert status == 0, stderr
    assert "Traceback" not in stderr, stderr
    return stderr


async def add_people(database_url: str, *persons) -> None:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session, session.begin():
        for person in persons:
            await add_respondent(session, person)
    await engine.dispose()


async def drafts(database_url: str) -> list[str | None]:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        states = (await session.execute(select(DialogState.state))).scalars().all()
    await engine.dispose()
    return list(states)


async def test_a_draft_begun_before_a_restart_is_finished_and_sent_after_it(
    fake_telegram, database_url, tmp_path
):
    fake = fake_telegram
    fake.limits(total_per_second=30, per_chat_per_second=1_000_000)
    coordinator = fake.person("Koordinatorin", "de")
    german, english = fake.person("Dana", "de"), fake.person("Emma", "en")
    await add_people(database_url, german, english)
    bot = await start(fake, database_url, tmp_path, coordinator)
    try:
        coordinator.send("/broadcast")
        assert "Schreiben Sie den Text auf Deutsch" in (await coordinator.next_message(30)).text
        coordinator.send("Sprechstunde am Montag um 10 Uhr im Rathaus")
        await coordinator.next_message(30)
        coordinator.tap("+ English")
        assert "auf English" in (await coordinator.next_message(30)).text
        await stop(bot)
        assert await drafts(database_url) == ["Compose:language_text"]

        bot = await start(fake, database_url, tmp_path, coordinator)
        coordinator.send("Office hours on Monday at 10 in the town hall")
        assert "✓ English" in (await coordinator.next_message(30)).buttons
        coordinator.tap("Weiter: Empfänger wählen ➡️")
        await coordinator.next_message(30)
        coordinator.tap("Alle")
        preview = await coordinator.next_message(30)
        assert "2 Personen" in preview.text
        coordinator.tap("📤 Jetzt senden")
        await fake.wait_until(lambda: german.messages and english.messages, within=60)
    finally:
        if bot.returncode is None:
            with contextlib.suppress(Exception):
                await stop(bot)
            if bot.returncode is None:
                bot.kill()
                await bot.wait()
    assert german.texts()[0].split("\n\n")[0] == "Sprechstunde am Montag um 10 Uhr im Rathaus"
    assert english.texts()[0].split("\n\n")[0] == "Office hours on Monday at 10 in the town hall"
    assert await drafts(database_url) == []  # sent: the draft is gone
