"""The real `kim-intake` process: killed mid-questionnaire it loses nothing; it explains itself."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from pathlib import Path

from sqlalchemy import select

from bot.flows.loader import load_configured_flow
from storage.db import create_engine, session_factory
from storage.models import Answer, Interview
from tests.fixtures.bot import ROOT, Respondent, e2e_settings
from tests.fixtures.command import bot_process, kim_intake

STARTS_WITHIN = 90  # seconds; importing aiogram alone takes several on a busy machine


def environment(fake, database_url: str) -> dict[str, str]:
    # KIM_VENV stays: `kim.py` must find the environment this test run was given.
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIM_") or k == "KIM_VENV"}
    env.update(
        KIM_BOT_TOKEN=fake.token,
        KIM_TELEGRAM_API_URL=fake.base_url,
        KIM_DATABASE_URL=database_url,
        KIM_CONFIG=str(ROOT / "config.yaml"),
    )
    return env


async def start_bot(fake, database_url: str, cwd: Path) -> asyncio.subprocess.Process:
    earlier = len(fake.calls_to("getUpdates"))
    process = await bot_process(
        "run",
        cwd=cwd,
        env=environment(fake, database_url),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    # This process's first fetch (not one of an earlier process); a loaded machine starts slowly.
    await fake.wait_until(lambda: len(fake.calls_to("getUpdates")) > earlier, within=STARTS_WITHIN)
    return process


async def terminated(process: asyncio.subprocess.Process) -> str:
    """SIGTERM, and the process's log once it ended; it must end with status 0 and no
    traceback (killed if it takes more than 30 seconds)."""
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        status = await asyncio.wait_for(process.wait(), timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
    log = (await process.stderr.read()).decode() if process.stderr else ""
    assert status == 0, log
    assert "Traceback" not in log
    return log


async def stored(database_url: str) -> tuple[dict[str, str | None], str | None]:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        answers = dict((await session.execute(select(Answer.question_id, Answer.code))).all())
        position = (await session.execute(select(Interview.position))).scalar_one()
    await engine.dispose()
    return answers, position


async def test_killed_mid_questionnaire_the_person_continues_where_they_were(
    fake_telegram, database_url, tmp_path
):
    flow = load_configured_flow(e2e_settings(fake_telegram, database_url))
    bot = await start_bot(fake_telegram, database_url, tmp_path)
    person = fake_telegram.person("Amina", "de")
    walker = Respondent(fake_telegram, person, flow, "de")
    await walker.start()
    for question, answer in zip(flow.questions[:3], ("spich", "a27_44", "4"), strict=True):
        await walker.answer(question, answer)
    await walker.shows("Frage 4")
    # The fourth answer goes out and the process dies at once, handled or not.
    person.send("2")
    bot.send_signal(signal.SIGKILL)
    await bot.wait()

    bot = await start_bot(fake_telegram, database_url, tmp_path)
    try:
        await fake_telegram.wait_until(lambda: not fake_telegram.pending(), within=30)
        person.send("/start")
        await walker.shows("Willkommen zurück", within=30)
        answers, position = await stored(database_url)
        assert answers == {
            "district": "spich",
            "age_group": "a27_44",
            "household": "4",
            "children": "2",
        }
        assert position == "in_germany_since"
        await walker.shows("Wie lange leben Sie schon in Deutschland")
    finally:
        bot.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(bot.wait(), timeout=20) == 0


def test_run_without_a_token_says_how_to_get_one(tmp_path):
    result = kim_intake("run", tmp_path, KIM_CONFIG=str(ROOT / "config.yaml"))
    assert result.returncode == 1
    assert "@BotFather" in result.stderr
    assert "kim.py chat" in result.stderr


def test_run_with_a_broken_config_names_the_problem(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("city: Troisdorf\nlanguages: [en]\n", encoding="utf-8")
    result = kim_intake("run", tmp_path, KIM_CONFIG=str(config), KIM_BOT_TOKEN="1:x")
    assert result.returncode == 1
    assert "Configuration error" in result.stderr
    assert "German (de)" in result.stderr
