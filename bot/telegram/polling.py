"""Long polling that never loses an update and never lets one person hold up the others.

Fetched updates are written to the inbox before the next getUpdates call confirms them to
Telegram, so fetching goes on while earlier updates are handled; a kill loses nothing (the
inbox is replayed at the next start, and the processed-update marks make a repeat a no-op).
Each person's updates are handled in order by a worker of their own; people are handled side
by side, at most HANDLERS at a time. A person who sends faster than PER_PERSON_RATE is answered
more slowly, and nobody else notices. A handler that runs longer than HANDLER_DEADLINE is
abandoned, so nothing can freeze the bot; on stop, what is in hand gets SHUTDOWN_GRACE seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import Update

from bot.core.inbox import Inbox
from storage.db import is_transient

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]

HANDLERS = 64  # updates handled at the same time, across people
HANDLER_DEADLINE = 60.0  # seconds; longer than any Bot API call is allowed to take
SHUTDOWN_GRACE = 10.0  # seconds for the updates in hand once a stop is asked for
PER_PERSON_RATE = 5.0  # updates a second, sustained, per person (no one taps faster for long)
PER_PERSON_BURST = 20  # updates a person may send at once before being slowed down
TRANSIENT_ATTEMPTS = 3  # a PostgreSQL deadlock or serialization failure: the update once more
PER_PERSON_BACKLOG = 1000  # updates waiting for one person; a flood beyond is dropped
FORGET_EVERY = 1.0  # seconds between removals of handled updates from the inbox


def _sender(update: Update) -> int:
    event = update.event
    user = getattr(event, "from_user", None)
    if user is not None:
        return user.id
    chat = getattr(event, "chat", None)
    return chat.id if chat is not None else 0


@dataclass
class _Person:
    """One person's updates waiting in order, and the token bucket that paces them."""

    queue: deque[Update] = field(default_factory=deque)
    tokens: float = PER_PERSON_BURST
    refilled: float = field(default_factory=time.monotonic)
    worker: asyncio.Task[None] | None = None

    def idle(self) -> bool:
        """Nothing waiting, and the bucket full again: forgetting this person changes nothing."""
        elapsed = time.monotonic() - self.refilled
        full = self.tokens + elapsed * PER_PERSON_RATE >= PER_PERSON_BURST
        return self.worker is None and not self.queue and full

    def wait_for_turn(self) -> float:
        """Seconds until this person may be handled again (0: now), taking the turn if so."""
        now = time.monotonic()
        self.tokens = min(PER_PERSON_BURST, self.tokens + (now - self.refilled) * PER_PERSON_RATE)
        self.refilled = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / PER_PERSON_RATE


class Poller:
    """Fetch, keep, confirm; and handle each person's updates in order, side by side."""

    def __init__(self, bot: Bot, dispatcher: Dispatcher, inbox: Inbox, poll_seconds: int = 25):
        self.bot = bot
        self.dispatcher = dispatcher
        self.inbox = inbox
        self.poll_seconds = poll_seconds
        self._people: dict[int, _Person] = {}
        self._slots = asyncio.Semaphore(HANDLERS)
        self._handled: set[int] = set()
        self._in_hand: set[int] = set()
        self._fetching_done = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop` is set; then the updates in hand get a bounded time to finish."""
        forgetting = asyncio.create_task(self._forget_handled())
        offset = None
        try:
            for _, payload in await self.inbox.pending():
                self._take(Update.model_validate_json(payload, context={"bot": self.bot}))
            offset = await self._fetch_until(stop)
        finally:
            await self._finish_in_hand()
            self._fetching_done.set()
            await forgetting
        if offset is not None:
            # Everything fetched is in the inbox: confirm it, so a restart does not fetch it again.
            try:
                await self.bot.get_updates(offset=offset, timeout=0, limit=1, request_timeout=5)
            except Exception as error:
                log.info("could not confirm the last updates on exit: %s", type(error).__name__)

    async def _fetch_until(self, stop: asyncio.Event) -> int | None:
        offset: int | None = None
        backoff = 1.0
        while not stop.is_set():
            fetch = asyncio.ensure_future(
                self.bot.get_updates(
                    offset=offset,
                    timeout=self.poll_seconds,
                    allowed_updates=ALLOWED_UPDATES,
                    request_timeout=self.poll_seconds + 10,
                )
            )
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not fetch.done():
                fetch.cancel()  # nothing fetched is lost: it was not confirmed
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await fetch
                break
            try:
                updates = fetch.result()
            except TelegramRetryAfter as error:
                await _pause(stop, error.retry_after)
                continue
            except (TelegramNetworkError, TelegramServerError) as error:
                log.warning(
                    "getUpdates failed (%s); retrying in %.0f s", type(error).__name__, backoff
                )
                await _pause(stop, backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = 1.0
            if not updates:
                continue
            await self._keep(updates)
            offset = updates[-1].update_id + 1
            for update in updates:
                self._take(update)
        return offset

    async def _keep(self, updates: Sequence[Update]) -> None:
        fresh = [u for u in updates if u.update_id not in self._in_hand]
        await self.inbox.keep(
            [(u.update_id, str(_sender(u)), u.model_dump_json(exclude_none=True)) for u in fresh]
        )

    def _take(self, update: Update) -> None:
        """Queue an update for its person, and start their worker if none runs."""
        if update.update_id in self._in_hand:
            return  # fetched again (a confirm that did not reach Telegram)
        key = _sender(update)
        person = self._people.setdefault(key, _Person())
        if len(person.queue) >= PER_PERSON_BACKLOG:
            log.warning(
                "update %s dropped: one chat sent more than %s",
                update.update_id,
                PER_PERSON_BACKLOG,
            )
            self._handled.add(update.update_id)
            return
        self._in_hand.add(update.update_id)
        person.queue.append(update)
        if person.worker is None:
            person.worker = asyncio.create_task(self._work(key, person))

    async def _work(self, key: int, person: _Person) -> None:
        try:
            while person.queue:
                wait = person.wait_for_turn()
                if wait:
                    await asyncio.sleep(wait)
                    if not person.queue:  # cleared by a stop meanwhile
                        break
                update = person.queue.popleft()
                try:
                    async with self._slots:
                        await self._handle(update)
                finally:
                    self._in_hand.discard(update.update_id)
                    self._handled.add(update.update_id)
        finally:
            person.worker = None

    async def _handle(self, update: Update) -> None:
        for attempt in range(1, TRANSIENT_ATTEMPTS + 1):
            try:
                async with asyncio.timeout(HANDLER_DEADLINE):
                    await self.dispatcher.feed_update(self.bot, update)
            except TimeoutError:
                log.error(
                    "update %s took longer than %.0f s and was abandoned",
                    update.update_id,
                    HANDLER_DEADLINE,
                )
            except Exception as error:
                if is_transient(error) and attempt < TRANSIENT_ATTEMPTS:
                    # Rolled back whole, the update's mark with it: handled again from the start.
                    log.warning("update %s met a deadlock and is handled again", update.update_id)
                    continue
                log.exception("update %s failed", update.update_id)
            return

    async def _finish_in_hand(self) -> None:
        """Give the workers SHUTDOWN_GRACE seconds, then cancel them; what they did not reach
        stays in the inbox for the next start."""
        workers = [p.worker for p in self._people.values() if p.worker is not None]
        if not workers:
            return
        for person in self._people.values():
            # Queued but not started: left for the next start rather than started now.
            for update in person.queue:
                self._in_hand.discard(update.update_id)
            person.queue.clear()
        _, pending = await asyncio.wait(workers, timeout=SHUTDOWN_GRACE)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("%s updates still in hand at stop were cancelled", len(pending))
            await asyncio.wait(pending, timeout=SHUTDOWN_GRACE)

    async def _forget_handled(self) -> None:
        """Every second: handled updates leave the inbox, idle people leave memory."""
        while not self._fetching_done.is_set():
            await _pause(self._fetching_done, FORGET_EVERY)
            await self._forget_now()
            for key in [k for k, p in self._people.items() if p.idle()]:
                del self._people[key]
        await self._forget_now()

    async def _forget_now(self) -> None:
        handled, self._handled = self._handled, set()
        if not handled:
            return
        try:
            await self.inbox.forget(handled)
        except Exception:
            self._handled |= handled  # tried again in a second; a replay would be a no-op anyway
            log.exception("could not remove handled updates from the inbox")


async def poll(
    bot: Bot, dispatcher: Dispatcher, inbox: Inbox, stop: asyncio.Event, poll_seconds: int = 25
) -> None:
    """Long polling until `stop` is set."""
    await Poller(bot, dispatcher, inbox, poll_seconds).run(stop)


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
