"""Settling in groups: every outcome that has arrived is recorded by one transaction.

At hundreds of messages a second one transaction per message costs more than sending it. The
sender hands each outcome to `Settler.settle`, which returns once it is committed; while one
transaction runs, the outcomes arriving meanwhile gather, and the next transaction records them
all (one UPDATE … WHERE id IN (…) per kind of outcome). So a sent message waits for at most one
transaction before it counts as settled, and the messages sent but not settled, the ones that
go again after a crash, stay about as many as are on their way.

A kind whose settling does more than update its row (a hook, a person who blocked the bot) is
settled by the sender on its own, as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import deliveries
from storage.deliveries import Claim
from storage.types import DeliveryStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """How one claim ends (or, pending, when it is due again: `retry_in` seconds from now)."""

    claim: Claim
    status: DeliveryStatus
    error: str | None = None
    retry_in: float | None = None
    count_attempt: bool = True


class Settler:
    """Records outcomes in groups, one transaction at a time, as soon as they arrive."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        worker: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.sessions = sessions
        self.worker = worker
        self.clock = clock
        self.transactions = 0
        self._waiting: list[tuple[Outcome, asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    @property
    def unsettled(self) -> int:
        """Outcomes handed over and not yet committed."""
        return len(self._waiting)

    async def settle(self, outcome: Outcome) -> None:
        """Until `outcome` is committed (with whatever else arrived meanwhile)."""
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((outcome, done))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run())
        await done

    def cancel(self) -> None:
        """Stopped as by a crash: what is not committed stays claimed."""
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await self._write([outcome for outcome, _ in batch])
            except Exception:
                log.exception("settling %d deliveries together failed; one by one", len(batch))
                for outcome, done in batch:
                    try:
                        await self._write([outcome])
                    except Exception as error:
                        _finish(done, error)
                    else:
                        _finish(done)
                continue
            for _, done in batch:
                _finish(done)

    async def _write(self, outcomes: list[Outcome]) -> None:
        groups: dict[tuple, list[int]] = defaultdict(list)
        for o in outcomes:
            key = (o.status, o.error, o.retry_in, o.count_attempt, o.claim.version)
            groups[key].append(o.claim.id)
        now = self.clock()
        async with self.sessions() as session, session.begin():
            for (status, error, retry_in, count_attempt, version), ids in groups.items():
                retry_at = now + timedelta(seconds=retry_in) if retry_in is not None else None
                await deliveries.settle_many(
                    session,
                    ids,
                    self.worker,
                    status,
                    now,
                    error=error,
                    retry_at=retry_at,
                    count_attempt=count_attempt,
                    version=version,
                )
        self.transactions += 1


def _finish(done: asyncio.Future[None], error: BaseException | None = None) -> None:
    if done.done():  # the sender gave up waiting (cancelled)
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)
