"""The real `kim-intake run` refuses what `check` refuses, before any database or network use,
with one clear message and no traceback; a Bot API out of reach is waited for."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.core.config import load_settings
from bot.telegram.startup import reach_telegram
from tests.fakebot import FakeTelegram
from tests.fixtures.bot import ROOT
from tests.fixtures.command import bot_process

WELL_FORMED = "123456789:AAE-well-formed-but-unknown-token-x"
NOBODY = "http://127.0.0.1:9"  # the discard port: nothing listens there


def config(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def environment(config_path: Path, **variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIM_")}
    env.update(KIM_CONFIG=str(config_path), KIM_BOT_TOKEN=WELL_FORMED, KIM_TELEGRAM_API_URL=NOBODY)
    env.update(variables)
    return env


def run(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`kim-intake run` in tmp_path, whose database would be tmp_path/data/kim-intake.db."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def assert_refused(result: subprocess.CompletedProcess[str], tmp_path: Path, *says: str) -> None:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for words in says:
        assert words in result.stderr, result.stderr
    assert not (tmp_path / "data").exists(), "the database was touched"


def test_an_unknown_language_is_refused_with_the_closest_codes(tmp_path):
    path = config(tmp_path, ("languages: [de, en,", "languages: [de, en, ukr,"))
    result = run(tmp_path, environment(path))
    assert_refused(result, tmp_path, "unknown language code 'ukr'", "'uk' (Ukrainian)")
    assert "i18n update" not in result.stderr


def test_a_language_without_a_catalog_is_refused_with_how_to_add_it(tmp_path):
    path = config(tmp_path, ("languages: [de, en,", "languages: [de, en, sw,"))
    result = run(tmp_path, environment(path))
    assert_refused(result, tmp_path, "'sw' (Swahili) has no catalog", "kim-intake i18n update")


def test_a_missing_flow_is_refused_naming_the_file_it_looked_for(tmp_path):
    path = config(tmp_path, ("flow: needs", "flow: nedds"))
    result = run(tmp_path, environment(path))
    assert_refused(result, tmp_path, str(ROOT / "bot" / "flows" / "nedds.yaml"), "'needs'")


def test_a_broken_flow_beside_the_configured_one_is_refused_as_check_refuses_it(tmp_path):
    flows = tmp_path / "flows"
    flows.mkdir()
    shutil.copy(ROOT / "bot" / "flows" / "needs.yaml", flows / "needs.yaml")
    (flows / "draft.yaml").write_text("id: draft\ntitle: 'Entwurf\n", encoding="utf-8")
    env = environment(config(tmp_path), KIM_FLOWS_DIR=str(flows))
    result = run(tmp_path, env)
    assert_refused(result, tmp_path, f"{flows / 'draft.yaml'}: line 3, column 1: not valid YAML")


def test_an_empty_token_as_in_the_env_example_is_told_how_to_get_one(tmp_path):
    result = run(tmp_path, environment(config(tmp_path), KIM_BOT_TOKEN=""))
    assert_refused(result, tmp_path, "KIM_BOT_TOKEN is not set", "@BotFather")


@pytest.mark.parametrize(
    "token", ["abc", "123456:short", " 123456789:AAE-well-formed-but-unknown-x"]
)
async def test_a_malformed_token_is_refused_before_any_network_call(tmp_path, token):
    connections = []

    def count(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer.get_extra_info("peername"))
        writer.close()

    server = await asyncio.start_server(count, "127.0.0.1", 0)
    address = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    env = environment(config(tmp_path), KIM_BOT_TOKEN=token, KIM_TELEGRAM_API_URL=address)
    async with server:
        result = await asyncio.to_thread(run, tmp_path, env)
    assert_refused(result, tmp_path, "KIM_BOT_TOKEN does not look like a bot token")
    assert token.strip() not in result.stderr  # a secret is not repeated
    assert connections == []


async def test_a_token_telegram_refuses_ends_the_start_before_the_database(tmp_path):
    fake = FakeTelegram()
    await fake.start()
    try:
        env = environment(config(tmp_path), KIM_TELEGRAM_API_URL=fake.base_url)
        result = await asyncio.to_thread(run, tmp_path, env)
    finally:
        await fake.stop()
    assert_refused(result, tmp_path, "Telegram does not accept KIM_BOT_TOKEN")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def start_run(tmp_path: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await bot_process(
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def stderr_line_with(process: asyncio.subprocess.Process, words: str) -> str:
    while True:
        line = (await asyncio.wait_for(process.stderr.readline(), timeout=120)).decode()
        assert line, "the process ended without saying: " + words
        assert "Traceback" not in line
        if words in line:
            return line


async def test_an_unreachable_bot_api_is_waited_for_and_the_bot_starts_when_it_answers(tmp_path):
    port = free_port()
    address = f"http://127.0.0.1:{port}"
    fake = FakeTelegram()
    env = environment(config(tmp_path), KIM_BOT_TOKEN=fake.token, KIM_TELEGRAM_API_URL=address)
    process = await start_run(tmp_path, env)
    try:
        line = await stderr_line_with(process, "could not reach Telegram")
        assert f"at {address} " in line
        assert "check the network and KIM_TELEGRAM_API_URL" in line
        assert not (tmp_path / "data").exists()
        await fake.start(port)
        await fake.wait_until(lambda: fake.calls_to("getUpdates"), within=120)
        assert (tmp_path / "data" / "kim-intake.db").exists()
    finally:
        process.send_signal(signal.SIGTERM)  # just after the start, the periodic jobs running
        _, rest = await asyncio.wait_for(process.communicate(), timeout=60)
        await fake.stop()
    assert process.returncode == 0
    assert "Traceback" not in rest.decode()


async def test_sigterm_while_waiting_for_the_bot_api_ends_with_status_0(tmp_path):
    process = await start_run(tmp_path, environment(config(tmp_path)))
    await stderr_line_with(process, f"could not reach Telegram at {NOBODY} ")
    process.send_signal(signal.SIGTERM)
    _, rest = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0
    assert "Traceback" not in rest.decode()
    assert not (tmp_path / "data").exists()


async def test_waiting_for_the_bot_api_gives_up_with_status_1(caplog):
    settings = load_settings(ROOT / "config.yaml", bot_token=WELL_FORMED, telegram_api_url=NOBODY)
    with caplog.at_level(logging.WARNING, logger="bot.telegram.startup"):
        assert await reach_telegram(settings, give_up_after=1.5) == 1
    assert "Giving up (exit status 1)" in caplog.records[-1].getMessage()
    assert "Trying again in" in caplog.records[0].getMessage()
