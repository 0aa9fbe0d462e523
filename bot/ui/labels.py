"""How a stored answer reads: labels for choices, numbers, dates, phone numbers and skipped
questions. One place for this, used by the person's summary, /mydata, caseworker notices and
exports.
"""

from __future__ import annotations

from bot.core.i18n import N_, Msg
from bot.flows.engine import Skipped, decode_answer
from bot.flows.schema import Flow, Question, QuestionType, text_context

YES = N_("Ja")
NO = N_("Nein")
SKIPPED_LABEL = N_("keine Angabe")
# E.164 country codes are prefix-free: these have one or two digits, every other one three.
_SHORT_COUNTRY_CODES = frozenset(
    {
        "1",
        "7",
        "20",
        "27",
        "30",
        "31",
        "32",
        "33",
        "34",
        "36",
        "39",
        "40",
        "41",
        "43",
        "44",
        "45",
        "46",
        "47",
        "48",
        "49",
        "51",
        "52",
        "53",
        "54",
        "55",
        "56",
        "57",
        "58",
        "60",
        "61",
        "62",
        "63",
        "64",
        "65",
        "66",
        "81",
        "82",
        "84",
        "86",
        "90",
        "91",
        "92",
        "93",
        "94",
        "95",
        "98",
    }
)
_GERMAN_MOBILE = ("15", "16", "17")  # 015x, 016x, 017x: the network's three digits after the 0


def choice_label(flow: Flow, question: Question, choice_id: str) -> Msg | str:
    if question.type is QuestionType.district:
        return next((c.text for c in question.choices if c.id == choice_id), choice_id)
    if question.type is QuestionType.yes_no:
        return Msg(YES if choice_id == "yes" else NO)
    choice = next(c for c in question.choices if c.id == choice_id)
    return Msg(choice.text, context=text_context(flow.id, question.id, "choice", choice.id))


def answer_labels(flow: Flow, question: Question, value: object) -> tuple[Msg | str, ...]:
    """The answer as labels to show; several for a multiple choice, joined by the renderer."""
    if isinstance(value, Skipped):
        return (Msg(SKIPPED_LABEL),)
    if question.type is QuestionType.multiple:
        assert isinstance(value, frozenset)
        return tuple(choice_label(flow, question, c.id) for c in question.choices if c.id in value)
    if question.has_choices:
        assert isinstance(value, str)
        return (choice_label(flow, question, value),)
    if question.type is QuestionType.month_year:
        assert isinstance(value, tuple)
        year, month = value
        return (f"{month:02d}/{year}",)
    if question.type is QuestionType.phone:
        return (phone_label(str(value)),)
    return (str(value),)


def phone_label(number: str) -> str:
    """A stored phone number (engine.parse_phone) grouped for reading and dialling: the country
    code apart ("+963 944123456"), and a German mobile network's prefix apart too
    ("+49 151 23456789", "0151 23456789"); other numbers keep their digits together, because
    where an area code ends cannot be told from the digits alone."""
    if number.startswith("+"):
        digits = number[1:]
        size = next((n for n in (1, 2) if digits[:n] in _SHORT_COUNTRY_CODES), 3)
        country, rest = digits[:size], digits[size:]
        if country == "49" and rest.startswith(_GERMAN_MOBILE):
            rest = f"{rest[:3]} {rest[3:]}"
        return f"+{country} {rest}"
    if number.startswith(tuple("0" + prefix for prefix in _GERMAN_MOBILE)):
        return f"{number[:4]} {number[4:]}"
    return number


def labels_from_code(flow: Flow, question: Question, code: str | None, skipped: bool):
    """Labels for a stored answer row (code as written by the engine's encode_answer)."""
    if skipped or code is None:
        return (Msg(SKIPPED_LABEL),)
    return answer_labels(flow, question, decode_answer(question, code))


def question_text(flow: Flow, question: Question) -> Msg:
    return Msg(question.text, context=text_context(flow.id, question.id))


def section_title(flow: Flow, question: Question) -> Msg:
    section = flow.section_of(question.id)
    return Msg(section.title, context=text_context(flow.id, "section", section.id))
