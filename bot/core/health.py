"""Liveness in polling and webhook mode alike: the running bot touches a heartbeat file while its
event loop runs and its database answers, and `kim-intake health` (bot/cli/health.py) tells
whether that is recent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10.0
# Six missed heartbeats: a slow database or a busy machine is not yet a dead bot.
MAX_AGE_SECONDS = 60.0


async def keep_heartbeat(
    path: Path,
    sessions: async_sessionmaker[AsyncSession],
    stopping: asyncio.Event,
    every: float = HEARTBEAT_SECONDS,
) -> None:
    """Touch `path` every `every` seconds until `stopping` is set, then remove it."""
    from storage.db import ping

    try:
        while not stopping.is_set():
            try:
                async with sessions() as session:
                    await asyncio.wait_for(ping(session), timeout=every)
            except Exception as error:
                log.warning("heartbeat skipped: database not reachable (%s)", type(error).__name__)
            else:
                _touch(path)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=every)
    finally:
        _remove(path)


# A local file's time stamp: too quick to be worth a thread.
def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


def heartbeat_problem(path: Path | None, max_age: float = MAX_AGE_SECONDS) -> str | None:
    """Why the bot does not count as alive, or None when its heartbeat is recent."""
    if path is None:
        return "KIM_HEARTBEAT_FILE is not set, so the bot writes no heartbeat"
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return f"no heartbeat at {path}: the bot is not running or has not started yet"
    if age > max_age:
        return f"the last heartbeat is {age:.0f} s old (more than {max_age:.0f} s)"
    return None
