"""Two real `kim-intake run` processes in webhook mode on one PostgreSQL database.

Every update reaches both (as a load balancer retrying on the other replica would send it):
each is handled once. A broadcast goes out once per person at the configured overall rate, and
goes on when the replica sending it is killed. Both schedulers fire the periodic jobs; each tick
of a job runs in one of them.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import signal
from pathlib import Path

import pytest
import yaml
from aiohttp import ClientSession
from sqlalchemy import select

from storage.deliveries import Delivery
from tests.fixtures.command import bot_process
from tests.fixtures.database import database_kind
from tests.outbox.test_sender import people
from tests.telegram.test_webhook import free_port, webhook_telegram

pytestmark = pytest.mark.skipif(
    database_kind() != "postgresql", reason="several replicas need PostgreSQL"
)

ROOT = Path(__file__).resolve().parents[2]
RATE = 20  # configured overall rate; the fake server refuses more than 25 a second
PEOPLE = 60
SECRET = "replica-test-secret"


def replica_config(tmp_path: Path, port: int, coordinators: tuple[int, ...] = ()) -> Path:
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["coordinators"] = list(coordinators)
    config["telegram"] = webhook_telegram(port)
    config["broadcasts"] = {
        "rate_per_second": RATE,
        "per_chat_interval_seconds": 1.0,
        "max_attempts": 3,
    }
    path = tmp_path / f"config-{port}.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def environment(fake, database_url: str, config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIM_")}
    env.update(
        KIM_BOT_TOKEN=fake.token,
        KIM_TELEGRAM_API_URL=fake.base_url,
        KIM_DATABASE_URL=database_url,
        KIM_CONFIG=str(config),
        KIM_WEBHOOK_SECRET=SECRET,
        KIM_LOG_LEVEL="DEBUG",
    )
    return env


async def ready(port: int) -> bool:
    try:
        async with ClientSession() as http, http.get(f"http://127.0.0.1:{port}/readyz") as answer:
            return answer.status == 200
    except OSError:
        return False


async def wait_for(condition, within: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


def job_ticks(log: Path, outcome: str) -> set[tuple[str, int]]:
    """The (job, tick) pairs a replica's log says it ran ("runs here") or found run elsewhere."""
    found = re.findall(rf"job (\w+) tick (\d+): {outcome}", log.read_text(errors="replace"))
    return {(job, int(tick)) for job, tick in found}


def pid(worker: str) -> int:
    """The process id in a sender's name (host:pid:random)."""
    return int(worker.split(":")[1])


async def deliveries(sessions) -> list[tuple[str, str | None]]:
    async with sessions() as session:
        return [
            tuple(r) for r in await session.execute(select(Delivery.status, Delivery.claimed_by))
        ]


async def test_two_replicas_handle_each_update_once_and_share_the_outbox(
    fake_telegram, database_url, sessions, tmp_path
):
    fake = fake_telegram
    persons = await people(sessions, fake, PEOPLE)
    coordinator = fake.person("Clara", "de")
    ports = [free_port(), free_port()]
    replicas, logs = {}, {}
    for port in ports:
        config = replica_config(tmp_path, port, coordinators=(coordinator.user_id,))
        log = tmp_path / f"replica-{port}.log"
        with log.open("wb") as stderr:
            process = await bot_process(
                "run",
                cwd=tmp_path,
                env=environment(fake, database_url, config),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=stderr,
            )
        replicas[process.pid], logs[process.pid] = process, log
    try:
        for port in ports:
            await wait_for(lambda port=port: ready(port), within=90)  # a busy machine starts slowly
        fake.webhook_targets = [f"http://127.0.0.1:{port}/telegram" for port in ports]

        # One update, delivered to both replicas: one answer.
        nora = fake.person("Nora", "de")
        nora.send("/start")
        await fake.wait_until(lambda: nora.buttons(), within=15)
        welcome = len(nora.messages)
        nora.send("/help")  # a later update, so the first one has surely been handled twice over
        await fake.wait_until(lambda: len(nora.messages) > welcome, within=15)
        assert welcome == 1

        # Replies that write nothing are sent once too: the update is marked before the reply.
        for send in (
            lambda: nora.send("/privacy"),
            lambda: nora.send("/gibtsnicht"),
            nora.send_sticker,
            lambda: coordinator.send("/cases"),
        ):
            before = len(nora.messages) + len(coordinator.messages)
            send()
            await fake.wait_until(
                lambda before=before: len(nora.messages) + len(coordinator.messages) > before,
                within=15,
            )
        nora.send("/help")  # handled after the four above, by each replica in turn
        await fake.wait_until(lambda: len(nora.messages) == welcome + 5, within=15)
        await asyncio.sleep(1)  # room for a second answer to any of them, were there one
        assert len(nora.messages) == welcome + 5
        assert len(coordinator.messages) == 1

        # Both schedulers fire the periodic jobs; wait for a tick both fired (each job fires on
        # the same schedule in both, from the shared job store), so the kill below comes after it.
        async def contested() -> bool:
            return any(job_ticks(log, "run elsewhere") for log in logs.values())

        await wait_for(contested, within=30)

        # A broadcast, from the command line; one replica sends it, the other stands by.
        fake.limits(total_per_second=RATE + 5, per_chat_per_second=1)
        config = replica_config(tmp_path, ports[0])
        command = await bot_process(
            "broadcast",
            "send",
            "--text",
            "Offene Sprechstunde",
            "--yes",
            cwd=tmp_path,
            env=environment(fake, database_url, config),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await command.communicate()
        assert command.returncode == 0, err.decode()

        senders: list[set[int]] = [set()]  # the processes seen holding claims, per phase

        async def sent_at_least(count: int) -> bool:
            rows = await deliveries(sessions)
            senders[-1].update(pid(w) for s, w in rows if s == "sending" and w)
            return sum(s == "sent" for s, _ in rows) >= count

        await wait_for(lambda: sent_at_least(15))
        assert len(senders[0]) == 1, "one replica sends at a time"
        leader = next(iter(senders[0]))
        replicas[leader].send_signal(signal.SIGKILL)
        await replicas[leader].wait()
        dead = {w for _, w in await deliveries(sessions) if w and pid(w) == leader}
        senders.append(set())

        async def settled() -> bool:
            rows = await deliveries(sessions)
            senders[-1].update(pid(w) for s, w in rows if s == "sending" and w not in dead and w)
            return all(s == "sent" or (s == "sending" and w in dead) for s, w in rows)

        await wait_for(settled, within=60)
        rows = await deliveries(sessions)
        in_flight = [w for s, w in rows if s == "sending"]
        # What the dead replica had claimed (one batch: half a second of sends) waits for its
        # lease, as some of it may have gone out; everything else went out exactly once.
        assert len(in_flight) <= math.ceil(RATE / 2)
        received = [len(p.messages) for p in persons]
        assert set(received) <= {0, 1}  # nobody twice
        sent = sum(s == "sent" for s, _ in rows)
        assert sent <= sum(received) <= sent + len(in_flight)
        assert sent + len(in_flight) == PEOPLE
        assert senders[1] == set(replicas) - {leader}  # the other replica took over
        assert fake.count_429 == 0  # together never faster than Telegram allows

        # The survivor stops cleanly on SIGTERM.
        survivor = replicas[next(pid for pid in replicas if pid != leader)]
        survivor.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(survivor.wait(), timeout=20) == 0

        # Both schedulers fired the periodic jobs while both ran; each tick ran in one only.
        ran = {pid: job_ticks(log, "runs here") for pid, log in logs.items()}
        lost = {pid: job_ticks(log, "run elsewhere") for pid, log in logs.items()}
        assert not ran[leader] & ran[survivor.pid]
        assert ran[leader] & lost[survivor.pid] or ran[survivor.pid] & lost[leader]
        assert {job for job, _ in ran[leader] | ran[survivor.pid]} >= {"sender_tick"}
        # Even at DEBUG level the logs hold no message text.
        for log in logs.values():
            text = log.read_text(errors="replace")
            assert "Offene Sprechstunde" not in text and "Hilfe" not in text
    finally:
        for process in replicas.values():
            if process.returncode is None:
                process.kill()
                await process.wait()
