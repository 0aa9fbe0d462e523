"""The real `kim-intake run` process serves the web chat on its own port while it polls, and a
web person's flagged answers reach the team's group as a Telegram person's do."""

from __future__ import annotations

import asyncio
import socket
import sys

import yaml

from bot.flows.loader import load_configured_flow
from tests.fixtures.bot import ROOT, e2e_settings
from tests.process.test_process import STARTS_WITHIN, environment, terminated
from tests.web.browser import Browser, WebRespondent
from tests.web.test_walk import needs_help


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_the_running_bot_serves_the_web_chat_and_hands_over_to_the_team(
    fake_telegram, database_url, tmp_path
):
    fake = fake_telegram
    group = fake.group("KIM Fallmanagement")
    port = free_port()
    config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    config["web"] = {"enabled": True, "secure_cookie": False, "listen_port": port}
    config["teams"] = [{"id": "kim", "name": "KIM", "chat_id": group.chat_id, "default": True}]
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    env = {**environment(fake, database_url), "KIM_CONFIG": str(tmp_path / "config.yaml")}
    bot = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    flow = load_configured_flow(e2e_settings(fake, database_url))
    browser = Browser(f"http://127.0.0.1:{port}", "/fragebogen")
    try:
        await fake.wait_until(lambda: fake.calls_to("getUpdates"), within=STARTS_WITHIN)
        person = WebRespondent(browser, flow, "de")
        await person.start()
        await person.answer_all(needs_help)
        await person.submit()
        await fake.wait_until(lambda: group.messages, within=30)
        assert "über den Web-Chat" in group.messages[0].text
    finally:
        await browser.close()
        log = await terminated(bot)
    assert "web chat on 127.0.0.1" in log
