"""Benchmark: simulated people answer the whole questionnaire against the fake Bot API server.

    python3 kim.py bench bench/intake.py [--people 200] [--concurrency 200] [--open-loop 50]
        [--latency MS] [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres]

Three bots do the same work, counted the same way: every act of a person (a message sent or a
button pressed, /start included) is one answer, and each bot gets the same number per person.
KIM Intake stores every answer; "3 calls, no DB" is a bare aiogram bot that makes the three Bot
API calls KIM Intake makes per pressed answer (answer the press, retire the old buttons, send the
next question) and stores nothing: the ceiling for any aiogram bot with this way of asking; the
echo bot answers each message with one message.

Closed loop (saturation): `--concurrency` people at a time answer as fast as the bot replies.
Open loop (`--open-loop RATE`): every one of `--people` answers on a fixed schedule, RATE answers
per second in total, whatever the bot does; a person whose reply comes late answers at once when
it comes, and the latency is counted from the time the answer was due, so lateness shows in it.
Every row gives the bot process's CPU time per answer (/proc/PID/stat), answers per second,
reply latency p50/p95/p99, and its peak memory (VmHWM) after start-up and at the end.

`--latency MS` makes the fake server answer every Bot API call MS milliseconds late.
`--database-url` takes a PostgreSQL server: each KIM Intake run gets a new database on it,
dropped afterwards (the URL's own database is only used to create and drop it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
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

Act = tuple[str, str]  # ("send", text) or ("tap", button label)
NAMES = {"kim": "KIM Intake", "presses": "3 calls, no DB", "echo": "echo bot"}
REPLY_TIMEOUT = 120.0


class Replies:
    """Wakes the simulated person when the bot's reply is complete: for KIM Intake and the
    three-call bot the next question with its buttons (sent, or drawn again in place), for the
    echo bot its message."""

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

    async def after(self, person, act: Act, since: float | None = None) -> float:
        """Seconds from `since` (default: now) until the reply to `act` is complete."""
        future = asyncio.get_running_loop().create_future()
        self.waiting[person.chat_id] = future
        started = time.perf_counter() if since is None else since
        kind, text = act
        person.send(text) if kind == "send" else person.tap(text)
        done = await asyncio.wait_for(future, timeout=REPLY_TIMEOUT)
        return done - started


def intake_acts(flow) -> list[Act]:
    """What one person sends and presses to answer the whole questionnaire (default answers)."""
    acts: list[Act] = [("send", "/start"), ("tap", "Deutsch"), ("tap", "✅ Ich bin einverstanden")]
    answers: dict = {}
    while (question := engine.next_question(flow, answers)) is not None:
        value = default_answer(question)
        if question.type is QuestionType.multiple:
            acts.append(("tap", label_text(choice_label(flow, question, value[0]), "de")))
            acts.append(("tap", label_text(Msg(DONE), "de")))
            value = frozenset(value)
        elif question.has_choices:
            acts.append(("tap", label_text(choice_label(flow, question, value), "de")))
        else:
            acts.append(("send", value))
            value = engine.decode_answer(question, value)
        answers = engine.apply_answer(flow, answers, question.id, value)
    return acts


def yardstick_acts(kind: str, count: int) -> list[Act]:
    """As many acts for the echo bot (messages) or the three-call bot (/start, then presses)."""
    if kind == "echo":
        return [("send", str(number)) for number in range(count)]
    return [("send", "/start")] + [("tap", "Weiter")] * (count - 1)


async def closed_person(person, replies: Replies, acts: list[Act], latencies: list[float]):
    for act in acts:
        latencies.append(await replies.after(person, act))


async def scheduled_person(
    person, replies: Replies, acts: list[Act], first: float, period: float, latencies: list[float]
):
    """Answers `period` seconds apart from `first` on, or at once when a reply came too late."""
    for number, act in enumerate(acts):
        due = first + number * period
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        latencies.append(await replies.after(person, act, since=due))


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


_databases = itertools.count(1)


@contextlib.asynccontextmanager
async def database(server_url: str | None) -> AsyncIterator[str]:
    """A new SQLite file, or a new database on the PostgreSQL server, dropped afterwards."""
    if server_url is None:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        return
    from sqlalchemy import make_url, text
    from sqlalchemy.ext.asyncio import create_async_engine

    name = f"kim_bench_{os.getpid()}_{next(_databases)}"
    server = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with server.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with server.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await server.dispose()


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


async def run(
    kind: str,
    acts: list[Act],
    people: int,
    *,
    concurrency: int = 0,
    rate: float = 0.0,
    latency_ms: float = 0.0,
    database_url: str | None = None,
) -> dict[str, float]:
    """One bot process under one load: closed loop with `concurrency`, or open loop at `rate`."""
    fake = FakeTelegram()
    await fake.start()
    if latency_ms:
        fake.slow_down("*", latency_ms / 1000)
    replies = Replies(fake, needs_buttons=kind != "echo")
    async with database(database_url if kind == "kim" else None) as url:
        args = ["-m", "bot", "run"] if kind == "kim" else ["-c", ECHO_BOT]
        process = await start_process(fake, args, url)
        start_mb = peak_memory_mb(process.pid)
        latencies: list[float] = []
        gate = asyncio.Semaphore(concurrency or people)
        persons = [fake.person("Bench", "de") for _ in range(people)]

        async def closed(person) -> None:
            async with gate:
                await closed_person(person, replies, acts, latencies)

        started = time.perf_counter()
        cpu_before = cpu_seconds(process.pid)
        if rate:
            period = people / rate  # each person's time between two answers
            first = started + 0.1
            await asyncio.gather(
                *(
                    scheduled_person(p, replies, acts, first + n / rate, period, latencies)
                    for n, p in enumerate(persons)
                )
            )
        else:
            await asyncio.gather(*(closed(person) for person in persons))
        elapsed = time.perf_counter() - started
        cpu = cpu_seconds(process.pid) - cpu_before
        memory = peak_memory_mb(process.pid)
        process.terminate()
        await process.wait()
    await fake.stop()
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "answers_per_s": len(latencies) / elapsed,
        "p50_ms": cuts[49] * 1000,
        "p95_ms": cuts[94] * 1000,
        "p99_ms": cuts[98] * 1000,
        "start_mb": start_mb,
        "peak_mb": memory,
        "cpu_ms": cpu * 1000 / len(latencies),
        "answers": len(latencies),
        "seconds": elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument(
        "--concurrency", type=int, default=200, help="closed loop: people answering at a time"
    )
    parser.add_argument(
        "--open-loop",
        type=float,
        nargs="*",
        default=[50.0],
        metavar="RATE",
        help="answers per second in total over --people (several: one run each; none: skip)",
    )
    parser.add_argument(
        "--closed-loop", action=argparse.BooleanOptionalAction, default=True, help="saturation run"
    )
    parser.add_argument("--latency", type=float, default=0.0, metavar="MS")
    parser.add_argument("--database-url", help="a PostgreSQL server (default: new SQLite files)")
    options = parser.parse_args()
    flow = load_configured_flow(load_settings(ROOT / "config.yaml"))
    kim_acts = intake_acts(flow)
    steps = len(kim_acts)
    common = {"latency_ms": options.latency}

    def bot_run(kind: str, people: int, **load) -> dict[str, float]:
        acts = kim_acts if kind == "kim" else yardstick_acts(kind, steps)
        if kind == "kim":
            load["database_url"] = options.database_url
        return asyncio.run(run(kind, acts, people, **common, **load))

    store = "PostgreSQL" if options.database_url else "SQLite"
    delay = f", {options.latency:g} ms per Bot API call" if options.latency else ""
    if options.closed_loop:
        rows = [
            (NAMES[kind], bot_run(kind, options.people, concurrency=options.concurrency))
            for kind in ("kim", "presses", "echo")
        ]
        print(
            f"closed loop: {options.people} people, {options.concurrency} at a time, "
            f"{steps} answers each, {store}{delay}"
        )
        _table(rows)
        kim, presses, echo = (row for _, row in rows)
        print(
            f"CPU per answer KIM ÷ 3 calls: {kim['cpu_ms'] / presses['cpu_ms']:.2f}; "
            f"peak memory KIM ÷ echo: {kim['peak_mb'] / echo['peak_mb']:.2f} "
            f"(after start-up {kim['start_mb'] / echo['start_mb']:.2f}); "
            f"answers/s KIM ÷ echo: {kim['answers_per_s'] / echo['answers_per_s']:.2f}, "
            f"3 calls ÷ echo: {presses['answers_per_s'] / echo['answers_per_s']:.2f}"
        )
    for rate in options.open_loop:
        rows = [
            (NAMES[kind], bot_run(kind, options.people, rate=rate)) for kind in ("kim", "presses")
        ]
        print(
            f"open loop: {options.people} people answering {rate:g} answers/s in total "
            f"(each every {options.people / rate:g} s), {steps} answers each, {store}{delay}"
        )
        _table(rows)
    if options.closed_loop:
        alone = [
            (NAMES[kind], bot_run(kind, 3, concurrency=1)) for kind in ("kim", "presses", "echo")
        ]
        print(f"one person at a time, 3 people, {steps} answers each, {store}{delay}")
        _table(alone)


def _table(rows: list[tuple[str, dict[str, float]]]) -> None:
    print(
        f"{'':15} {'answers/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'start MB':>9}"
        f" {'peak MB':>8} {'CPU ms/answer':>13}"
    )
    for name, row in rows:
        print(
            f"{name:15} {row['answers_per_s']:10.1f} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f}"
            f" {row['p99_ms']:8.1f} {row['start_mb']:9.0f} {row['peak_mb']:8.0f}"
            f" {row['cpu_ms']:13.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
