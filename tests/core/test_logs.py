"""Logging set-up: operators read events, not APScheduler's line for every job run."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.config import load_settings
from bot.core.logs import setup_logging

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def logging_state() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in ("apscheduler", "aiogram.event")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


async def run_jobs_once(*jobs) -> None:
    """A real APScheduler run of each job, returning once every run has been reported."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    finished = asyncio.Event()
    left = len(jobs)

    def reported(_event) -> None:
        nonlocal left
        left -= 1
        if not left:
            finished.set()

    scheduler.add_listener(reported, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    for job in jobs:
        scheduler.add_job(job)  # no trigger: runs once, now
    scheduler.start()
    await asyncio.wait_for(finished.wait(), timeout=10)
    scheduler.shutdown(wait=False)


async def tick() -> None:
    pass


async def broken() -> None:
    raise RuntimeError("the job broke")


async def test_job_runs_are_not_logged_at_info_but_a_failed_job_is(logging_state, capsys):
    setup_logging(load_settings(ROOT / "config.yaml", log_level="INFO"))
    logging.getLogger("bot").info("connected as @kim_bot")
    await run_jobs_once(tick, broken)
    logged = capsys.readouterr().err
    assert "connected as @kim_bot" in logged
    assert "Running job" not in logged
    assert "executed successfully" not in logged
    assert "raised an exception" in logged and "the job broke" in logged


async def test_job_runs_are_logged_at_debug(logging_state, capsys):
    setup_logging(load_settings(ROOT / "config.yaml", log_level="DEBUG"))
    await run_jobs_once(tick)
    logged = capsys.readouterr().err
    assert 'Running job "tick' in logged
    assert "executed successfully" in logged
