"""The health check: the running bot keeps a heartbeat file in either mode; `kim-intake health`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.core.health import keep_heartbeat
from storage.db import create_engine, session_factory
from tests.fixtures.bot import ROOT, running_bot
from tests.telegram.test_webhook import free_port


def health_process(heartbeat: Path | None, *args: str) -> subprocess.CompletedProcess[str]:
    """`kim-intake health` as the container runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIM_")}
    env["KIM_CONFIG"] = str(ROOT / "config.yaml")
    if heartbeat is not None:
        env["KIM_HEARTBEAT_FILE"] = str(heartbeat)
    return subprocess.run(
        [sys.executable, "-m", "bot", "health", *args],
        cwd=heartbeat.parent if heartbeat else None,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def health(monkeypatch, capsys):
    """`kim-intake health` in this process: (exit status, output)."""
    monkeypatch.setenv("KIM_CONFIG", str(ROOT / "config.yaml"))

    def run(heartbeat: Path | None, *args: str) -> tuple[int, str]:
        if heartbeat is None:
            monkeypatch.delenv("KIM_HEARTBEAT_FILE", raising=False)
        else:
            monkeypatch.setenv("KIM_HEARTBEAT_FILE", str(heartbeat))
        status = main(["health", *args])
        return status, capsys.readouterr().out

    return run


def webhook_mode() -> dict:
    return {
        "mode": "webhook",
        "webhook": {
            "url": "https://kim.example/telegram",
            "listen_host": "127.0.0.1",
            "listen_port": free_port(),
        },
    }


def appears(path: Path, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.05)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_the_running_bot_is_healthy_and_a_stopped_one_is_not(
    fake_telegram, database_url, tmp_path, mode, health
):
    heartbeat = tmp_path / "run" / "heartbeat"
    options = {"telegram": webhook_mode(), "webhook_secret": "s3cret"} if mode == "webhook" else {}
    async with running_bot(fake_telegram, database_url, heartbeat_file=heartbeat, **options):
        await asyncio.to_thread(appears, heartbeat)
        if mode == "polling":
            result = health_process(heartbeat)
            assert (result.returncode, result.stdout) == (0, f"healthy: heartbeat at {heartbeat}\n")
        else:
            assert health(heartbeat) == (0, f"healthy: heartbeat at {heartbeat}\n")
    assert not heartbeat.exists()
    status, output = health(heartbeat)
    assert status == 1
    assert "not running" in output


def test_an_old_heartbeat_is_unhealthy_unless_a_longer_age_is_allowed(tmp_path, health):
    heartbeat = tmp_path / "heartbeat"
    heartbeat.touch()
    an_hour_ago = time.time() - 3600
    os.utime(heartbeat, (an_hour_ago, an_hour_ago))
    status, output = health(heartbeat)
    assert status == 1
    assert "s old (more than 60 s)" in output
    assert health(heartbeat, "--max-age", "7200")[0] == 0


def test_health_without_a_heartbeat_file_says_the_bot_writes_none(health):
    status, output = health(None)
    assert status == 1
    assert "KIM_HEARTBEAT_FILE is not set" in output


async def test_no_heartbeat_while_the_database_does_not_answer(tmp_path, caplog):
    heartbeat = tmp_path / "heartbeat"
    # Nothing listens on a port just freed: every connection is refused.
    engine = create_engine(f"postgresql+asyncpg://kim@127.0.0.1:{free_port()}/kim")
    stopping = asyncio.Event()
    beating = asyncio.create_task(
        keep_heartbeat(heartbeat, session_factory(engine), stopping, every=0.05)
    )
    await asyncio.sleep(0.5)
    assert not heartbeat.exists()
    stopping.set()
    await beating
    await engine.dispose()
    assert "database not reachable" in caplog.text
