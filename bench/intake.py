"""Benchmark: simulated people answer the whole questionnaire against the fake Bot API server.

    python3 kim.py bench bench/intake.py [--people 1000] [--concurrency 200]

Prints answers per second, reply latency (p50/p95/p99) and the bot process's peak memory, for
KIM Intake (every answer stored in SQLite), for a bare aiogram echo bot on the same server, and
for a bare aiogram bot that makes the three Bot API calls KIM Intake makes per pressed answer
(answer the press, retire the old buttons, send the next question) and stores nothing: the
ceiling for any aiogram bot with this way of asking. Then the same for one person alone, whose
replies wait for nobody else.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.config import load_settings  # noqa: E402
from bot.core.i18n import Msg  # noqa: E402
from bot.flows import engine  # noqa: E402
from bot.flows.loader import load_configured_flow  # noqa: E402
from bot.flows.schema import QuestionType  # noqa: E402
from bot.intake.screens import DONE  # noqa: E402
from bot.ui.labels import choice_label  # noqa: E402
from bot.ui.text import label_text  # noqa: E402
from tests.fakebot import FakeTelegram  # noqa: E402
from tests.fixtures.bot import default_answer  # noqa: E402

ECHO_BOT = """
import asyncio, os
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
dp = Dispatcher()
KEYS = InlineKeyboardMarkup(
    inline_keyboard=[[InlineKeyboardButton(text="Weiter", callback_data="n")]])
@dp.message()
async def echo(message):
    keys = KEYS if message.text == "/start" else None
    await message.answer(message.text or "?", reply_markup=keys)
@dp.callback_query()
async def pressed(query):
    await query.answer()
    await query.message.edit_text(query.message.text + " ✓")
    await query.message.answer("Frage", reply_markup=KEYS)
async def main():
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["KIM_TELEGRAM_API_URL"]))
    await dp.start_polling(Bot(os.environ["KIM_BOT_TOKEN"], session=session), handle_signals=True)
asyncio.run(main())
"""


class Replies:
    """Wakes the simulated person when the bot's reply is complete: for KIM Intake the next
    question with its buttons (sent, or drawn again in place), for the echo bot its message."""

    def __init__(self, fake: FakeTelegram, needs_buttons: bool) -> None:
        self.waiting: dict[int, asyncio.Future] = {}
        self.needs_buttons = needs_buttons
        fake.listeners.append(self.seen)

    def seen(self, call) -> None:
        if call.method not in ("sendMessage", "editMessageText"):
            return
        if self.needs_buttons and not (call.params.get("reply_markup") or {}).get(
            "inline_keyboard"
        ):
            return
        future = self.waiting.pop(int(call.params.get("chat_id", 0)), None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())

    async def after(self, chat_id: int, act) -> float:
        future = asyncio.get_running_loop().create_future()
        self.waiting[chat_id] = future
        started = time.perf_counter()
        act()
        done = await asyncio.wait_for(future, timeout=60)
        return done - started


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def start_process(
    fake: FakeTelegram, args: list[str], database_url: str
) -> asyncio.subprocess.Process:
    env = dict(os.environ)
    env.update(
        KIM_BOT_TOKEN=fake.token,
        KIM_TELEGRAM_API_URL=fake.base_url,
        KIM_DATABASE_URL=database_url,
        KIM_CONFIG=str(ROOT / "config.yaml"),
        KIM_LOG_LEVEL="WARNING",
    )
    process = await asyncio.create_subprocess_exec(sys.executable, *args, env=env, cwd=ROOT)
    await fake.wait_until(lambda: fake.calls_to("getUpdates"), within=60)
    return process


async def intake_person(fake, replies, flow, latencies: list[float]) -> int:
    person = fake.person("Bench", "de")
    chat = person.chat_id
    latencies.append(await replies.after(chat, lambda: person.send("/start")))
    latencies.append(await replies.after(chat, lambda: person.tap("Deutsch")))
    latencies.append(await replies.after(chat, lambda: person.tap("✅ Ich bin einverstanden")))
    answers: dict = {}
    count = 0
    while (question := engine.next_question(flow, answers)) is not None:
        value = default_answer(question)
        if question.type is QuestionType.multiple:
            label = label_text(choice_label(flow, question, value[0]), "de")
            latencies.append(await replies.after(chat, lambda label=label: person.tap(label)))
            done = label_text(Msg(DONE), "de")
            latencies.append(await replies.after(chat, lambda done=done: person.tap(done)))
            value = frozenset(value)
        elif question.has_choices:
            label = label_text(choice_label(flow, question, value), "de")
            latencies.append(await replies.after(chat, lambda label=label: person.tap(label)))
        else:
            latencies.append(await replies.after(chat, lambda v=value: person.send(v)))
            value = engine.decode_answer(question, value)
        answers = engine.apply_answer(flow, answers, question.id, value)
        count += 1
    return count


async def echo_person(fake, replies, steps: int, latencies: list[float]) -> int:
    person = fake.person("Bench", "de")
    for number in range(steps):
        latencies.append(await replies.after(person.chat_id, lambda n=number: person.send(str(n))))
    return steps


async def presses_person(fake, replies, steps: int, latencies: list[float]) -> int:
    person = fake.person("Bench", "de")
    await replies.after(person.chat_id, lambda: person.send("/start"))
    for _ in range(steps):
        latencies.append(await replies.after(person.chat_id, lambda: person.tap("Weiter")))
    return steps


PEOPLE = {"kim": intake_person, "echo": echo_person, "presses": presses_person}


async def run(
    kind: str, people: int, concurrency: int, steps: int, database_url: str | None
) -> dict[str, float]:
    fake = FakeTelegram()
    await fake.start()
    replies = Replies(fake, needs_buttons=kind != "echo")
    flow = load_configured_flow(load_settings(ROOT / "config.yaml"))
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        args = ["-m", "bot", "run"] if kind == "kim" else ["-c", ECHO_BOT]
        process = await start_process(fake, args, url)
        latencies: list[float] = []
        gate = asyncio.Semaphore(concurrency)

        async def one() -> int:
            async with gate:
                if kind == "kim":
                    return await intake_person(fake, replies, flow, latencies)
                return await PEOPLE[kind](fake, replies, steps, latencies)

        started = time.perf_counter()
        cpu_before = cpu_seconds(process.pid)
        answers = sum(await asyncio.gather(*(one() for _ in range(people))))
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(process.pid) - cpu_before
        memory = peak_memory_mb(process.pid)
        process.terminate()
        await process.wait()
    await fake.stop()
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "answers_per_s": answers / elapsed,
        "p50_ms": cuts[49] * 1000,
        "p95_ms": cuts[94] * 1000,
        "p99_ms": cuts[98] * 1000,
        "peak_mb": memory,
        "cpu_ms": cpu * 1000 / len(latencies),
        "answers": answers,
        "seconds": elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    options = parser.parse_args()
    kim = asyncio.run(run("kim", options.people, options.concurrency, 0, options.database_url))
    steps = round(kim["answers"] / options.people)
    rows = [
        ("KIM Intake", kim),
        ("echo bot", asyncio.run(run("echo", options.people, options.concurrency, steps, None))),
        (
            "3 calls, no DB",
            asyncio.run(run("presses", options.people, options.concurrency, steps, None)),
        ),
    ]
    print(f"{options.people} people, {options.concurrency} at a time, {steps} answers each")
    _table(rows)
    echo = rows[1][1]["answers_per_s"]
    print(
        f"throughput ratio KIM/echo: {kim['answers_per_s'] / echo:.2f}; "
        f"3 calls without storage/echo: {rows[2][1]['answers_per_s'] / echo:.2f}"
    )
    # On a new SQLite file: a given database now holds the first run's people and updates.
    alone = [
        ("KIM Intake", asyncio.run(run("kim", 3, 1, 0, None))),
        ("echo bot", asyncio.run(run("echo", 3, 1, steps, None))),
    ]
    print(f"one person at a time (KIM Intake on a new SQLite file), 3 people, {steps} answers each")
    _table(alone)


def _table(rows: list[tuple[str, dict[str, float]]]) -> None:
    print(
        f"{'':15} {'answers/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'peak MB':>8}"
        f" {'CPU ms/reply':>12}"
    )
    for name, row in rows:
        print(
            f"{name:15} {row['answers_per_s']:10.0f} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f}"
            f" {row['p99_ms']:8.1f} {row['peak_mb']:8.0f} {row['cpu_ms']:12.2f}"
        )


if __name__ == "__main__":
    main()
