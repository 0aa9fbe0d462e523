"""The scheduler's tables: each periodic job's last claimed tick, and APScheduler's job store."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from storage.db import insert


class SchedulerTick(SQLModel, table=True):
    """The last tick each periodic job ran for, so that several replicas run it once a tick."""

    __tablename__ = "scheduler_tick"

    job: str = Field(primary_key=True, max_length=64)
    tick: int = Field(sa_column=sa.Column(sa.BigInteger, nullable=False))


async def claim_tick(session: AsyncSession, job: str, tick: int) -> bool:
    """True for the first caller of this job's tick; every other replica skips it."""
    result = await session.execute(
        sa.update(SchedulerTick)
        .where(SchedulerTick.job == job, SchedulerTick.tick < tick)
        .values(tick=tick)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        return True
    result = await session.execute(
        insert(session, SchedulerTick).values(job=job, tick=tick).on_conflict_do_nothing()
    )
    return result.rowcount == 1


# APScheduler's job store (bot/scheduler.py), declared here so that the migrations create it
# and the schema comparison knows it; APScheduler reads and writes it through its own Table.
SCHEDULER_JOBS = sa.Table(
    "apscheduler_jobs",
    SQLModel.metadata,
    sa.Column("id", sa.Unicode(191), primary_key=True),
    sa.Column("next_run_time", sa.Float(25), index=True),
    sa.Column("job_state", sa.LargeBinary, nullable=False),
)
