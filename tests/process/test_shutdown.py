"""The real `kim-intake run` process stops within a bounded time and loses no update."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from pathlib import Path

from sqlalchemy import func, select

from storage.db import create_engine, session_factory
from storage.models import InboxUpdate
from tests.fixtures.bot import ROOT
from tests.process.test_process import environment, start_bot

# Far longer than the bot's shutdown grace, far shorter than the slowed-down request.
STOPPED_WITHIN = 45
STUCK_FOR = 300
PRIVACY = "Datenschutz — bitte kurz lesen"


async def inbox_size(database_url: str) -> int:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        count = (await session.execute(select(func.count()).select_from(InboxUpdate))).scalar()
    await engine.dispose()
    return count


async def test_sigterm_stops_a_bot_whose_reply_hangs(fake_telegram, database_url, tmp_path):
    fake = fake_telegram
    bot = await start_bot(fake, database_url, tmp_path)
    try:
        fake.slow_down("sendMessage", STUCK_FOR)
        person = fake.person("Amina", "de")
        person.send("/help")
        await fake.wait_until(lambda: "sendMessage" in fake.answering, within=15)
        bot.send_signal(signal.SIGTERM)
        status = await asyncio.wait_for(bot.wait(), timeout=STOPPED_WITHIN)
        stderr = (await bot.stderr.read()).decode(errors="replace")
    finally:
        if bot.returncode is None:
            bot.kill()
            await bot.wait()
    assert status == 0, stderr
    assert "Traceback" not in stderr
    assert not fake.pending()  # what was fetched is confirmed
    assert await inbox_size(database_url) == 0  # and nothing is left over to replay


async def test_updates_fetched_but_not_handled_when_killed_are_handled_after_the_restart(
    fake_telegram, database_url, tmp_path
):
    fake = fake_telegram
    bot = await start_bot(fake, database_url, tmp_path)
    person = fake.person("Amina", "de")
    try:
        fake.slow_down("sendMessage", STUCK_FOR)
        person.send("/help")  # its reply hangs
        person.send("/privacy")  # waits behind it, already confirmed to Telegram
        await fake.wait_until(lambda: "sendMessage" in fake.answering, within=15)
        await fake.wait_until(lambda: not fake.pending(), within=15)
        bot.send_signal(signal.SIGKILL)
        await bot.wait()
        assert await inbox_size(database_url) >= 1
        fake.slow_down("sendMessage", 0)
        bot = await start_bot(fake, database_url, tmp_path)
        await fake.wait_until(
            lambda: any(
                "Datenschutz — bitte kurz lesen" in (m.text or "") for m in person.messages
            ),
            within=30,
        )
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(bot.wait(), timeout=STOPPED_WITHIN) == 0
    assert await inbox_size(database_url) == 0


def children_of(pid: int) -> list[int]:
    """Processes whose parent is `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def alive(pids: list[int]) -> list[int]:
    return [pid for pid in pids if Path(f"/proc/{pid}").exists()]


async def test_sigterm_to_kim_py_run_stops_the_bot_it_started(
    fake_telegram, database_url, tmp_path
):
    fake = fake_telegram
    earlier = len(fake.calls_to("getUpdates"))
    launcher = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "kim.py"),
        "run",
        cwd=ROOT,
        env=environment(fake, database_url),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake.wait_until(lambda: len(fake.calls_to("getUpdates")) > earlier, within=90)
        bots = children_of(launcher.pid)
        assert bots, "kim.py runs the bot as its child"
        launcher.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(launcher.wait(), timeout=STOPPED_WITHIN) == 0
    finally:
        if launcher.returncode is None:
            launcher.kill()
            await launcher.wait()
    assert not alive(bots)  # no bot left behind
