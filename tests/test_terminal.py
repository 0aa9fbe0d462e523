"""`kim-intake chat`: someone types into the terminal and completes the questionnaire."""

from __future__ import annotations

import asyncio
import os
import re
import sys

from bot.answers import choice_label, question_text
from bot.config import load_settings
from bot.flows import engine
from bot.flows.loader import load_configured_flow
from bot.flows.schema import QuestionType
from bot.i18n import Msg
from bot.prompts import DONE
from bot.screens import label_text
from tests.e2e import ROOT, default_answer

BUTTON = re.compile(r"^  \[([a-z])\] (.*)$", re.M)


class Terminal:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.screen = ""

    async def read_until_prompt(self) -> str:
        """Everything printed until the program waits for input."""
        output = b""
        while not output.endswith(b"> "):
            chunk = await asyncio.wait_for(self.process.stdout.read(4096), timeout=30)
            assert chunk, "the chat ended early:\n" + output.decode()
            output += chunk
        self.screen = output.decode()
        return self.screen

    def key(self, label: str) -> str:
        keys = {text: key for key, text in BUTTON.findall(self.screen)}
        assert label in keys, (label, keys)
        return keys[label]

    async def type(self, line: str) -> str:
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()
        return await self.read_until_prompt()


async def test_chat_walks_through_the_whole_questionnaire_in_the_terminal(tmp_path):
    settings = load_settings(ROOT / "config.yaml")
    flow = load_configured_flow(settings)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIM_")}
    env["KIM_CONFIG"] = str(ROOT / "config.yaml")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "chat", "--lang", "de", cwd=tmp_path, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    terminal = Terminal(process)
    await terminal.read_until_prompt()
    await terminal.type(terminal.key("Deutsch"))
    await terminal.type(terminal.key("✅ Ich bin einverstanden"))
    answers: dict = {}
    while (question := engine.next_question(flow, answers)) is not None:
        assert label_text(question_text(flow, question), "de") in terminal.screen
        value = default_answer(question)
        if question.type is QuestionType.multiple:
            await terminal.type(
                terminal.key(label_text(choice_label(flow, question, value[0]), "de"))
            )
            await terminal.type(terminal.key(label_text(Msg(DONE), "de")))
            value = frozenset(value)
        elif question.has_choices:
            await terminal.type(terminal.key(label_text(choice_label(flow, question, value), "de")))
        else:
            await terminal.type(value)
            value = engine.decode_answer(question, value)
        answers = engine.apply_answer(flow, answers, question.id, value)
    assert "Hier sind Ihre Antworten" in terminal.screen
    await terminal.type(terminal.key("✅ Antworten abschicken"))
    assert "Danke! Ihre Antworten sind gespeichert." in terminal.screen
    process.stdin.write(b"/quit\n")
    await process.stdin.drain()
    assert await asyncio.wait_for(process.wait(), timeout=30) == 0
