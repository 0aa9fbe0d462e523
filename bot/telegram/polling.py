"""Long polling that never loses an update: the offset is confirmed only after a batch is handled.

aiogram's own polling confirms an update as soon as it has been fetched; killed at the wrong
moment, a process would lose it. Here a batch is handled completely (people side by side, each
person's updates in order) before the next getUpdates call confirms it. A kill in between means
Telegram sends the batch again, and the processed-update table makes that a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Sequence

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import Update

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


def _sender(update: Update) -> int:
    event = update.event
    user = getattr(event, "from_user", None)
    return user.id if user is not None else 0


async def handle_batch(bot: Bot, dispatcher: Dispatcher, updates: Sequence[Update]) -> None:
    """Each person's updates in order; different people concurrently."""
    by_person: dict[int, list[Update]] = defaultdict(list)
    for update in updates:
        by_person[_sender(update)].append(update)

    async def one_person(queue: list[Update]) -> None:
        for update in queue:
            try:
                await dispatcher.feed_update(bot, update)
            except Exception:
                log.exception("update %s failed", update.update_id)

    await asyncio.gather(*(one_person(queue) for queue in by_person.values()))


async def poll(
    bot: Bot, dispatcher: Dispatcher, stop: asyncio.Event, poll_seconds: int = 25
) -> None:
    """Fetch, handle, confirm; until `stop` is set (then the batch in hand is finished)."""
    offset: int | None = None
    backoff = 1.0
    while not stop.is_set():
        fetch = asyncio.ensure_future(
            bot.get_updates(
                offset=offset,
                timeout=poll_seconds,
                allowed_updates=ALLOWED_UPDATES,
                request_timeout=poll_seconds + 10,
            )
        )
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not fetch.done():
            fetch.cancel()  # nothing fetched is lost: it was not confirmed
            break
        try:
            updates = fetch.result()
        except TelegramRetryAfter as error:
            await _pause(stop, error.retry_after)
            continue
        except (TelegramNetworkError, TelegramServerError) as error:
            log.warning("getUpdates failed (%s); retrying in %.0f s", type(error).__name__, backoff)
            await _pause(stop, backoff)
            backoff = min(backoff * 2, 30.0)
            continue
        backoff = 1.0
        if updates:
            await handle_batch(bot, dispatcher, updates)
            offset = updates[-1].update_id + 1
    if offset is not None:
        # Confirm the last batch so that a restart does not see it again.
        try:
            await bot.get_updates(offset=offset, timeout=0, limit=1)
        except Exception as error:
            log.info("could not confirm the last updates on exit: %s", type(error).__name__)


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
