"""The sender: sends the outbox at Telegram's limits, each message once, surviving any crash.

It claims due delivery rows in small batches, paces them evenly at the configured overall rate
and at most one message per chat per interval, waits out a 429 as Telegram asks, marks people
who blocked the bot (403) unreachable, and retries server errors and time-outs with backoff.

A row is claimed (committed) before its message goes out and settled after; a process killed in
between leaves it claimed, and it becomes due again when the lease runs out. So a crash loses
nothing and repeats at most the messages that were in flight at that moment (`max_in_flight`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import random
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from bot.core.config import Settings
from bot.core.service import Clock, utc_now
from bot.outbox.pacing import ChatGaps, Pacer, backoff
from bot.outbox.transport import Blocked, Delivered, Failed, Outgoing, RetryAfter, Transport
from storage import deliveries, locks
from storage.deliveries import Claim
from storage.types import DeliveryStatus

log = logging.getLogger(__name__)

# Kinds a person silences with /stop; messages from their case manager are not among them.
SILENCED_BY_STOP = frozenset({"broadcast", "reminder"})
# One sender at a time keeps the overall rate across replicas (PostgreSQL session lock).
SENDER_LOCK_KEY = 0x4B494D5345  # "KIMSE"


@dataclass(frozen=True)
class Skip:
    """The delivery is not sent; it ends in `status` (cancelled, blocked, failed)."""

    status: DeliveryStatus
    reason: str


@dataclass(frozen=True)
class Defer:
    """Not now: the delivery waits until `until` (a reminder in the quiet hours)."""

    until: datetime


Composer = Callable[[AsyncSession, Claim], Awaitable[Outgoing | Skip | Defer]]


@dataclass
class SenderStats:
    sent: int = 0
    retried: int = 0
    rate_limited: int = 0
    blocked: int = 0
    failed: int = 0
    skipped: int = 0


class Sender:
    """Sends due deliveries until stopped. Composers turn a claim into text, by kind."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        transport: Transport,
        settings: Settings,
        composers: dict[str, Composer],
        *,
        clock: Clock = utc_now,
        engine: AsyncEngine | None = None,
        lease: timedelta = timedelta(minutes=2),
        max_in_flight: int = 4,
        backoff_seconds: float = 2.0,
        idle_seconds: float = 2.0,
    ) -> None:
        self.sessions = sessions
        self.transport = transport
        self.settings = settings
        self.composers = composers
        self.clock = clock
        self.engine: AsyncEngine = engine or sessions.kw["bind"]
        self.lease = lease
        self.max_in_flight = max_in_flight
        self.backoff_seconds = backoff_seconds
        self.idle_seconds = idle_seconds
        limits = settings.broadcasts
        self.worker = f"{socket.gethostname()[:30]}:{os.getpid()}:{random.randrange(16**6):06x}"
        self.batch_size = max(1, math.ceil(limits.rate_per_second / 2))  # half a second of sends
        self.stats = SenderStats()
        self._pacer = Pacer(limits.rate_per_second)
        self._slots = asyncio.Semaphore(max_in_flight)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._gaps = ChatGaps(limits.per_chat_interval_seconds)
        self._paused_until = 0.0
        self._wake = asyncio.Event()
        self._lock_connection: AsyncConnection | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def wake(self) -> None:
        """Something was enqueued: look now instead of at the next idle poll."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; then finish what is in flight and give back the rest."""
        if self.dialect == "sqlite":
            # SQLite has one bot process: whatever is still claimed, a dead process left behind.
            async with self.sessions() as session, session.begin():
                left = await deliveries.release_claims(session, None)
            if left:
                log.warning("%d deliveries were claimed by a stopped process; due again", left)
        try:
            while not stop.is_set():
                if not await self._lead():
                    await _pause(stop, self.idle_seconds)
                    continue
                await _pause(stop, self._paused_until - time.monotonic())
                claims = await self._claim()
                if not claims:
                    await self._idle(stop)
                    continue
                await self._send_batch(claims, stop)
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)
        except asyncio.CancelledError:
            # Cancelled is stopped at once, as by a crash: claimed rows wait for their lease.
            for task in self._in_flight:
                task.cancel()
            raise
        finally:
            await self._resign()

    async def _claim(self) -> list[Claim]:
        async with self.sessions() as session, session.begin():
            return await deliveries.claim_due(
                session, self.clock(), self.batch_size, self.worker, self.lease
            )

    async def _idle(self, stop: asyncio.Event) -> None:
        self._wake.clear()
        waiter = asyncio.ensure_future(self._wake.wait())
        stopper = asyncio.ensure_future(stop.wait())
        await asyncio.wait(
            {waiter, stopper}, timeout=self.idle_seconds, return_when="FIRST_COMPLETED"
        )
        waiter.cancel()
        stopper.cancel()

    async def _send_batch(self, claims: list[Claim], stop: asyncio.Event) -> None:
        async with self.sessions() as session, session.begin():
            messages = {c.id: await compose(self.composers, session, c) for c in claims}
        for number, claim in enumerate(claims):
            if stop.is_set() or self._paused_until > time.monotonic():
                await self._give_back(claims[number:])
                return
            message = messages[claim.id]
            if isinstance(message, Skip):
                await self._settle(claim, message.status, error=message.reason)
                self.stats.skipped += 1
                continue
            if isinstance(message, Defer):
                wait = (message.until - self.clock()).total_seconds()
                await self._settle(
                    claim, DeliveryStatus.PENDING, retry_in=max(wait, 0.0), count_attempt=False
                )
                continue
            assert claim.chat_id is not None
            wait = self._gaps.wait(claim.chat_id)
            if wait > 0:
                await self._settle(
                    claim,
                    DeliveryStatus.PENDING,
                    retry_in=wait,
                    count_attempt=False,
                    error="per-chat limit",
                )
                continue
            await self._pacer.slot()
            await self._slots.acquire()
            if stop.is_set() or self._paused_until > time.monotonic():
                self._slots.release()
                await self._give_back(claims[number:])
                return
            self._gaps.mark(claim.chat_id)
            task = asyncio.create_task(self._deliver(claim, message))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def _deliver(self, claim: Claim, message: Outgoing) -> None:
        assert claim.chat_id is not None
        try:
            await self._deliver_once(claim, message)
            # From the answer on, so that the next message cannot arrive within the interval.
            self._gaps.mark(claim.chat_id)
        except Exception:
            log.exception(
                "delivery %s: unexpected error; it stays claimed until its lease ends", claim.id
            )
        finally:
            self._slots.release()

    async def _deliver_once(self, claim: Claim, message: Outgoing) -> None:
        assert claim.chat_id is not None
        result = await self.transport.send(claim.chat_id, message)
        if isinstance(result, RetryAfter):
            # Telegram's flood control is per bot: everything waits, this row goes back.
            self.stats.rate_limited += 1
            self._paused_until = max(self._paused_until, time.monotonic() + result.seconds)
            log.warning("Telegram asks to wait %s s (429)", result.seconds)
            await self._settle(
                claim,
                DeliveryStatus.PENDING,
                retry_in=result.seconds,
                count_attempt=False,
                error="429",
            )
        elif isinstance(result, Blocked):
            self.stats.blocked += 1
            async with self.sessions() as session, session.begin():
                await deliveries.settle(
                    session,
                    claim.id,
                    self.worker,
                    DeliveryStatus.BLOCKED,
                    self.clock(),
                    error="403",
                )
                await deliveries.mark_unreachable(session, claim.respondent_id)
        elif isinstance(result, Failed) and result.retryable:
            await self._retry_or_fail(claim, result.error)
        elif isinstance(result, Failed):
            self.stats.failed += 1
            await self._settle(claim, DeliveryStatus.FAILED, error=result.error)
        else:
            assert isinstance(result, Delivered)
            self.stats.sent += 1
            await self._settle(claim, DeliveryStatus.SENT)

    async def _retry_or_fail(self, claim: Claim, error: str) -> None:
        if claim.attempts >= self.settings.broadcasts.max_attempts:
            self.stats.failed += 1
            log.warning("delivery %s failed after %d attempts", claim.id, claim.attempts)
            await self._settle(claim, DeliveryStatus.FAILED, error=error)
            return
        self.stats.retried += 1
        delay = backoff(claim.attempts, self.backoff_seconds)
        await self._settle(claim, DeliveryStatus.PENDING, retry_in=delay, error=error)

    async def _settle(
        self,
        claim: Claim,
        status: DeliveryStatus,
        *,
        retry_in: float | None = None,
        count_attempt: bool = True,
        error: str | None = None,
    ) -> None:
        now = self.clock()
        retry_at = now + timedelta(seconds=retry_in) if retry_in is not None else None
        async with self.sessions() as session, session.begin():
            await deliveries.settle(
                session,
                claim.id,
                self.worker,
                status,
                now,
                error=error,
                retry_at=retry_at,
                count_attempt=count_attempt,
            )

    async def _give_back(self, claims: list[Claim]) -> None:
        wait = max(0.0, self._paused_until - time.monotonic())
        now = self.clock()
        async with self.sessions() as session, session.begin():
            for claim in claims:
                await deliveries.settle(
                    session,
                    claim.id,
                    self.worker,
                    DeliveryStatus.PENDING,
                    now,
                    retry_at=now + timedelta(seconds=wait),
                    count_attempt=False,
                )

    # --- One sender among replicas (PostgreSQL) --------------------------------------------------

    async def _lead(self) -> bool:
        """On PostgreSQL, only the holder of the sender lock sends, so the rate is the bot's.

        The claims would keep several senders apart anyway (SKIP LOCKED); the lock keeps their
        sum at the configured rate. A replica that dies drops its connection and with it the
        lock; another one takes over at its next try.
        """
        if self.dialect != "postgresql":
            return True
        if self._lock_connection is not None:
            try:
                await locks.still_held(self._lock_connection)
                return True
            except Exception:
                log.warning("lost the database connection that holds the sender lock")
                await self._resign()
        connection = await self.engine.connect()
        try:
            held = await locks.try_lock(connection, SENDER_LOCK_KEY)
        except Exception:
            await connection.close()
            raise
        if not held:
            await connection.close()
            return False
        self._lock_connection = connection
        log.info("this replica sends the outbox")
        return True

    async def _resign(self) -> None:
        connection, self._lock_connection = self._lock_connection, None
        if connection is None:
            return
        with contextlib.suppress(Exception):
            await locks.unlock(connection, SENDER_LOCK_KEY)
        with contextlib.suppress(Exception):
            await connection.close()


async def compose(
    composers: dict[str, Composer], session: AsyncSession, claim: Claim
) -> Outgoing | Skip | Defer:
    """What to do with a claimed delivery: the message, or why it is not sent (now)."""
    if not claim.exists:
        return Skip(DeliveryStatus.CANCELLED, "person erased")
    if claim.chat_id is None:
        return Skip(DeliveryStatus.FAILED, "no chat")
    if claim.unreachable:
        return Skip(DeliveryStatus.BLOCKED, "person blocked the bot")
    if claim.opted_out and claim.kind in SILENCED_BY_STOP:
        return Skip(DeliveryStatus.CANCELLED, "person used /stop")
    composer = composers.get(claim.kind)
    if composer is None:
        return Skip(DeliveryStatus.FAILED, f"nothing composes {claim.kind!r}")
    return await composer(session, claim)


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    if seconds <= 0:
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
