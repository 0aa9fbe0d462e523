"""The sender: sends the outbox at Telegram's limits, each message once, surviving any crash.

Every message that is not a direct reply goes this way: broadcasts and reminders (the bulk
lane), case notices, relays between caseworker and person, and progress (the interactive lane,
claimed first). It claims due delivery rows in small batches, paces them within the bot's one
rate budget (bot/outbox/pacing.py) and at most one message per chat per interval, waits out a
429 as Telegram asks, marks people who blocked the bot (403) unreachable, and retries server
errors and time-outs with backoff. What a kind of message needs once it is settled (a notice's
message id on its case, the note that a relay arrived) runs in the settling transaction.

A row is claimed (committed) before its message goes out and settled after, with the other
outcomes that arrived meanwhile (bot/outbox/settling.py); a process killed in between leaves it
claimed, due again when the lease runs out. So a crash loses nothing and repeats at most the
messages sent and not yet settled then (the Bot API has no idempotency key): never more than
`max_in_flight`, a third of a second of the rate, at least 4.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import random
import socket
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.core.config import Settings
from bot.core.service import Clock, utc_now
from bot.outbox.leader import Leadership
from bot.outbox.pacing import ChatGaps, RateBudget, backoff, in_flight_for, pause
from bot.outbox.settling import Outcome, Settler
from bot.outbox.transport import (
    Blocked,
    Delivered,
    Failed,
    Gone,
    Outgoing,
    Result,
    RetryAfter,
    Transport,
)
from storage import deliveries
from storage.deliveries import Claim
from storage.types import DeliveryStatus, Lane

log = logging.getLogger(__name__)
PENDING = DeliveryStatus.PENDING

# Kinds a person silences with /stop; messages from their case manager are not among them.
SILENCED_BY_STOP = frozenset({"broadcast", "reminder"})


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
Batch = list[tuple[Claim, Outgoing | Skip | Defer]]  # claimed deliveries and their messages


@dataclass(frozen=True)
class Settlement:
    """A delivery that ended, in its settling transaction: what was sent (None: skipped), and
    how it arrived (None: it did not)."""

    session: AsyncSession
    claim: Claim
    message: Outgoing | None
    delivered: Delivered | None

    @property
    def chat_id(self) -> int | None:
        """The chat it went to."""
        return (self.message.chat_id if self.message else None) or self.claim.chat_id


Settled = Callable[[Settlement], Awaitable[None]]


@dataclass(frozen=True)
class Kind:
    """One kind of message in the outbox (a delivery's `kind`): how a claim becomes a message,
    and what follows once it is settled (in the settling transaction)."""

    compose: Composer
    settled: Settled | None = None


class Sender:
    """Sends due deliveries until stopped; `kinds` say how to compose and settle each kind."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        transport: Transport,
        settings: Settings,
        kinds: Mapping[str, Kind],
        *,
        budget: RateBudget | None = None,
        clock: Clock = utc_now,
        engine: AsyncEngine | None = None,
        lease: timedelta = timedelta(minutes=2),
        max_in_flight: int | None = None,
        backoff_seconds: float = 2.0,
        idle_seconds: float = 2.0,
    ) -> None:
        self.sessions = sessions
        self.transport = transport
        self.settings = settings
        self.kinds = kinds
        self.clock = clock
        self.engine: AsyncEngine = engine or sessions.kw["bind"]
        self.lease = lease
        limits = settings.broadcasts
        self.max_in_flight = max_in_flight or in_flight_for(limits.rate_per_second)
        self.backoff_seconds = backoff_seconds
        self.idle_seconds = idle_seconds
        self.paid = limits.allow_paid_broadcast
        self.worker = f"{socket.gethostname()[:30]}:{os.getpid()}:{random.randrange(16**6):06x}"
        self.batch_size = max(1, math.ceil(limits.rate_per_second / 4))  # ¼ s of sends
        # What became of the messages since start: sent, retried, rate_limited, blocked, failed,
        # skipped.
        self.stats: Counter[str] = Counter()
        self.budget = budget or RateBudget(limits.rate_per_second, paid=self.paid)
        self.settler = Settler(sessions, self.worker, clock)
        self._slots = asyncio.Semaphore(self.max_in_flight)
        self._in_flight: set[asyncio.Task[None]] = set()
        self._gaps = ChatGaps(limits.per_chat_interval_seconds)
        self._paused_until = 0.0
        self._wake = asyncio.Event()
        self._leader = Leadership(self.engine)

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
        ahead: asyncio.Task[Batch] | None = None  # the next batch, claimed while one goes out
        try:
            while not stop.is_set():
                if not await self._leader.lead():
                    ahead = await self._give_back_ahead(ahead)
                    await pause(stop, self.idle_seconds)
                    continue
                if self._paused_until > time.monotonic():  # told to wait: claim afresh after
                    ahead = await self._give_back_ahead(ahead)
                    await pause(stop, self._paused_until - time.monotonic())
                batch = await (ahead or self._prepare())
                ahead = None
                if not batch:
                    await self._idle(stop)
                    continue
                if len(batch) == self.batch_size:  # more are due: no gap after this batch
                    ahead = asyncio.create_task(self._prepare())
                await self._send_batch(batch, stop)
            await self._give_back_ahead(ahead)
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)
        except asyncio.CancelledError:
            # Cancelled is stopped at once, as by a crash: claimed rows wait for their lease.
            for task in [*self._in_flight, *([ahead] if ahead else [])]:
                task.cancel()
            self.settler.cancel()
            raise
        finally:
            await self._leader.resign()

    async def _prepare(self) -> Batch:
        """Claim the next due deliveries and compose their messages."""
        async with self.sessions() as session, session.begin():
            claims = await deliveries.claim_due(
                session, self.clock(), self.batch_size, self.worker, self.lease
            )
        if not claims:
            return []
        async with self.sessions() as session, session.begin():
            return [(claim, await compose(self.kinds, session, claim)) for claim in claims]

    async def _idle(self, stop: asyncio.Event) -> None:
        self._wake.clear()
        waiter = asyncio.ensure_future(self._wake.wait())
        stopper = asyncio.ensure_future(stop.wait())
        await asyncio.wait(
            {waiter, stopper}, timeout=self.idle_seconds, return_when="FIRST_COMPLETED"
        )
        waiter.cancel()
        stopper.cancel()

    async def _send_batch(self, batch: Batch, stop: asyncio.Event) -> None:
        claims = [claim for claim, _ in batch]
        for number, (claim, message) in enumerate(batch):
            if stop.is_set() or self._paused_until > time.monotonic():
                await self._give_back(claims[number:])
                return
            if isinstance(message, Skip):
                self._track(self._end(claim, None, message.status, error=message.reason))
                self.stats["skipped"] += 1
                continue
            if isinstance(message, Defer):
                wait = max((message.until - self.clock()).total_seconds(), 0.0)
                self._track(self._settle(claim, PENDING, retry_in=wait, count_attempt=False))
                continue
            chat_id = message.chat_id or claim.chat_id
            assert chat_id is not None
            if self.paid and claim.lane is Lane.BULK:
                message = replace(message, paid=True)
            # At most one message per chat per interval: a second one to the same chat (a
            # team's group) waits here until the interval after the first one's answer.
            await self._gaps.turn(chat_id)
            # A free place first, then the rate's next slot: a message that waited for a place
            # takes a slot of its own instead of one gone by, so sends never bunch up.
            await self._slots.acquire()
            await self.budget.slot(claim.lane)
            if stop.is_set() or self._paused_until > time.monotonic():
                self._slots.release()
                await self._give_back(claims[number:])
                return
            self._gaps.sending(chat_id)
            self._track(self._deliver(claim, chat_id, message))

    def _track(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _deliver(self, claim: Claim, chat_id: int, message: Outgoing) -> None:
        try:
            await self._deliver_once(claim, chat_id, message)
        except Exception:
            log.exception(
                "delivery %s: unexpected error; it stays claimed until its lease ends", claim.id
            )
        finally:
            # From the answer on, so that the next message cannot arrive within the interval.
            self._gaps.mark(chat_id)
            self._slots.release()

    async def _deliver_once(self, claim: Claim, chat_id: int, message: Outgoing) -> None:
        result = await self._transmit(chat_id, message)
        if isinstance(result, RetryAfter):
            # Telegram's flood control is per bot: everything waits, this row goes back.
            self.stats["rate_limited"] += 1
            self._paused_until = max(self._paused_until, time.monotonic() + result.seconds)
            log.warning("Telegram asks to wait %s s (429)", result.seconds)
            await self._settle(
                claim,
                DeliveryStatus.PENDING,
                retry_in=result.seconds,
                count_attempt=False,
                error="429",
            )
        elif isinstance(result, Failed) and result.retryable:
            await self._retry_or_fail(claim, message, result.error)
        elif isinstance(result, Delivered):
            self.stats["sent"] += 1
            await self._end(claim, message, DeliveryStatus.SENT, result)
        elif isinstance(result, Blocked):
            self.stats["blocked"] += 1
            await self._end(claim, message, DeliveryStatus.BLOCKED, error="403")
        else:
            self.stats["failed"] += 1
            error = result.error if isinstance(result, Failed) else "message gone"
            await self._end(claim, message, DeliveryStatus.FAILED, error=error)

    async def _transmit(self, chat_id: int, message: Outgoing) -> Result:
        if message.edit is None:
            return await self.transport.send(chat_id, message)
        result = await self.transport.edit(chat_id, message.edit, message)
        if isinstance(result, Gone) and message.or_send:
            return await self.transport.send(chat_id, message)
        return result

    async def _end(
        self,
        claim: Claim,
        message: Outgoing | None,
        status: DeliveryStatus,
        delivered: Delivered | None = None,
        *,
        error: str | None = None,
    ) -> None:
        """Settle a delivery for good, with what its kind does then, in one transaction."""
        kind = self.kinds.get(claim.kind)
        hook = kind.settled if kind is not None else None
        blocked = delivered is None and status == DeliveryStatus.BLOCKED and claim.to_person
        if hook is None and not blocked:
            await self.settler.settle(Outcome(claim, status, error))
            return
        async with self.sessions() as session, session.begin():
            settled = await deliveries.settle(
                session,
                claim.id,
                self.worker,
                status,
                self.clock(),
                error=error,
                version=claim.version,
            )
            if blocked:
                assert claim.respondent_id is not None
                await deliveries.mark_unreachable(session, claim.respondent_id)
            if settled and hook is not None:
                await hook(Settlement(session, claim, message, delivered))
        if hook is not None:
            self.wake()  # the hook may have put a message in the outbox

    async def _retry_or_fail(self, claim: Claim, message: Outgoing, error: str) -> None:
        if claim.attempts >= self.settings.broadcasts.max_attempts:
            self.stats["failed"] += 1
            log.warning("delivery %s failed after %d attempts", claim.id, claim.attempts)
            await self._end(claim, message, DeliveryStatus.FAILED, error=error)
            return
        self.stats["retried"] += 1
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
        await self.settler.settle(Outcome(claim, status, error, retry_in, count_attempt))

    async def _give_back_ahead(self, ahead: asyncio.Task[Batch] | None) -> None:
        """The batch claimed ahead goes back unsent (None: there is none any more)."""
        if ahead is not None:
            await self._give_back([claim for claim, _ in await ahead])

    async def _give_back(self, claims: list[Claim]) -> None:
        wait = max(0.0, self._paused_until - time.monotonic())
        now = self.clock()
        async with self.sessions() as session, session.begin():
            await deliveries.settle_many(
                session,
                [claim.id for claim in claims],
                self.worker,
                DeliveryStatus.PENDING,
                now,
                retry_at=now + timedelta(seconds=wait),
                count_attempt=False,
            )


async def compose(
    kinds: Mapping[str, Kind], session: AsyncSession, claim: Claim
) -> Outgoing | Skip | Defer:
    """What to do with a claimed delivery: the message, or why it is not sent (now)."""
    if not claim.exists:
        return Skip(DeliveryStatus.CANCELLED, "person erased")
    if claim.chat_id is None:
        return Skip(DeliveryStatus.FAILED, "no chat")
    # A message to staff about the person goes whatever the person's own chat allows.
    if claim.to_person and claim.unreachable:
        return Skip(DeliveryStatus.BLOCKED, "person blocked the bot")
    if claim.to_person and claim.opted_out and claim.kind in SILENCED_BY_STOP:
        return Skip(DeliveryStatus.CANCELLED, "person used /stop")
    kind = kinds.get(claim.kind)
    if kind is None:
        return Skip(DeliveryStatus.FAILED, f"nothing composes {claim.kind!r}")
    return await kind.compose(session, claim)
