"""Units of work: those waiting together on SQLite commit together; a failing one fails alone."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, func, insert, select

from bot.core.service import utc_now, writer_turn
from storage.models import ProcessedUpdate
from storage.units import run_unit, sqlite_writer
from tests.fixtures.database import database_kind


def marking(update_id: int, fails: bool = False):
    def unit(connection) -> int:
        row = {"update_id": update_id, "processed_at": utc_now()}
        connection.execute(insert(ProcessedUpdate).values(**row))
        if fails:
            raise ValueError(update_id)
        return update_id

    return unit


async def marked(sessions) -> set[int]:
    async with sessions() as session:
        return set((await session.execute(select(ProcessedUpdate.update_id))).scalars())


@pytest.mark.skipif(database_kind() != "sqlite", reason="group commit is SQLite's")
async def test_units_waiting_together_commit_together_and_a_failing_one_fails_alone(
    engine, sessions
):
    turn = writer_turn(sessions)
    await run_unit(engine, turn, marking(1))  # the writer's connection is open now
    commits: list[object] = []
    event.listen(sqlite_writer(engine).engine, "commit", commits.append)
    async with turn:  # an open transaction holds the turn: the units below wait together
        waiting = [
            asyncio.create_task(run_unit(engine, turn, marking(n, fails=n == 4)))
            for n in range(2, 7)
        ]
        await asyncio.sleep(0.05)
    outcomes = await asyncio.gather(*waiting, return_exceptions=True)
    assert outcomes[:2] == [2, 3] and outcomes[3:] == [5, 6]
    assert isinstance(outcomes[2], ValueError)
    assert len(commits) == 1
    assert await marked(sessions) == {1, 2, 3, 5, 6}


async def test_when_the_commit_fails_every_unit_of_it_fails_and_nothing_is_stored(engine, sessions):
    turn = writer_turn(sessions)
    await run_unit(engine, turn, marking(1))
    target = sqlite_writer(engine).engine if database_kind() == "sqlite" else engine.sync_engine

    def refuse(connection) -> None:
        raise OSError("disk full")

    event.listen(target, "commit", refuse)
    outcomes = await asyncio.gather(
        *(run_unit(engine, turn, marking(n)) for n in (2, 3)), return_exceptions=True
    )
    event.remove(target, "commit", refuse)
    assert all(isinstance(outcome, OSError) for outcome in outcomes)
    assert await marked(sessions) == {1}
    assert await run_unit(engine, turn, marking(2)) == 2  # the writer goes on afterwards
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdate)) == 2
