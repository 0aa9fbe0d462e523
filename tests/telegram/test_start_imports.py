"""The running bot does not load what only reports, exports, the poster, migrations or the tests
need: a library imported at start costs every process its memory for as long as it runs."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

from tests.fixtures.bot import ROOT

HEAVY = ("matplotlib", "numpy", "PIL", "openpyxl", "segno", "playwright")
# What `kim-intake run` leaves to its short-lived child processes (bot/startup.py: prepare).
CHILDREN_ONLY = ("alembic", "mako", "pygments", "babel.messages.extract", "bot.core.catalogs")

# `kim-intake run` that writes, when it has stopped, every module it had loaded.
RUN_AND_LIST = """
import atexit, os, sys
atexit.register(lambda: open(os.environ["MODULES_OUT"], "w").write("\\n".join(sys.modules)))
from bot.cli.main import main
sys.exit(main(["run"]))
"""


def test_starting_the_bot_loads_no_report_libraries():
    probe = (
        "import sys; import bot.telegram.app; "
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == [], f"loaded at start: {done.stdout.strip()}"


async def test_the_running_bot_has_loaded_no_migration_catalog_or_report_libraries(
    fake_telegram, database_url, tmp_path
):
    listed = tmp_path / "modules.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIM_")}
    env.update(
        KIM_BOT_TOKEN=fake_telegram.token,
        KIM_TELEGRAM_API_URL=fake_telegram.base_url,
        KIM_DATABASE_URL=database_url,
        KIM_CONFIG=str(ROOT / "config.yaml"),
        MODULES_OUT=str(listed),
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", RUN_AND_LIST, cwd=tmp_path, env=env
    )
    try:
        await fake_telegram.wait_until(lambda: fake_telegram.calls_to("getUpdates"), within=90)
        menus = fake_telegram.calls_to("setMyCommands")
        assert menus, "the command menu was set in every language"
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=30) == 0
    modules = set(listed.read_text().split())
    assert "aiogram" in modules and "storage.models" in modules
    loaded = [name for name in HEAVY + CHILDREN_ONLY if name in modules]
    assert loaded == [], f"loaded by the running bot: {loaded}"
