"""Benchmark: a broadcast to thousands of people through `kim-intake run` at Telegram's limits.

    python3 kim.py bench bench/broadcast.py [--people 5000] [--rate 25] [--latency 0.15]
    python3 kim.py bench bench/broadcast.py --rate 1000 --paid

The fake Bot API server (tests/fakebot) runs in this process with Telegram's limits switched on
(30 free messages per second in total, 1,000 paid broadcasts, one per second per chat), every
call answered after `--latency` seconds; the bot runs as its own process, exactly as deployed,
with `broadcasts.rate_per_second` set to `--rate` (and `allow_paid_broadcast` to `--paid`).
Two broadcasts go out:

1. undisturbed: achieved messages per second ÷ configured rate, 429 answers, duplicates, losses,
   and the bot process's CPU time per message (from /proc/<pid>/stat);
2. the bot process is killed with SIGKILL half-way and started again: the same figures.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.service import utc_now  # noqa: E402
from storage import broadcasts as broadcast_store  # noqa: E402
from storage import respondents  # noqa: E402
from storage.db import create_engine, session_factory  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from tests.fakebot import FakeTelegram  # noqa: E402
from tests.fakebot.server import Call  # noqa: E402


@dataclass
class Figures:
    sent: int
    seconds: float
    rate: float
    count_429: int
    duplicates: int
    losses: int
    cpu_ms: tuple[float, float] | None = None  # CPU time per message: bot, fake server

    def show(self, configured: float) -> str:
        cpu = ""
        if self.cpu_ms is not None:
            bot, server = self.cpu_ms
            cpu = f"\n  CPU per message: bot {bot:.2f} ms, fake server {server:.2f} ms"
        return (
            f"  {self.sent} messages in {self.seconds:.1f} s = {self.rate:.2f}/s; "
            f"÷ configured {configured:g}/s = {self.rate / configured:.3f}\n"
            f"  429 answers: {self.count_429}   duplicates: {self.duplicates}   "
            f"losses: {self.losses}{cpu}"
        )


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Bench:
    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.fake = FakeTelegram()
        self.database_url = args.database_url or f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
        self.process: subprocess.Popen[bytes] | None = None
        self.chats: list[int] = []
        # (messages arrived, CPU seconds of the bot, of this process with the fake server)
        self.cpu: list[tuple[int, float, float]] = []
        # Chats each broadcast reached so far, kept as the calls come: going through all calls
        # ten times a second would hold the fake server up, and bunch up what it answers.
        self.reached: dict[str, set[int]] = {}
        self.fake.listeners.append(self.count)

    def count(self, call: Call) -> None:
        if call.method == "sendMessage" and call.status == 200:
            marker = str(call.params.get("text", ""))[:6]
            self.reached.setdefault(marker, set()).add(int(call.params["chat_id"]))

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "KIM_CONFIG": str(self.workdir / "config.yaml"),
            "KIM_BOT_TOKEN": self.fake.token,
            "KIM_TELEGRAM_API_URL": self.fake.base_url,
            "KIM_DATABASE_URL": self.database_url,
            "KIM_LOG_LEVEL": "WARNING",
        }

    async def prepare(self) -> None:
        await self.fake.start()
        self.fake.limits(total_per_second=30, per_chat_per_second=1, paid_per_second=1000)
        if self.args.latency:
            self.fake.slow_down("*", self.args.latency)
        config = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
        config["broadcasts"]["rate_per_second"] = self.args.rate
        config["broadcasts"]["allow_paid_broadcast"] = self.args.paid
        (self.workdir / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        await asyncio.to_thread(upgrade, self.database_url)
        engine = create_engine(self.database_url)
        now = utc_now()
        async with session_factory(engine)() as session, session.begin():
            for number in range(self.args.people):
                person = self.fake.person(f"P{number}", "de" if number % 3 else "en")
                await respondents.create_respondent(
                    session,
                    "telegram",
                    str(person.user_id),
                    chat_id=person.chat_id,
                    first_name=None,
                    language=person.language_code,
                    now=now,
                )
                self.chats.append(person.chat_id)
        await engine.dispose()

    async def cli(self, *arguments: str) -> None:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            *arguments,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
        )
        if await process.wait() != 0:
            raise SystemExit(f"kim-intake {' '.join(arguments)} failed")

    def start_bot(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=self.env
        )

    async def stop_bot(self, how: int) -> None:
        assert self.process is not None
        self.process.send_signal(how)
        await asyncio.to_thread(self.process.wait, 60)
        self.process = None

    def received(self, marker: str) -> list[tuple[int, float]]:
        """(chat, time) of every delivered message of one broadcast."""
        return [
            (int(call.params["chat_id"]), call.at)
            for call in self.fake.calls_to("sendMessage")
            if str(call.params.get("text", "")).startswith(marker)
        ]

    async def wait_for(self, marker: str, count: int, within: float) -> None:
        deadline = time.monotonic() + within
        while (arrived := len(self.reached.get(marker, ()))) < count:
            if time.monotonic() > deadline:
                raise SystemExit(f"only {len(self.received(marker))} of {count} arrived in time")
            self.sample_cpu(arrived)
            await asyncio.sleep(0.1)
        self.sample_cpu(arrived)

    def sample_cpu(self, arrived: int) -> None:
        """CPU time of the bot process while messages arrive (from the first one on)."""
        if self.process is not None and arrived:
            self.cpu.append((arrived, cpu_seconds(self.process.pid), cpu_seconds(os.getpid())))

    def cpu_per_message(self) -> tuple[float, float] | None:
        """Milliseconds of CPU per message of the bot and of the fake server's process, between
        the first and the last sample."""
        if len(self.cpu) < 2 or self.cpu[-1][0] == self.cpu[0][0]:
            return None
        (first, bot, server), (last, bot_end, server_end) = self.cpu[0], self.cpu[-1]
        return 1000 * (bot_end - bot) / (last - first), 1000 * (server_end - server) / (
            last - first
        )

    async def open_deliveries(self, broadcast_id: int) -> int:
        engine = create_engine(self.database_url)
        async with session_factory(engine)() as session:
            counts = await broadcast_store.delivery_counts(session, broadcast_id)
        await engine.dispose()
        return counts.open

    async def settled(self, broadcast_id: int, within: float) -> None:
        deadline = time.monotonic() + within
        while await self.open_deliveries(broadcast_id):
            if time.monotonic() > deadline:
                raise SystemExit("the outbox did not drain in time")
            await asyncio.sleep(0.5)

    def figures(self, marker: str, count_429: int, spans: list[list[float]]) -> Figures:
        received = self.received(marker)
        per_chat = Counter(chat for chat, _ in received)
        seconds = sum(max(span) - min(span) for span in spans if len(span) > 1)
        messages = sum(len(span) - 1 for span in spans if len(span) > 1)
        return Figures(
            sent=len(received),
            seconds=seconds,
            rate=messages / seconds if seconds else 0.0,
            count_429=count_429,
            duplicates=sum(n - 1 for n in per_chat.values() if n > 1),
            losses=sum(1 for chat in self.chats if per_chat[chat] == 0),
        )

    async def undisturbed(self) -> Figures:
        marker = "Lauf 1"
        await self.cli("broadcast", "send", "--text", f"{marker}: Offene Sprechstunde", "--yes")
        before = self.fake.count_429
        self.start_bot()
        self.cpu = []
        await self.wait_for(marker, len(self.chats), within=self.budget)
        cpu = self.cpu_per_message()
        await self.settled(1, within=60)
        await asyncio.sleep(2)  # anything arriving late would show as a duplicate
        await self.stop_bot(signal.SIGTERM)
        times = [at for _, at in self.received(marker)]
        figures = self.figures(marker, self.fake.count_429 - before, [times])
        figures.cpu_ms = cpu
        return figures

    async def killed_half_way(self) -> tuple[Figures, float, int]:
        marker = "Lauf 2"
        await self.cli("broadcast", "send", "--text", f"{marker}: Infoabend", "--yes")
        before = self.fake.count_429
        self.start_bot()
        await self.wait_for(marker, len(self.chats) // 2, within=self.budget)
        await self.stop_bot(signal.SIGKILL)
        killed_at = time.monotonic()  # the process is gone: later sends are the new one's
        self.start_bot()
        await self.wait_for(marker, len(self.chats), within=self.budget)
        await self.settled(2, within=60)
        await asyncio.sleep(2)
        await self.stop_bot(signal.SIGTERM)
        times = [at for _, at in self.received(marker)]
        first = [t for t in times if t <= killed_at]
        second = [t for t in times if t > killed_at]
        gap = (min(second) - killed_at) if second else 0.0
        engine = create_engine(self.database_url)
        async with session_factory(engine)() as session:
            reclaimed = (await broadcast_store.delivery_counts(session, 2)).reclaimed
        await engine.dispose()
        return self.figures(marker, self.fake.count_429 - before, [first, second]), gap, reclaimed

    @property
    def budget(self) -> float:
        return 60 + 3 * self.args.people / self.args.rate

    async def close(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
        await self.fake.stop()


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="kim-bench-") as folder:
        bench = Bench(args, Path(folder))
        try:
            print(f"Preparing {args.people} people …", flush=True)
            await bench.prepare()
            # The fake server keeps every call: without this, each full collection of this
            # process would go through them all and hold the server up in bursts.
            gc.collect()
            gc.freeze()
            print("Broadcast 1, undisturbed …", flush=True)
            first = await bench.undisturbed()
            print("Broadcast 2, SIGKILL half-way and restart …", flush=True)
            second, gap, reclaimed = await bench.killed_half_way()
        finally:
            await bench.close()
    database = "PostgreSQL" if "postgresql" in bench.database_url else "SQLite"
    print()
    paid = ", paid broadcasts" if args.paid else ""
    print(
        f"{args.people} people, configured {args.rate:g} messages/s{paid}, fake server limits "
        f"30/s free, 1,000/s paid and 1/s per chat, {args.latency * 1000:g} ms per call, "
        f"{database}"
    )
    print("1. undisturbed")
    print(first.show(args.rate))
    print("2. killed with SIGKILL half-way, restarted")
    print(second.show(args.rate) + "   (rate without the restart pause)")
    print(
        f"  restart pause: {gap:.1f} s; deliveries taken over from the killed process: "
        f"{reclaimed} (the possible duplicates)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=25.0, help="broadcasts.rate_per_second")
    parser.add_argument(
        "--paid", action="store_true", help="broadcasts.allow_paid_broadcast (rates above 30)"
    )
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds the fake server takes per call"
    )
    parser.add_argument("--database-url", help="default: a SQLite file in a temporary folder")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
