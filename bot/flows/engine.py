"""The flow engine: pure functions over a flow and the answers so far.

No I/O, no clock, no logging: time comes in as `today`. A condition that reads a question which
was skipped or not asked is false; `not` of it is therefore true.

The walk goes over steps (bot/flows/steps.py): answers are keyed by a step's key, which is the
question id outside repeat groups and `offers.2.name` (group, round, question) inside one, with
`offers.2` for the "add another?" question after round 2. Inside a group a condition reads the
answers of its own round.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from bot.flows.schema import (
    AllOf,
    AnswerIn,
    AnyOf,
    Compare,
    Condition,
    Flow,
    Not,
    Priority,
    Question,
    QuestionType,
)
from bot.flows.steps import Step, path, scope

EARLIEST_YEAR = 1930


class Skipped:
    """The answer "prefer not to say" / "don't know"."""

    _instance: Skipped | None = None

    def __new__(cls) -> Skipped:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "SKIPPED"


SKIPPED = Skipped()

# single / yes_no / district: a choice id; multiple: the chosen ids; number / year: an int;
# month_year: (year, month); text: the text as typed (trimmed); phone: digits with an optional
# leading + (see parse_phone).
AnswerValue = str | frozenset[str] | int | tuple[int, int]
Answers = Mapping[str, AnswerValue | Skipped]


@dataclass(frozen=True)
class Accepted:
    value: AnswerValue | Skipped


@dataclass(frozen=True)
class Rejected:
    """Why an input is not an answer; `reason` is a code the channel words in the language."""

    reason: str
    args: Mapping[str, object] = field(default_factory=dict)


Parsed = Accepted | Rejected


@dataclass(frozen=True)
class Progress:
    answered: int
    total: int  # answered + still applicable unanswered: an estimate that may change


@dataclass(frozen=True)
class Flag:
    rule_id: str
    question_id: str
    field: str
    priority: Priority
    reason: str


# --- Conditions -------------------------------------------------------------------------------


def evaluate(condition: Condition, answers: Answers) -> bool:
    match condition:
        case AllOf(all=parts):
            return all(evaluate(part, answers) for part in parts)
        case AnyOf(any=parts):
            return any(evaluate(part, answers) for part in parts)
        case Not(not_=inner):
            return not evaluate(inner, answers)
        case AnswerIn(answer=qid, in_=values):
            value = answers.get(qid)
            if isinstance(value, frozenset):
                return bool(value & set(values))
            return isinstance(value, str) and value in values
        case Compare(answer=qid, op=op, value=limit):
            value = answers.get(qid)
            if isinstance(value, bool) or not isinstance(value, int):
                return False
            return _COMPARE[op](value, limit)
    raise TypeError(f"not a condition: {condition!r}")


_COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def is_applicable(flow: Flow, question: Question, answers: Answers) -> bool:
    return question.when is None or evaluate(question.when, answers)


def applies(step: Step, answers: Answers) -> bool:
    """Whether the step's question is asked, reading the answers of its own round."""
    when = step.question.when
    return when is None or evaluate(when, scope(step, answers))


# --- Walking ----------------------------------------------------------------------------------


def next_step(flow: Flow, answers: Answers) -> Step | None:
    """The first applicable step without an answer; None when all are answered."""
    for step in path(flow, answers):
        if step.key not in answers and applies(step, answers):
            return step
    return None


def previous_step(flow: Flow, answers: Answers, current: str | None) -> Step | None:
    """The last answered, applicable step before the key `current` (None: before the summary).
    Back from the first question of round n is the "add another?" question after round n - 1
    (answered yes), or what comes before the group for round 1."""
    steps = path(flow, answers)
    keys = [step.key for step in steps]
    if current is not None and current not in keys:
        return None
    end = len(steps) if current is None else keys.index(current)
    for step in reversed(steps[:end]):
        if step.key in answers and applies(step, answers):
            return step
    return None


def answered_steps(flow: Flow, answers: Answers) -> list[Step]:
    """The answered steps in order, round by round: what a summary lists."""
    return [step for step in path(flow, answers) if step.key in answers]


def next_question(flow: Flow, answers: Answers) -> Question | None:
    step = next_step(flow, answers)
    return step.question if step else None


def previous_question(flow: Flow, answers: Answers, current: str | None) -> Question | None:
    step = previous_step(flow, answers, current)
    return step.question if step else None


def apply_answer(
    flow: Flow, answers: Answers, key: str, value: AnswerValue | Skipped
) -> dict[str, AnswerValue | Skipped]:
    """The answers with this one set; answers to steps that no longer apply are dropped, and so
    are those of rounds that no longer exist (a no to "add another?")."""
    result = dict(answers)
    result[key] = value
    changed = True
    while changed:  # dropping one answer can make another question inapplicable
        changed = False
        steps = path(flow, result)
        for step in steps:
            if step.key in result and not applies(step, result):
                del result[step.key]
                changed = True
        reachable = {step.key for step in steps}
        for gone in [k for k in result if k not in reachable and _in_a_round(k)]:
            del result[gone]
            changed = True
    return result


def _in_a_round(key: str) -> bool:
    return "." in key


def progress(flow: Flow, answers: Answers) -> Progress:
    steps = path(flow, answers)
    answered = sum(1 for step in steps if step.key in answers)
    open_ = sum(1 for step in steps if step.key not in answers and applies(step, answers))
    return Progress(answered, answered + open_)


def raised_flags(flow: Flow, answers: Answers) -> list[Flag]:
    """Flags whose rules hold, most urgent first, then in question order."""
    flags = [
        Flag(rule.id, question.id, rule.field, rule.priority, rule.reason)
        for question in flow.questions
        if question.id in answers
        for rule in question.flags
        if evaluate(rule.when, answers)
    ]
    return sorted(flags, key=lambda flag: -flag.priority.rank)


def handover_flags(flow: Flow, answers: Answers, *, submitted: bool) -> list[Flag]:
    """The flags that hand the person over to case management now: the one rule for when a case
    opens (or an open one is joined). An urgent flag does so as soon as its answer is given, so
    nobody in danger waits for the end of the questionnaire; every raised flag does on submit."""
    flags = raised_flags(flow, answers)
    return flags if submitted else [flag for flag in flags if flag.priority is Priority.urgent]


# --- Input ------------------------------------------------------------------------------------

_INT = re.compile(r"^[+-]?\d+$")
_MONTH_YEAR = (
    re.compile(r"^(?P<month>\d{1,2})\s*[./\-]\s*(?P<year>\d{4})$"),
    re.compile(r"^(?P<year>\d{4})\s*[./\-]\s*(?P<month>\d{1,2})$"),
)
# Digits from other scripts (Arabic-Indic, Persian) as people type them on their phones.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# C0 control characters but tab and newline: invisible, and nothing a person means to say.
_CONTROL = re.compile(r"[\x01-\x08\x0b-\x1f]")
# A phone number as people write it: digits in groups split by spaces, - / . or parentheses,
# perhaps with a leading + (or 00). PHONE_DIGITS bounds its digits: E.164 allows 15 at most.
_PHONE = re.compile(r"\+?\s*[0-9(][0-9()./\s\-\u2010-\u2013]*")
PHONE_DIGITS = (6, 15)


def parse_input(question: Question, raw: str, *, today: date) -> Parsed:
    """A typed input as an answer to the question, or the reason it is not one."""
    if "\x00" in raw:
        return Rejected("control_character")
    text = _CONTROL.sub("", raw).strip()
    if not text:
        return Rejected("empty")
    match question.type:
        case QuestionType.text:
            if len(text) > question.max_length:
                return Rejected("too_long", {"max_length": question.max_length})
            return Accepted(text)
        case QuestionType.phone:
            number = parse_phone(text)
            return Accepted(number) if number is not None else Rejected("not_a_phone")
        case QuestionType.number:
            return _parse_number(question, text.translate(_DIGITS))
        case QuestionType.year:
            return _parse_year(text.translate(_DIGITS), today)
        case QuestionType.month_year:
            return _parse_month_year(text.translate(_DIGITS), today)
    return _parse_typed_choice(question, text.translate(_DIGITS))


def parse_phone(text: str) -> str | None:
    """A phone number as Western digits with a leading + when it is international (typed with
    + or 00), else the digits as dialled in Germany; None when it is not a plausible number.

    "0151 234 567 89" → "015123456789"; "+49 (0) 151/23456789" and "0049 151 23456789" →
    "+4915123456789"; Arabic-Indic and Persian digits read as Western ones.
    """
    # Phones copy numbers with invisible direction marks around them (U+202A … U+202C).
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = text.translate(_DIGITS).strip()
    if not _PHONE.fullmatch(text) or text.count("(") != text.count(")"):
        return None
    international = text.startswith(("+", "00"))
    if international:
        text = text.replace("(0)", "", 1)  # "+49 (0) 2241": the 0 is dialled only at home
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith("00"):
        digits = digits[2:]
    low, high = PHONE_DIGITS
    if not low <= len(digits) <= high or (international and digits.startswith("0")):
        return None
    return f"+{digits}" if international else digits


def _parse_number(question: Question, text: str) -> Parsed:
    if not _INT.match(text):
        return Rejected("not_a_number")
    value = int(text)
    bounds = {"min": question.min, "max": question.max}
    if question.min is not None and value < question.min:
        return Rejected("too_small", bounds)
    if question.max is not None and value > question.max:
        return Rejected("too_large", bounds)
    return Accepted(value)


def _check_year(year: int, today: date) -> Rejected | None:
    if year > today.year:
        return Rejected("year_in_future")
    if year < EARLIEST_YEAR:
        return Rejected("year_too_early")
    return None


def _parse_year(text: str, today: date) -> Parsed:
    if not re.fullmatch(r"\d{4}", text):
        return Rejected("not_a_year")
    year = int(text)
    return _check_year(year, today) or Accepted(year)


def _parse_month_year(text: str, today: date) -> Parsed:
    for pattern in _MONTH_YEAR:
        match = pattern.match(text)
        if match:
            year, month = int(match["year"]), int(match["month"])
            if not 1 <= month <= 12:
                return Rejected("not_a_month_year")
            problem = _check_year(year, today)
            if problem:
                return problem
            if (year, month) > (today.year, today.month):
                return Rejected("year_in_future")
            return Accepted((year, month))
    return Rejected("not_a_month_year")


def _parse_typed_choice(question: Question, text: str) -> Parsed:
    """Someone typed instead of tapping: a number for the n-th choice, or its exact text."""
    if question.type is QuestionType.multiple:
        return Rejected("use_buttons")
    if text.isdigit() and 1 <= int(text) <= len(question.choices):
        return Accepted(question.choices[int(text) - 1].id)
    folded = text.casefold()
    for choice in question.choices:
        if choice.text.casefold() == folded:
            return Accepted(choice.id)
    return Rejected("use_buttons")


def toggle_choice(question: Question, selection: frozenset[str], choice_id: str) -> frozenset[str]:
    """A tap on a multiple-choice option: an exclusive option stands alone."""
    if choice_id not in {c.id for c in question.choices}:
        raise ValueError(f"{question.id} has no choice {choice_id!r}")
    if choice_id in selection:
        return selection - {choice_id}
    exclusive = {c.id for c in question.choices if c.exclusive}
    if choice_id in exclusive:
        return frozenset({choice_id})
    return (selection - exclusive) | {choice_id}


def finish_selection(question: Question, selection: frozenset[str]) -> Parsed:
    if not selection:
        return Rejected("nothing_selected")
    return Accepted(frozenset(selection))


# --- Storage codes ----------------------------------------------------------------------------


def encode_answer(question: Question, value: AnswerValue) -> str:
    """A stable text code for storage and exports."""
    match question.type:
        case QuestionType.multiple:
            assert isinstance(value, frozenset)
            return " ".join(c.id for c in question.choices if c.id in value)
        case QuestionType.month_year:
            assert isinstance(value, tuple)
            return f"{value[0]:04d}-{value[1]:02d}"
        case QuestionType.number | QuestionType.year:
            return str(value)
    assert isinstance(value, str)
    return value


def decode_answer(question: Question, code: str) -> AnswerValue:
    match question.type:
        case QuestionType.multiple:
            return frozenset(code.split())
        case QuestionType.month_year:
            year, month = code.split("-")
            return (int(year), int(month))
        case QuestionType.number | QuestionType.year:
            return int(code)
    return code
