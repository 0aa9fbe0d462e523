"""How fast the outbox sends: an overall rate, a gap per chat, and backoff with jitter."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field


@dataclass
class Pacer:
    """Evenly spaced slots at `rate` per second; no burst credit builds up while idle."""

    rate: float
    next_slot: float = field(default_factory=time.monotonic)

    async def slot(self) -> None:
        interval = 1.0 / self.rate
        now = time.monotonic()
        if self.next_slot < now - interval:
            self.next_slot = now
        if self.next_slot > now:
            await asyncio.sleep(self.next_slot - now)
        self.next_slot += interval


@dataclass
class ChatGaps:
    """At most one message per chat per `interval` seconds (Telegram's limit per chat)."""

    interval: float
    last: dict[int, float] = field(default_factory=dict)
    keep: int = 50_000  # chats remembered before old entries are dropped

    def wait(self, chat_id: int) -> float:
        """Seconds until the next message to `chat_id` may go (0 or less: now)."""
        if len(self.last) > self.keep:
            horizon = time.monotonic() - self.interval
            self.last = {c: t for c, t in self.last.items() if t > horizon}
        at = self.last.get(chat_id)
        return 0.0 if at is None else at + self.interval - time.monotonic()

    def mark(self, chat_id: int) -> None:
        self.last[chat_id] = time.monotonic()


def backoff(attempts: int, base: float, cap: float = 600.0) -> float:
    """Seconds before the next try after `attempts` failed ones: doubling, capped, with jitter."""
    return min(base * 2 ** (attempts - 1), cap) * random.uniform(1.0, 1.25)
