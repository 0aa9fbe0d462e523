"""The real `kim-intake run` process killed while many people answer at once: every answer that
was followed by its next question is stored (a reply never goes out before its answer)."""

from __future__ import annotations

import asyncio
import contextlib
import signal

from sqlalchemy import select

from bot.flows.loader import load_configured_flow
from bot.ui.labels import question_text
from storage.db import create_engine, session_factory
from storage.models import Answer, Interview, Respondent
from tests.fixtures.bot import Respondent as Walker
from tests.fixtures.bot import default_answer, e2e_settings
from tests.fixtures.command import bot_process
from tests.process.test_process import STARTS_WITHIN, environment

PEOPLE = 6


async def started(fake, database_url: str, cwd) -> asyncio.subprocess.Process:
    earlier = len(fake.calls_to("getUpdates"))
    process = await bot_process(
        "run",
        cwd=cwd,
        env=environment(fake, database_url) | {"KIM_LOG_LEVEL": "WARNING"},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await fake.wait_until(lambda: len(fake.calls_to("getUpdates")) > earlier, within=STARTS_WITHIN)
    return process


async def stored_answers(database_url: str) -> dict[str, set[str]]:
    """The question ids answered, by the person's Telegram user id."""
    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        rows = await session.execute(
            select(Respondent.channel_user_id, Answer.question_id)
            .join(Interview, Interview.respondent_id == Respondent.id)
            .join(Answer, Answer.interview_id == Interview.id)
        )
        found: dict[str, set[str]] = {}
        for user_id, question_id in rows:
            found.setdefault(user_id, set()).add(question_id)
    await engine.dispose()
    return found


async def test_killed_while_answers_stream_in_no_answer_that_was_followed_is_lost(
    fake_telegram, database_url, tmp_path
):
    fake = fake_telegram
    flow = load_configured_flow(e2e_settings(fake, database_url))
    bot = await started(fake, database_url, tmp_path)
    walkers = [Walker(fake, fake.person(f"Person {n}", "de"), flow, "de") for n in range(PEOPLE)]
    await asyncio.gather(*(walker.start() for walker in walkers))
    followed: dict[int, list[str]] = {walker.person.user_id: [] for walker in walkers}

    async def answering(walker: Walker) -> None:
        previous = None
        while (question := walker.next_question()) is not None:
            await walker.shows(walker.tr(question_text(flow, question)), within=60)
            if previous is not None:  # its next question arrived: the answer was stored
                followed[walker.person.user_id].append(previous)
            await walker.answer(question, default_answer(question))
            previous = question.id

    streams = [asyncio.create_task(answering(walker)) for walker in walkers]
    try:
        await fake.wait_until(lambda: sum(map(len, followed.values())) >= 3 * PEOPLE, within=120)
    finally:
        bot.send_signal(signal.SIGKILL)
        await bot.wait()
        for stream in streams:
            stream.cancel()
        await asyncio.gather(*streams, return_exceptions=True)
    seen = {user: set(keys) for user, keys in followed.items()}

    bot = await started(fake, database_url, tmp_path)
    try:
        stored = await stored_answers(database_url)
        for user, keys in seen.items():
            assert keys <= stored.get(str(user), set()), user
    finally:
        with contextlib.suppress(ProcessLookupError):
            bot.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(bot.wait(), timeout=30) == 0
