"""How fast the bot sends: one rate budget for the bot, a gap per chat, backoff with jitter.

Telegram lets a bot send about 30 messages per second in all. Direct replies to people who are
answering, the outbox's interactive lane (case notices, relays, progress) and its bulk lane
(broadcasts, reminders) share that budget: a direct reply takes its slot at once and is never
slowed, the interactive lane waits only for the budget, and the bulk lane keeps to its own
configured rate below it, so that answers always find room while a broadcast runs. The free
budget is paced a little below Telegram's 30 a second: a message that leaves a few milliseconds
late must not put 30 into one second at Telegram's end.

With paid broadcasts (`broadcasts.allow_paid_broadcast`) the bulk lane goes outside that budget,
at its own rate of up to 1,000 a second, and the free budget is left to replies and the
interactive lane.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.core.config import FREE_RATE
from storage.types import Lane

TELEGRAM_RATE = FREE_RATE - 1.0  # free messages per second the bot sends at most: headroom
CLOSEST = 0.75  # share of the interval two free messages keep at least, after a late timer
PAID_RATE = 970.0  # paid broadcasts per second at most: headroom below Telegram's 1,000
MOST_AHEAD = 1.0  # seconds of direct replies that may push the outbox back
IN_FLIGHT_SECONDS = 0.3  # sent and unsettled at most: this many seconds of the rate
PAID_SLACK = 0.01  # seconds a paid broadcast late by may catch up (timers are that coarse)


class RateBudget:
    """The bot's messages per second, shared by direct replies and the outbox's two lanes.

    No credit builds up while idle: after a quiet minute the next messages are still spaced.
    `paid`: the bulk lane's messages are paid broadcasts, paced at `bulk_rate` alone.
    """

    def __init__(
        self,
        bulk_rate: float,
        overall_rate: float = TELEGRAM_RATE,
        clock: Callable[[], float] = time.monotonic,
        *,
        paid: bool = False,
    ) -> None:
        self.interval = 1.0 / overall_rate
        self.paid = paid
        self.bulk_interval = 1.0 / min(bulk_rate, PAID_RATE if paid else overall_rate)
        self.clock = clock
        self.next_free = self.next_bulk = clock()

    def spend(self) -> None:
        """A direct reply went out now: it needed no slot, but the outbox's next one moves."""
        now = self.clock()
        self.next_free = min(max(self.next_free, now) + self.interval, now + MOST_AHEAD)

    def reserve(self, lane: Lane) -> float:
        """Take the next slot of `lane`: seconds to wait for it (0: now)."""
        now = self.clock()
        if lane is Lane.BULK and self.paid:
            # A timer that fires late is made good within PAID_SLACK: at 1,000 a second a wait
            # is shorter than the timer's grain, and lost slots would be lost for good.
            at = max(self.next_bulk, now - PAID_SLACK)
            self.next_bulk = at + self.bulk_interval
            return at - now
        at = max(self.next_free, now)
        if lane is Lane.BULK:
            at = max(at, self.next_bulk)
            self.next_bulk = at + self.bulk_interval
        self.next_free = at + self.interval
        return at - now

    async def slot(self, lane: Lane) -> None:
        wait = self.reserve(lane)
        if wait <= 0:
            return
        await asyncio.sleep(wait)
        if lane is Lane.BULK and self.paid:
            return
        # A timer that fires late (a busy process) must not let the next message leave right
        # after this one: the next keeps CLOSEST of the interval from now. A late slot and its
        # catching up still add up to two intervals, so no second holds more than its share.
        now = self.clock()
        self.next_free = max(self.next_free, now + CLOSEST * self.interval)
        if lane is Lane.BULK:
            self.next_bulk = max(self.next_bulk, now + CLOSEST * self.bulk_interval)


@dataclass
class ChatGaps:
    """At most one message per chat per `interval` seconds (Telegram's limit per chat), counted
    from the answer to the one before: a message still on its way holds the next one back."""

    interval: float
    last: dict[int, float] = field(default_factory=dict)
    keep: int = 50_000  # chats remembered before old entries are dropped
    _answered: dict[int, asyncio.Event] = field(default_factory=dict)

    def wait(self, chat_id: int) -> float:
        """Seconds until the next message to `chat_id` may go (0 or less: now), once the one on
        its way there (if any) is answered."""
        if len(self.last) > self.keep:
            horizon = time.monotonic() - self.interval
            self.last = {c: t for c, t in self.last.items() if t > horizon}
        at = self.last.get(chat_id)
        return 0.0 if at is None else at + self.interval - time.monotonic()

    def on_its_way(self, chat_id: int) -> bool:
        return chat_id in self._answered

    async def turn(self, chat_id: int) -> None:
        """Until a message to `chat_id` may go: the one before answered, then the interval."""
        answered = self._answered.get(chat_id)
        if answered is not None:
            await answered.wait()
        wait = self.wait(chat_id)
        if wait > 0:
            await asyncio.sleep(wait)

    def sending(self, chat_id: int) -> None:
        """A message to `chat_id` is on its way: the next waits for its answer."""
        self._answered[chat_id] = asyncio.Event()

    def mark(self, chat_id: int) -> None:
        """The message to `chat_id` was answered now."""
        self.last[chat_id] = time.monotonic()
        answered = self._answered.pop(chat_id, None)
        if answered is not None:
            answered.set()


def in_flight_for(rate: float) -> int:
    """Messages sent and not yet settled at most, for `rate` messages per second: enough for
    a slow server, few enough to send again after a crash."""
    return min(300, max(4, math.ceil(rate * IN_FLIGHT_SECONDS)))


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """Wait `seconds`, or less if `stop` is set meanwhile."""
    if seconds <= 0:
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def backoff(attempts: int, base: float, cap: float = 600.0) -> float:
    """Seconds before the next try after `attempts` failed ones: doubling, capped, with jitter."""
    return min(base * 2 ** (attempts - 1), cap) * random.uniform(1.0, 1.25)
