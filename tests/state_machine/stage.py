"""The real application over the fake Bot API server, kept running for many examples of a
stateful test: it pushes updates, waits until each is handled and answered, and collects faults.

It runs on an event loop in a thread of its own, always running as in production, and the
synchronous rules of a hypothesis state machine hand it their work.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiogram.types import Update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.telegram.app import Application, create_application, serve
from storage.db import create_engine, session_factory
from tests.fakebot import FakeTelegram, Person
from tests.fakebot.people import Group
from tests.fakebot.server import Chat
from tests.fixtures.bot import e2e_settings

T = TypeVar("T")
STOP_WITHIN = 15.0  # seconds; the bot's own grace for the updates in hand is 10
CONTENT = ("sticker", "photo", "voice", "video_note", "location", "document", "contact")

# Telegram refuses these edits too, but the renderer sends them on purpose and shrugs them off
# (a button pressed twice, a message gone): no fault.
TOLERATED_REFUSALS = {"editMessageText", "editMessageReplyMarkup", "deleteMessage"}


class Faults(logging.Handler):
    """Every log record at ERROR or above, and every record that carries a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info or "Traceback" in record.getMessage():
            self.records.append(record)


@dataclass
class Pushed:
    """An update sent to the bot, and what must follow it."""

    update_id: int
    kind: str  # message | press | member
    chat_id: int
    private: bool
    messages_before: int = 0
    query_id: str | None = None
    what: str = ""  # for the failure message: the command, the data pressed, or the kind

    def answered(self, fake: FakeTelegram) -> bool:
        """A message in a private chat: a new message there. A press: its answer. A change of
        membership (blocked, unblocked) or a message in a group: nothing is expected."""
        if self.kind == "press":
            return bool(fake.callback_answers.get(self.query_id or ""))
        if self.kind == "message" and self.private:
            return len(fake.chats[self.chat_id].messages) > self.messages_before
        return True


def pushed(fake: FakeTelegram, update: dict[str, Any]) -> Pushed:
    if "callback_query" in update:
        query = update["callback_query"]
        chat_id = query["message"]["chat"]["id"]
        return Pushed(
            update["update_id"],
            "press",
            chat_id,
            chat_id > 0,
            query_id=query["id"],
            what=repr(query["data"]),
        )
    if "my_chat_member" in update:
        member = update["my_chat_member"]
        chat_id = member["chat"]["id"]
        return Pushed(
            update["update_id"],
            "member",
            chat_id,
            chat_id > 0,
            what=member["new_chat_member"]["status"],
        )
    message = update["message"]
    chat_id = message["chat"]["id"]
    before = len(fake.chats[chat_id].messages)
    text = message.get("text")
    what = repr(text[:40]) if text is not None else next(k for k in message if k in CONTENT)
    if "reply_to_message" in message:
        what += " as a reply"
    return Pushed(
        update["update_id"], "message", chat_id, chat_id > 0, messages_before=before, what=what
    )


@dataclass
class Stage:
    """Started with `open()`; `restart()` replaces the application, the fake server and the
    database after an example that found a fault, so that the next example starts clean."""

    new_database: Callable[[], str]
    overrides: dict[str, Any] = field(default_factory=dict)
    answer_within: float = 5.0
    faults: Faults = field(default_factory=Faults)
    slowest: float = 0.0
    pushes: int = 0
    restarts: int = 0
    dirty: bool = False  # an example failed: the next one starts on a fresh application
    frozen: bool = False  # an update was not even handled in time: the bot may never stop
    first_fault: str | None = None  # what the first failing example found, and when
    seen: Counter[str] = field(default_factory=Counter)  # what people did, in which state
    database_url: str = ""
    loop: asyncio.AbstractEventLoop | None = None
    fake: FakeTelegram = field(default_factory=FakeTelegram)
    handled: set[int] = field(default_factory=set)
    app: Application | None = None
    group: Group | None = None
    sessions: async_sessionmaker[AsyncSession] | None = None
    _opened_at: float = field(default_factory=time.monotonic)
    _stop: asyncio.Event | None = None
    _serving: asyncio.Task[None] | None = None
    _read_engine: Any = None
    _thread: threading.Thread | None = None
    _abandoned: list[Any] = field(default_factory=list)

    # --- lifecycle ----------------------------------------------------------------------------

    def run(self, work: Coroutine[Any, Any, T], within: float = 60) -> T:
        """Run `work` on the application's loop and wait for its result."""
        assert self.loop is not None and threading.current_thread() is not self._thread
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=within)

    def open(self, team_title: str = "KIM Fallmanagement") -> None:
        logging.getLogger().addHandler(self.faults)
        self.database_url = self.new_database()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="stage", daemon=True)
        self._thread.start()
        self.fake, self.handled = FakeTelegram(), set()
        self.run(self.fake.start())
        self.group = self.fake.group(team_title)
        teams = [{"id": "kim", "name": team_title, "chat_id": self.group.chat_id, "default": True}]
        self.overrides["teams"] = teams
        self.run(self._start())

    def close(self) -> None:
        """Stop everything. A bot that froze is not waited for: its loop is stopped and left
        behind (with its tasks, so that nothing collects them half-way), never reused."""
        assert self.loop is not None
        try:
            if self.frozen:
                self.run(self._abandon(), within=2 * STOP_WITHIN + 5)
                self._abandoned.append((self.loop, self._thread, self.app, self.fake))
            else:
                self.run(self._stop_app(), within=3 * STOP_WITHIN + 5)
                self.run(self.fake.stop())
                self.run(self._read_engine.dispose())
        except Exception:
            self._abandoned.append((self.loop, self._thread, self.app, self.fake))
        finally:
            logging.getLogger().removeHandler(self.faults)
        self.loop.call_soon_threadsafe(self.loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=30)
        if not self._abandoned or self._abandoned[-1][0] is not self.loop:
            self.loop.close()
        self.frozen = False

    def restart(self) -> None:
        """What the broken bot logs on its way out belongs to the example that broke it."""
        self.close()
        self.forget_faults()
        self.open()
        self.restarts += 1

    @property
    def settings(self):
        assert self.app is not None
        return self.app.settings

    async def _start(self) -> None:
        settings = e2e_settings(self.fake, self.database_url, **self.overrides)
        self.app = app = await create_application(settings)
        self._read_engine = create_engine(self.database_url)
        self.sessions = session_factory(self._read_engine)
        feed = app.dispatcher.feed_update

        async def feed_and_note(bot, update: Update, **kwargs: Any) -> Any:
            # Observes the real handling: done (or abandoned) once the dispatcher returns.
            try:
                return await feed(bot, update, **kwargs)
            finally:
                self.handled.add(update.update_id)

        app.dispatcher.feed_update = feed_and_note  # type: ignore[method-assign]
        self._stop = asyncio.Event()
        self._serving = asyncio.create_task(serve(app, self._stop))
        serving = self._serving
        await self.fake.wait_until(lambda: self.fake.calls_to("getUpdates") or serving.done(), 30)
        if serving.done():
            serving.result()  # raises what stopped the bot before it polled

    async def _abandon(self) -> None:
        """Cancel everything on the frozen bot's loop, as a kill would: a transaction it holds
        may hold the database too, and its scheduler thread waits for that to stop."""
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks, timeout=STOP_WITHIN)
        if self.app is not None:
            await asyncio.wait_for(self.app.dispatcher["scheduler"].stop(), timeout=STOP_WITHIN)

    async def _stop_app(self) -> None:
        if self.app is None or self._stop is None or self._serving is None:
            return
        self._stop.set()
        try:
            await asyncio.wait_for(self._serving, timeout=STOP_WITHIN)
        except TimeoutError:
            await self._abandon()  # it froze after all
            raise
        await self.app.close()
        self.app = None

    # --- people -------------------------------------------------------------------------------

    def person(self, first_name: str, language_code: str | None, user_id: int | None = None):
        if user_id is None:
            return self.fake.person(first_name, language_code)
        self.fake.chats.setdefault(user_id, Chat(user_id, "private"))
        return Person(self.fake, user_id, first_name, language_code)

    async def read(self, query: Callable[[AsyncSession], Awaitable[T]]) -> T:
        assert self.sessions is not None
        async with self.sessions() as session:
            return await query(session)

    # --- steps --------------------------------------------------------------------------------

    def step(self, *sends: Callable[[], dict[str, Any] | None]) -> list[Pushed]:
        """Push updates at the same moment; return once each is handled and answered."""
        return self.run(self.push_and_wait(*sends), within=self.answer_within + 10)

    async def push_and_wait(self, *sends: Callable[[], dict[str, Any] | None]) -> list[Pushed]:
        started = asyncio.get_running_loop().time()
        updates = [send() for send in sends]
        expected = [pushed(self.fake, update) for update in updates if update is not None]
        self.pushes += len(expected)
        deadline = started + self.answer_within
        while not all(self._done(p) for p in expected) and not self.faults.records:
            if asyncio.get_running_loop().time() >= deadline:
                self.frozen = any(p.update_id not in self.handled for p in expected)
                raise AssertionError(self._unanswered(expected))
            await asyncio.sleep(0.005)
        self.slowest = max(self.slowest, asyncio.get_running_loop().time() - started)
        self.check()
        return expected

    def _done(self, expected: Pushed) -> bool:
        return expected.update_id in self.handled and expected.answered(self.fake)

    def _unanswered(self, expected: list[Pushed]) -> str:
        late = [p for p in expected if not self._done(p)]
        return f"not handled and answered within {self.answer_within} s: " + ", ".join(
            f"update {p.update_id} ({p.kind} {p.what} in chat {p.chat_id}, "
            f"{'handled' if p.update_id in self.handled else 'not handled'})"
            for p in late
        )

    def check(self) -> None:
        """Nothing logged as an error, no traceback, no request Telegram would refuse."""
        if self.faults.records:
            record = self.faults.records[0]
            detail = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                error = record.exc_info[1]
                detail += f" ({type(error).__name__}: {error})"
            raise AssertionError(
                f"{len(self.faults.records)} fault(s) logged; first by {record.name}: {detail}"
            )
        assert not self.fake.violations, self.fake.violations
        refused = [
            f"{c.method} answered {c.status}"
            for c in self.fake.calls
            if c.status == 400 and c.method not in TOLERATED_REFUSALS
        ]
        assert not refused, refused

    def failed(self, error: BaseException) -> None:
        self.dirty = True
        if self.first_fault is None:
            seconds = time.monotonic() - self._opened_at
            self.first_fault = f"after {seconds:.1f} s: {type(error).__name__}: {error}"

    def summary(self) -> str:
        found = f"; first fault {self.first_fault}" if self.first_fault else ""
        done = ", ".join(f"{what} ×{count}" for what, count in sorted(self.seen.items()))
        return (
            f"{self.pushes} updates, slowest step {self.slowest:.2f} s, "
            f"{self.restarts} restarts{found}\n{done}"
        )

    def forget_faults(self) -> None:
        """After a failed example: its faults are reported, the next example starts clean."""
        self.faults.records.clear()
        self.fake.violations.clear()
        self.fake.calls = [c for c in self.fake.calls if c.status != 400]
