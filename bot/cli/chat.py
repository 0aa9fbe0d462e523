"""`kim-intake chat`: the questionnaire in a terminal, through the same services as Telegram.

Buttons are keyed by letters (a to z, then aa, ab, …); type them to press one, or type an answer.
Answers go to a throw-away SQLite database in a temporary folder, so a preview never touches real
data. /quit and the end of input (Ctrl-D) end it with status 0, Ctrl-C with 130 (as shells do).
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec

from bot.app import Services
from bot.core.config import Settings, load_settings
from bot.core.i18n import N_, Msg
from bot.core.service import Event, Person
from bot.flows.loader import load_configured_flow, load_flow
from bot.flows.schema import Flow
from bot.ui.model import Action, Confirm, Reply, Screen
from bot.ui.text import button_label, label_text, screen_text

QUIT = {"/quit", "/exit", "/q"}
KEYS = "abcdefghijklmnopqrstuvwxyz"
P = ParamSpec("P")
PROMPT = "> "
INTRO = "KIM Intake — type a letter to press a button, or type your answer. /quit ends."
GOODBYE = N_("Auf Wiedersehen!")


def button_key(index: int) -> str:
    """The letters that press the index-th button: a … z, aa … az, ba … (as spreadsheet columns)."""
    key = ""
    index += 1
    while index:
        index, letter = divmod(index - 1, len(KEYS))
        key = KEYS[letter] + key
    return key


class TerminalChat:
    """One person at a keyboard; `say` prints, `read` gets the next line (None at the end)."""

    def __init__(self, services: Services, language: str, say: Callable[[str], None]):
        self.conversation = services.conversation
        self.data_rights = services.data_rights
        self.person = Person("terminal", "local", chat_id=1, device_language=language)
        self.say = say
        self.language = language
        self.keys: dict[str, Action] = {}

    def show(self, reply: Reply) -> None:
        self.language = reply.language
        if reply.retire is not None:
            self.keys = {}  # the message acted on has lost its buttons
        if reply.toast is not None:
            self.say(f"({screen_text(Screen((reply.toast,)), reply.language)})")
        screens = [*reply.messages, *([reply.prompt] if reply.prompt else [])]
        for screen in screens:
            self.say(screen_text(screen, reply.language))
            self.say("")
            if screen.buttons:
                self.keys = {}
                for button in (button for row in screen.buttons for button in row):
                    key = button_key(len(self.keys))
                    self.keys[key] = button.action
                    self.say(f"  [{key}] {button_label(button, reply.language)}")
                self.say("")
        if reply.document is not None:
            self.say(reply.document.content.decode("utf-8"))

    async def handle(self, line: str) -> None:
        line = line.strip()
        person, event = self.person, Event()
        commands = {
            "/start": lambda: self.conversation.start(person, event),
            "/help": lambda: self.conversation.help(person),
            "/language": lambda: self.conversation.change_language(person),
            "/privacy": lambda: self.conversation.privacy(person),
            "/restart": lambda: self.conversation.ask_restart(person),
            "/offers": lambda: self.conversation.show_offers(person),
            "/mydata": lambda: self.data_rights.my_data(person),
            "/delete": lambda: self.data_rights.ask_delete(person),
            "/stop": lambda: self.data_rights.stop(person, event),
        }
        if line in commands:
            self.show(await commands[line]())
        elif line in self.keys:
            self.show(await self.press(self.keys[line]))
        else:
            self.show(await self.conversation.text(person, line, event))

    async def press(self, action: Action) -> Reply:
        person, event = self.person, Event()
        if isinstance(action, Confirm):
            if action.what == "delete":
                return await self.data_rights.delete(person, action.yes, event)
            return await self.conversation.restart(person, action.yes, event)
        return await self.conversation.press(person, action, event)


def _interrupted_only_in_input(talk: Callable[P, int]) -> Callable[P, int]:
    """`talk` with Ctrl-C's SIGINT blocked but while it waits for input."""

    @functools.wraps(talk)
    def talking(*args: P.args, **kwargs: P.kwargs) -> int:
        # Ctrl-C's SIGINT goes to any thread of the process that does not block it; blocked
        # here, it is blocked in the database threads started from here on too, and reaches the
        # main thread when `_read` opens it, interrupting input() there.
        _mask_sigint(signal.SIG_BLOCK)
        try:
            return talk(*args, **kwargs)
        finally:
            _mask_sigint(signal.SIG_UNBLOCK)

    return talking


def _mask_sigint(how: int) -> None:
    if hasattr(signal, "pthread_sigmask"):  # POSIX; elsewhere SIGINT reaches the main thread
        signal.pthread_sigmask(how, {signal.SIGINT})


def _read(read: Callable[[], str | None]) -> str | None:
    """A line, or None at the end; a Ctrl-C during a reply arrives here, as KeyboardInterrupt."""
    _mask_sigint(signal.SIG_UNBLOCK)
    try:
        return read()
    finally:
        _mask_sigint(signal.SIG_BLOCK)


@_interrupted_only_in_input
def chat(
    settings: Settings,
    flow: Flow,
    language: str,
    read: Callable[[], str | None],
    say: Callable[[str], None],
    database_dir: Path,
) -> int:
    """Talk until /quit or the end of input (status 0) or Ctrl-C (130); then say goodbye."""
    url = f"sqlite+aiosqlite:///{database_dir / 'chat.db'}"
    with asyncio.Runner() as runner:
        services = runner.run(Services.open(settings, database_url=url, flow=flow))
        terminal = TerminalChat(services, language, say)
        status = 0
        try:
            say(INTRO)
            runner.run(terminal.handle("/start"))
            while (line := _read(read)) is not None and line.strip() not in QUIT:
                runner.run(terminal.handle(line))
            if line is None:
                say("")
        except KeyboardInterrupt:
            say("")
            status = 130
        finally:
            runner.run(services.close())
    say(label_text(Msg(GOODBYE), terminal.language))
    return status


def command_chat(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.lang not in settings.languages:
        known = ", ".join(settings.languages)
        print(f"Language {args.lang!r} is not enabled in config.yaml ({known}).", file=sys.stderr)
        return 1
    flow = load_flow(Path(args.flow), settings.districts, settings.field_ids) if args.flow else None
    flow = flow or load_configured_flow(settings)

    def read() -> str | None:
        try:
            return input(PROMPT)
        except EOFError:
            return None

    with tempfile.TemporaryDirectory(prefix="kim-chat-") as folder:
        return chat(settings, flow, args.lang, read, print, Path(folder))
