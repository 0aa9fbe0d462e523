"""What a person chose to be called, typed or wrote reaches staff without hidden characters: the
cleaning function itself, every staff text of a case built from hostile input, and the service."""

from __future__ import annotations

import inspect
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.casework import texts as case_notices
from bot.casework.texts import CaseView
from bot.core.config import load_settings
from bot.core.service import Event, Person
from bot.flows import engine
from bot.flows.loader import load_configured_flow
from bot.flows.schema import Priority
from bot.ui.model import Button, ClaimCase
from bot.ui.staff_text import for_staff
from storage import interviews, respondents
from storage.casework import Case, CaseFlag, Staff
from storage.models import Respondent
from tests.fixtures.outbox import Recorder, drain

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = load_settings(ROOT / "config.yaml")
FLOW = load_configured_flow(SETTINGS)
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

BIDI = [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
# NUL, bell, escape, delete, a C1 control, soft hyphen, a tag, an Arabic number sign, an
# interlinear annotation anchor: controls (Cc) and format characters (Cf) of other kinds.
OTHER = ["\x00", "\x07", "\x1b", "\x7f", "\x9b", "\u00ad", "\U000e0041", "\u0600", "\ufff9"]
REMOVED = BIDI + ZERO_WIDTH + OTHER
BREAKS = ["\n", "\r\n", "\r", "\u2028", "\u2029", "\x0b", "\x0c", "\x85"]

visible_text = st.text(st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp")))
removed_text = st.text(st.sampled_from(REMOVED))
hostile_text = st.lists(
    st.one_of(st.sampled_from([*REMOVED, *BREAKS, "\t"]), st.characters()), max_size=40
).map("".join)


def forbidden(text: str) -> list[str]:
    """The characters of `text` that must never reach staff (newlines are the texts' own)."""
    return [
        f"U+{ord(c):04X}"
        for c in text
        if c != "\n" and (unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp"))
    ]


def visible(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Zl", "Zp"))


def in_order(part: str, whole: str) -> bool:
    rest = iter(whole)
    return all(char in rest for char in part)


# --- The function -------------------------------------------------------------------------------


@given(st.lists(st.tuples(visible_text, removed_text), max_size=8))
def test_hidden_characters_are_removed_and_every_visible_one_kept_in_order(pieces):
    raw = "".join(v + h for v, h in pieces)
    shown = "".join(v for v, _ in pieces)
    assert for_staff(raw) == shown
    assert for_staff(raw, multiline=True) == shown


@given(hostile_text)
def test_nothing_hidden_and_no_line_break_survives_and_cleaning_twice_changes_nothing(text):
    line = for_staff(text)
    assert forbidden(line) == [] and "\n" not in line
    assert forbidden(for_staff(text, multiline=True)) == []
    assert for_staff(line) == line


def test_an_override_cannot_turn_a_name_around():
    assert for_staff("Ali\u202eevil\u200b") == "Alievil"
    assert for_staff("\u2067Amina\u2069\u200f") == "Amina"


def test_a_line_break_ends_a_line_only_in_a_message():
    for line_break in BREAKS:
        assert for_staff(f"12{line_break}✅ Übernommen") == "12 ✅ Übernommen"
        assert for_staff(f"Hallo{line_break}Gruß", multiline=True) == "Hallo\nGruß"
    assert for_staff("a\tb") == "a b"


def test_honest_names_and_answers_stay_as_they_are():
    for text in ("Amina", "أمينة", "Zoë-Ćwik", "0176 1234567", "Straße 5 🙂", "Марія"):
        assert for_staff(text) == text
    assert for_staff(None) == ""


# --- Every staff text of a case -----------------------------------------------------------------


def hostile_view(name: str, typed: str, staff_name: str, status: str) -> CaseView:
    case = Case(
        id=1,
        respondent_id=1,
        interview_id=1,
        language="ar",
        district="spich",
        priority="urgent",
        team="kim",
        status=status,
        outcome="counselled",
        assignee_id=None if status == "new" else 1,
        created_at=NOW,
        updated_at=NOW,
        claimed_at=NOW,
        closed_at=NOW,
    )
    flag = CaseFlag(
        case_id=1,
        rule_id="homeless",
        question_id="housing_type",
        field="housing",
        priority="urgent",
        reason="keine Wohnung",
        raised_at=NOW,
    )
    staff = Staff(
        id=1, telegram_user_id=11, name=staff_name, role="caseworker", team="kim", created_at=NOW
    )
    answers = {
        "housing_type": ("homeless", False),
        "contact_way": ("phone", False),
        "phone": (typed, False),
    }
    return CaseView(case, [flag], name, 42, answers, None if status == "new" else staff)


def staff_text_builders():
    """Every public function of bot/casework/texts.py: a new staff text is walked without asking."""
    return [
        function
        for name, function in inspect.getmembers(case_notices, inspect.isfunction)
        if function.__module__ == case_notices.__name__ and not name.startswith("_")
    ]


def arguments(function, view: CaseView, text: str) -> dict[str, object]:
    known = {
        "settings": SETTINGS,
        "flow": FLOW,
        "view": view,
        "case": view.case,
        "cases": [view.case],
        "now": NOW,
        "question_id": "phone",
        "case_id": view.case.id,
        "team_id": view.case.team,
        "first_name": text,
        "text": text,
        "offers": [text],  # lines of the directory's offers, as a provider wrote them
    }
    wanted = inspect.signature(function).parameters
    missing = [p for p in wanted if p not in known]
    assert not missing, f"{function.__name__}: give the walk a hostile value for {missing}"
    return {p: known[p] for p in wanted}


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [s for item in value for s in strings(item)]
    if isinstance(value, Button):
        return [value.label, *(v for v in vars(value.action).values() if isinstance(v, str))]
    return []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=hostile_text,
    typed=hostile_text,
    staff_name=hostile_text,
    status=st.sampled_from(["new", "claimed", "closed"]),
)
def test_no_staff_text_of_a_case_shows_a_hidden_character_whatever_the_person_typed(
    name, typed, staff_name, status
):
    view = hostile_view(name, typed, staff_name, status)
    plain = hostile_view("Amina", "0176", "Carla", status)
    for function in staff_text_builders():
        for text in strings(function(**arguments(function, view, name))):
            assert forbidden(text) == [], function.__name__
    notice = case_notices.notice_text(SETTINGS, FLOW, view)
    # The person's name and answer are all there, and cannot add a line of their own.
    assert in_order(visible(name), notice.split("\n")[0])
    assert in_order(visible(typed), notice)
    assert notice.count("\n") == case_notices.notice_text(SETTINGS, FLOW, plain).count("\n")
    reply = case_notices.reply_text(view.case, name, typed)
    assert "\n" not in reply.split("\n\n")[0]


# --- The service --------------------------------------------------------------------------------

HOSTILE_NAME = "Ali\u202eevil\u200b"
HOSTILE_TEXT = "Ich bin\u2066 zu Hause\u2069\x00\r\n\u202eGruß\ufeff"


async def test_the_persons_name_and_message_reach_the_caseworker_cleaned(services, sessions, clock):
    clock.set(NOW)
    casework, contact, channel = services.casework, services.contact, Recorder(first_id=99)
    async with sessions() as session, session.begin():
        respondent = await respondents.create_respondent(
            session, "telegram", "7", chat_id=7, first_name=HOSTILE_NAME, language="ar", now=NOW
        )
        interview = await interviews.start_interview(session, respondent.id, "needs", 1, NOW)
        flag = engine.Flag("homeless", "housing_type", "housing", Priority.urgent, "keine Wohnung")
        await casework.handover(session, respondent, interview, [flag])
        session.add_all(
            [
                Staff(
                    telegram_user_id=11,
                    name="Carla\u202e",
                    role="caseworker",
                    team="kim",
                    created_at=NOW,
                ),
                Staff(
                    telegram_user_id=12, name="Olaf", role="caseworker", team="kim", created_at=NOW
                ),
            ]
        )
    await drain(services, channel)  # the notice
    person = Person("telegram", "7", chat_id=7, first_name=HOSTILE_NAME)

    claimed = await casework.act(11, ClaimCase(1), Event(1))
    taken = await casework.act(12, ClaimCase(1), Event(2))
    assert await contact.from_person(person, HOSTILE_TEXT, Event(3))
    await contact.end_contact(person, 1, Event(4))
    refused = await contact.write_to_person(11, 1, "Hallo", Event(5))
    text, ended = [w.text for w in await drain(services, channel) if w.chat_id == 11]

    assert (
        claimed.messages[0].parts[0].startswith("Fall #1 gehört jetzt Ihnen (Alievil, Arabisch).")
    )
    assert "Übernommen von Carla am" in claimed.edits[0].screen.parts[0]
    assert taken.toast == "Schon übernommen von Carla."
    assert text == "✉️ Fall #1 – Antwort von Alievil (Arabisch):\n\nIch bin zu Hause\nGruß"
    assert ended.split(" hat ")[0] == "Fall #1: Alievil"
    assert refused == "Alievil hat den Kontakt beendet. Die Nachricht wurde nicht gesendet."
    shown = [
        claimed.messages[0].parts[0],
        claimed.edits[0].screen.parts[0],
        taken.toast,
        text,
        ended,
        refused,
    ]
    assert [forbidden(t) for t in shown] == [[]] * len(shown)
    async with sessions() as session:  # stored as Telegram sent it: /mydata shows it so
        assert (await session.get(Respondent, 1)).first_name == HOSTILE_NAME
