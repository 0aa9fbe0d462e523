"""What the simulated people of tests/state_machine/test_state_machine.py send: commands, texts,
forged callback data, and their next step through the questionnaire."""

from __future__ import annotations

from bot.flows.schema import Flow, QuestionType
from bot.telegram.callbacks import pack
from bot.ui.model import Choose, Navigate, Review, Toggle
from storage.models import Interview
from tests.casework.test_casework_e2e import homeless_with_phone
from tests.fakebot.server import SentMessage
from tests.fixtures.bot import default_answer

COMMANDS = (
    *("/start", "/help", "/language", "/restart", "/privacy", "/mydata", "/delete", "/stop"),
    # "/start@kim_intake_test_bot" joins once test_found_by_state_machine_e2e.py's
    # test_a_command_addressed_to_the_bot_by_name_is_answered passes.
    *("/frobnicate", "/start kampagne-2026"),
    *("/cases", "/case 1", "/write 1 Hallo", "/close 1", "/register ABCDE-FGHJK"),
    *("/stats", "/broadcast", "/broadcasts"),
)
TEXTS = {
    "invalid": ("abc", "-3", "99999", "13/2021", "1,5"),
    "huge": ("Sehr lange Antwort " * 264,),  # 5,016 characters: more than one message holds
    "blank": ("\u00a0\u200b", "\u3164"),  # what phones send for "empty"
    "rtl": ("أحتاج مساعدة في السكن", "من در اسپیش زندگی می‌کنم"),
    "emoji": ("👍🏽🎉", "❤️‍🔥 3 👨‍👩‍👧‍👦"),
}
BROADCAST_TEXTS = ("Sprechstunde am Montag, 10 Uhr", "03.12.2099 17:30", "gestern")
UNSUPPORTED = ("sticker", "photo", "voice", "video_note", "location", "document", "contact")
FORGED = (
    "garbage",
    "x" * 64,
    "l:xx",
    "c:xx:1",
    "k:nothing:1",
    "s:0",
    "e:99999",
    "a:1:district:spich",  # someone else's interview
    "w:claim:99999:",
    "w:outcome:1:bogus",
    "bc:zzz:",
    "bc:value:de",
)


def datas(message: SentMessage) -> list[str]:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in rows for button in row if "callback_data" in button]


def wrong_ids(data: str) -> str:
    """Valid-looking callback data with other ids: a number changed, a word replaced."""
    parts = data.split(":")
    for number, part in enumerate(parts[1:], start=1):
        if part.isdigit():
            parts[number] = str(int(part) + 100_000)
            return ":".join(parts)
    return ":".join([*parts[:-1], "nope"]) if len(parts) > 1 else data + ":1"


def next_moves(interview: Interview, flow: Flow) -> list[tuple[bool, str]]:
    """What a person does next: (False, callback data) to press, (True, text) to type."""
    if interview.position is None:
        return [(False, pack(Review(interview.id, "finish")))]
    question = flow.question(interview.position)
    value = homeless_with_phone(question)
    if question.type is QuestionType.multiple:
        chosen = set((interview.selection or "").split())
        toggles = [pack(Toggle(interview.id, question.id, c)) for c in value if c not in chosen]
        done = pack(Navigate(interview.id, question.id, "done"))
        return [(False, data) for data in (*toggles, done)]
    if question.has_choices:
        return [(False, pack(Choose(interview.id, question.id, value)))]
    return [(True, value if isinstance(value, str) else str(default_answer(question)))]
