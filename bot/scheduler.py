"""Periodic jobs that survive restarts, claimed once per tick across replicas, and the loops
started and stopped with them. What runs is wired per bot in bot/telegram/background.py.

APScheduler 3 keeps the jobs in the bot's own database (table apscheduler_jobs), so a restart
continues the same schedule. The store only holds the textual reference `bot.scheduler:run_job`
and the job's name; what a name does is registered by the running application (`every`).

The scheduler runs in a thread of its own with its own event loop: APScheduler's job store is
synchronous, and on SQLite a blocking write from the bot's event loop could wait for a lock that
an asynchronous transaction on that same loop holds. Job bodies run on the bot's loop.

With several replicas on PostgreSQL every replica runs the scheduler on the same store, and two
of them may find the same job due. A job body therefore first claims its tick in
`scheduler_tick` (a conditional UPDATE: one winner per job and tick), so each job runs once per
tick across all replicas. An advisory lock around the body would only keep two runs from
overlapping, not a second replica from running the same tick a moment later. The bodies are
idempotent besides (claims with SKIP LOCKED, unique delivery rows, conditional status changes),
and the sender itself runs on one replica at a time (see bot/outbox/sender.py).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import jobs
from storage.db import sync_url

log = logging.getLogger(__name__)

JOB_TABLE = "apscheduler_jobs"
JOB_FUNCTION = "bot.scheduler:run_job"
# Interval triggers start here, so every replica computes the same run times.
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)

# Every job is a "catch up on whatever is due" scan, so a late run is as good as a punctual one:
# misfire_grace_time=None runs a missed tick however late (after a stall or while the bot was
# down), and coalesce=True runs a backlog of missed ticks once instead of once per missed tick.
# max_instances=1: a slow run is never overlapped by the next one.
JOB_DEFAULTS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}

JobBody = Callable[[datetime], Awaitable[object]]


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    body: JobBody


_active: Scheduler | None = None


async def run_job(name: str) -> None:
    """The one function the job store refers to; runs the job registered under `name`."""
    scheduler = _active
    if scheduler is None:
        log.warning("job %s fired without a running scheduler", name)
        return
    await scheduler.run(name)


class Scheduler:
    """Periodic jobs in the database's job store, their bodies run on the caller's event loop."""

    def __init__(
        self,
        database_url: str,
        sessions: async_sessionmaker[AsyncSession],
        clock: Callable[[], datetime],
    ) -> None:
        self.database_url = database_url
        self.sessions = sessions
        self.clock = clock
        self.jobs: dict[str, Job] = {}
        self._main_loop: asyncio.AbstractEventLoop | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopping: asyncio.Event | None = None
        self._aps: AsyncIOScheduler | None = None
        self.runs: dict[str, int] = {}

    def every(self, name: str, seconds: float, body: JobBody) -> None:
        """Run `body(now)` every `seconds` (register before `start`)."""
        self.jobs[name] = Job(name, seconds, body)

    async def start(self) -> None:
        global _active
        if _active is not None and _active is not self:
            raise RuntimeError("another scheduler is running in this process")
        _active = self
        self._main_loop = asyncio.get_running_loop()
        started: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(
            target=self._thread_main, args=(started,), name="kim-scheduler", daemon=True
        )
        self._thread.start()
        try:
            await asyncio.wrap_future(started)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        global _active
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join)
            self._thread = None
        if _active is self:
            _active = None

    async def run(self, name: str) -> None:
        """Called in the scheduler's thread: run the body on the bot's loop, once per tick."""
        job = self.jobs.get(name)
        if job is None or self._main_loop is None:
            # Another version of the bot (a replica during an update) may know this job.
            log.debug("no job named %s in this process; skipped", name)
            return
        future = asyncio.run_coroutine_threadsafe(self._run_once(job), self._main_loop)
        try:
            await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            # The bot is stopping: the run is given up, which is no fault worth a traceback.
            log.debug("job %s cancelled by the stop", name)

    async def _run_once(self, job: Job) -> None:
        tick = math.floor((time.time() - EPOCH.timestamp()) / job.every_seconds)
        try:
            async with self.sessions() as session, session.begin():
                mine = await jobs.claim_tick(session, job.name, tick)
            if not mine:
                log.debug("job %s tick %d: run elsewhere", job.name, tick)
                return
            log.debug("job %s tick %d: runs here", job.name, tick)
            self.runs[job.name] = self.runs.get(job.name, 0) + 1
            await job.body(self.clock())
        except Exception:
            log.exception("job %s failed", job.name)

    # --- The scheduler's own thread --------------------------------------------------------------

    def _thread_main(self, started: concurrent.futures.Future[None]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve(started))
        finally:
            loop.close()

    async def _serve(self, started: concurrent.futures.Future[None]) -> None:
        self._stopping = asyncio.Event()
        engine = create_sync_engine(sync_url(self.database_url), pool_pre_ping=True)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        try:
            self._aps = AsyncIOScheduler(
                event_loop=asyncio.get_running_loop(),
                jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
                job_defaults=JOB_DEFAULTS,
                timezone=UTC,
            )
            self._aps.start(paused=True)
            self._install_jobs()
            self._aps.resume()
        except BaseException as error:
            started.set_exception(error)
            engine.dispose()
            return
        started.set_result(None)
        try:
            await self._stopping.wait()
        finally:
            self._aps.shutdown(wait=False)
            await asyncio.sleep(0)  # let the shutdown scheduled on this loop run
            running = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            engine.dispose()

    def _install_jobs(self) -> None:
        """Keep stored schedules whose interval is unchanged; (re)add the others.

        Stored jobs this process does not know stay: a replica of another version may run them.
        """
        assert self._aps is not None
        stored = {job.id: job for job in self._aps.get_jobs()}
        for job in self.jobs.values():
            trigger = IntervalTrigger(seconds=job.every_seconds, start_date=EPOCH, timezone=UTC)
            kept = stored.get(job.name)
            if (
                kept is not None
                and isinstance(kept.trigger, IntervalTrigger)
                and kept.trigger.interval == timedelta(seconds=job.every_seconds)
                and kept.func_ref == JOB_FUNCTION
            ):
                continue
            self._aps.add_job(
                JOB_FUNCTION,
                trigger=trigger,
                args=(job.name,),
                id=job.name,
                name=job.name,
                replace_existing=True,
                next_run_time=datetime.now(UTC),
            )


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # Wait for other writers instead of failing, and use the WAL journal as the bot's own
    # connections do (switching the journal needs a moment without readers; this waits for it).
    cursor = connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


# --- Loops started and stopped together -------------------------------------------------------

STOP_GRACE = 10.0  # seconds for the loops to finish what they have in hand at a stop


class Background:
    """The scheduler, the sender and other long-running loops of one bot, started and stopped
    together; each loop is a coroutine function taking the shared stop event."""

    def __init__(
        self, scheduler: Scheduler, loops: dict[str, Callable[[asyncio.Event], Awaitable[None]]]
    ) -> None:
        self.scheduler = scheduler
        self.loops = loops
        self.stopping = asyncio.Event()
        self.tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self.scheduler.start()
        self.tasks = [
            asyncio.create_task(loop(self.stopping), name=name) for name, loop in self.loops.items()
        ]

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Ask every loop to stop; after `grace` seconds what still runs is cancelled."""
        self.stopping.set()
        if self.tasks:
            _, pending = await asyncio.wait(self.tasks, timeout=grace)
            for task in pending:
                log.warning("background loop %s did not stop in time; cancelled", task.get_name())
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)
        try:
            async with asyncio.timeout(grace):
                await self.scheduler.stop()
        except TimeoutError:
            log.warning("the scheduler did not stop in time")
