"""`kim-intake chat`: someone types into the terminal and completes the questionnaire."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from bot.cli.chat import GOODBYE
from bot.core.config import load_settings
from bot.core.i18n import Msg
from bot.flows import engine
from bot.flows.loader import load_configured_flow
from bot.flows.schema import Flow, Question, QuestionType
from bot.intake.offers import NO_SUGGESTIONS
from bot.intake.screens import DONE
from bot.intake.texts import ALREADY_DONE, CHOOSE_LANGUAGE, REASONS
from bot.ui.labels import choice_label, question_text
from bot.ui.text import label_text
from tests.fixtures.bot import ROOT, default_answer

BUTTON = re.compile(r"^  \[([a-z]+)\] (.*)$", re.M)


class Terminal:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.screen = ""

    async def read_until_prompt(self) -> str:
        """Everything printed until the program waits for input."""
        output = b""
        while not output.endswith(b"> "):
            chunk = await asyncio.wait_for(self.process.stdout.read(4096), timeout=60)
            assert chunk, "the chat ended early:\n" + output.decode()
            output += chunk
        self.screen = output.decode()
        return self.screen

    async def read_to_the_end(self) -> tuple[str, str, int]:
        """What is still printed (stdout, stderr) and the exit status."""
        out, err = await asyncio.wait_for(self.process.communicate(), timeout=60)
        return out.decode(), err.decode(), self.process.returncode

    def key(self, label: str) -> str:
        """The key of the button with this label (ticked or not)."""
        keys = {text.removeprefix("✓ "): key for key, text in BUTTON.findall(self.screen)}
        assert label in keys, (label, keys)
        return keys[label]

    async def type(self, line: str) -> str:
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()
        return await self.read_until_prompt()

    async def press(self, label: str) -> str:
        return await self.type(self.key(label))

    async def answer(self, flow: Flow, question: Question) -> engine.AnswerValue:
        value = default_answer(question)
        if question.type is QuestionType.multiple:
            await self.press(label_text(choice_label(flow, question, value[0]), "de"))
            await self.press(label_text(Msg(DONE), "de"))
            return frozenset(value)
        if question.has_choices:
            await self.press(label_text(choice_label(flow, question, value), "de"))
            return value
        await self.type(value)
        return engine.decode_answer(question, value)


def reading_stdin(pid: int) -> bool:
    """Whether the process, or its child, sits in read() on its stdin pipe (Linux's /proc)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [pid, *map(int, children.read_text().split())] if children.exists() else [pid]
    return any("pipe_read" in Path(f"/proc/{p}/wchan").read_text() for p in pids)


async def waiting_for_input(pid: int) -> None:
    """Until the chat reads: a Ctrl-C after the prompt but just before the read would wait for
    the next line (as in every program), which a test could hit and a person cannot."""
    for _ in range(600):
        if reading_stdin(pid):
            return
        await asyncio.sleep(0.05)


async def start_chat(cwd, *command: str, new_session: bool = False) -> Terminal:
    # KIM_VENV stays: `kim.py chat` must find the environment this test run was given.
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIM_") or k == "KIM_VENV"}
    env["KIM_CONFIG"] = str(ROOT / "config.yaml")
    command = command or (sys.executable, "-m", "bot", "chat", "--lang", "de")
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=new_session,
    )
    terminal = Terminal(process)
    await terminal.read_until_prompt()
    return terminal


async def walk_to_the_summary(terminal: Terminal, flow: Flow) -> dict:
    await terminal.press("Deutsch")
    await terminal.press("✅ Ich bin einverstanden")
    answers: dict = {}
    while (question := engine.next_question(flow, answers)) is not None:
        assert label_text(question_text(flow, question), "de") in terminal.screen
        value = await terminal.answer(flow, question)
        answers = engine.apply_answer(flow, answers, question.id, value)
    assert "Hier sind Ihre Antworten" in terminal.screen
    return answers


async def test_chat_walks_through_the_whole_questionnaire_in_the_terminal(tmp_path):
    flow = load_configured_flow(load_settings(ROOT / "config.yaml"))
    terminal = await start_chat(tmp_path)
    await walk_to_the_summary(terminal, flow)
    await terminal.press("✅ Antworten abschicken")
    assert "Danke! Ihre Antworten sind gespeichert." in terminal.screen
    terminal.process.stdin.write(b"/quit\n")
    out, err, status = await terminal.read_to_the_end()
    assert (status, err) == (0, "")
    assert "Auf Wiedersehen!" in out


async def test_any_answer_of_a_long_summary_can_be_changed_and_typing_after_the_end_makes_sense(
    tmp_path,
):
    flow = load_configured_flow(load_settings(ROOT / "config.yaml"))
    terminal = await start_chat(tmp_path)
    answers = await walk_to_the_summary(terminal, flow)
    answered = [question for question in flow.questions if question.id in answers]
    assert len(answered) > 26  # more buttons than letters

    await terminal.press("✏️ Eine Antwort ändern")
    last = answered[-1]
    assert (
        terminal.key(str(len(answered))) == "a" + "abcdefghijklmnopqrstuvwxyz"[len(answered) - 27]
    )
    await terminal.press(str(len(answered)))
    assert label_text(question_text(flow, last), "de") in terminal.screen
    if last.type is QuestionType.multiple:  # the earlier choices are ticked: keep them
        await terminal.press(label_text(Msg(DONE), "de"))
    else:
        await terminal.answer(flow, last)
    assert "Hier sind Ihre Antworten" in terminal.screen
    await terminal.press("✅ Antworten abschicken")

    await terminal.type("Hallo, ist noch jemand da?")
    assert label_text(Msg(ALREADY_DONE), "de") in terminal.screen
    assert label_text(Msg(REASONS["use_buttons"]), "de") not in terminal.screen
    assert "/restart" in terminal.screen
    assert not BUTTON.findall(terminal.screen)
    terminal.process.stdin.close()
    _, err, status = await terminal.read_to_the_end()
    assert (status, err) == (0, "")


async def test_ctrl_c_says_goodbye_in_the_persons_language_and_ends_with_status_130(tmp_path):
    terminal = await start_chat(tmp_path)
    await terminal.press("English")
    await waiting_for_input(terminal.process.pid)
    terminal.process.send_signal(signal.SIGINT)  # what Ctrl-C in a terminal sends
    out, err, status = await terminal.read_to_the_end()
    assert status == 130
    assert label_text(Msg(GOODBYE), "en") in out
    assert "Traceback" not in err


async def test_the_end_of_input_says_goodbye_and_ends_with_status_0(tmp_path):
    terminal = await start_chat(tmp_path)
    terminal.process.stdin.close()  # Ctrl-D
    out, err, status = await terminal.read_to_the_end()
    assert status == 0
    assert out.rstrip().endswith("Auf Wiedersehen!")
    assert err == ""


async def test_ctrl_c_in_kim_py_chat_ends_the_chat_without_a_traceback(tmp_path):
    """`python3 kim.py chat` runs the chat as a child; a terminal's Ctrl-C reaches both."""
    terminal = await start_chat(
        tmp_path, sys.executable, str(ROOT / "kim.py"), "chat", "--lang", "de", new_session=True
    )
    await waiting_for_input(terminal.process.pid)
    os.killpg(terminal.process.pid, signal.SIGINT)
    out, err, status = await terminal.read_to_the_end()
    assert status == 130
    assert "Auf Wiedersehen!" in out
    assert "Traceback" not in err


def test_a_flow_file_that_is_not_there_is_named_without_a_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIM_")}
    env["KIM_CONFIG"] = str(ROOT / "config.yaml")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--flow", "draft.yaml"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "draft.yaml: file not found" in result.stderr
    assert "Traceback" not in result.stderr


async def test_offers_in_the_terminal_comes_after_the_end_and_says_when_none_fits(tmp_path):
    flow = load_configured_flow(load_settings(ROOT / "config.yaml"))
    terminal = await start_chat(tmp_path)
    await terminal.press("Deutsch")
    await terminal.type("/offers")
    assert label_text(Msg(CHOOSE_LANGUAGE), "de") in terminal.screen  # nobody is known yet
    await walk_to_the_summary(terminal, flow)
    await terminal.press("✅ Antworten abschicken")
    await terminal.type("/offers")
    assert (
        label_text(Msg(NO_SUGGESTIONS["no_offers"]), "de") in terminal.screen
    )  # the directory is empty
    await terminal.type("/help")
    assert "/offers – passende Angebote ansehen" in terminal.screen
