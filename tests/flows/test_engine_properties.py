"""Random walks through the real questionnaire: the engine's promises hold for any answers."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.config import load_settings
from bot.flows import engine
from bot.flows.loader import load_flow
from bot.flows.schema import Question, QuestionType

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = load_settings(ROOT / "config.yaml")
FLOW = load_flow(ROOT / "bot" / "flows" / "needs.yaml", SETTINGS.districts)
TODAY = date(2026, 11, 25)


def answer_for(question: Question, draw) -> object:
    if question.skippable and draw(st.integers(0, 5)) == 0:
        return engine.SKIPPED
    match question.type:
        case QuestionType.multiple:
            ids = [c.id for c in question.choices]
            chosen = draw(st.sets(st.sampled_from(ids), min_size=1))
            exclusive = {c.id for c in question.choices if c.exclusive}
            return frozenset(chosen - exclusive) or frozenset(chosen)
        case QuestionType.number:
            return draw(st.integers(question.min or 0, question.max or 99))
        case QuestionType.year:
            return draw(st.integers(1950, TODAY.year))
        case QuestionType.month_year:
            return (draw(st.integers(1950, TODAY.year - 1)), draw(st.integers(1, 12)))
        case QuestionType.text:
            return draw(st.text(min_size=1, max_size=question.max_length)).strip() or "x"
        case QuestionType.phone:
            return engine.parse_phone(draw(phone_numbers()))
    return draw(st.sampled_from([c.id for c in question.choices]))


WESTERN = "0123456789"
ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
PERSIAN = "۰۱۲۳۴۵۶۷۸۹"


@st.composite
def phone_numbers(draw, digits: str = WESTERN) -> str:
    """A number as people type it: 0, + or 00 first, groups of digits, assorted separators."""
    groups = draw(st.lists(st.text(digits, min_size=1, max_size=4), min_size=2, max_size=3))
    groups.append(digits[1] * (6 - min(5, sum(map(len, groups)))))  # 6 to 13 digits in all
    separators = st.sampled_from([" ", "-", "/", ".", " - ", "\u00a0"])
    text = groups[0] + "".join(draw(separators) + group for group in groups[1:])
    national, country = digits[0] + digits[2], digits[4] + digits[9]  # 02…, 49
    prefix = draw(st.sampled_from([national, "+" + country, digits[0] * 2 + country]))
    return prefix + text


def western(text: str) -> str:
    return text.translate(str.maketrans(ARABIC_INDIC + PERSIAN, WESTERN * 2))


@settings(max_examples=300, deadline=None)
@given(st.one_of(phone_numbers(), st.text(max_size=30)))
def test_an_accepted_phone_number_is_digits_with_an_optional_leading_plus(text):
    number = engine.parse_phone(text)
    if number is not None:
        assert re.fullmatch(r"\+?[0-9]+", number), number
        low, high = engine.PHONE_DIGITS
        assert low <= len(number.lstrip("+")) <= high


@settings(max_examples=200, deadline=None)
@given(st.data(), st.sampled_from([ARABIC_INDIC, PERSIAN]))
def test_arabic_indic_and_persian_digits_read_as_western_ones(data, digits):
    typed = data.draw(phone_numbers(digits))
    assert engine.parse_phone(typed) == engine.parse_phone(western(typed)) is not None


@st.composite
def walks(draw):
    """A walk: answer the next question, sometimes go back and answer again differently."""
    answers: dict = {}
    steps = []
    backs = 0
    while (question := engine.next_question(FLOW, answers)) is not None:
        if answers and backs < 5 and draw(st.integers(0, 9)) == 0:
            backs += 1
            previous = engine.previous_question(FLOW, answers, question.id)
            steps.append(("back", previous.id, None))
            question = previous
        value = answer_for(question, draw)
        steps.append(("answer", question.id, value))
        answers = engine.apply_answer(FLOW, answers, question.id, value)
    return steps


@settings(max_examples=80, deadline=None)
@given(walks())
def test_a_walk_ends_never_asks_twice_and_only_asks_what_applies(steps):
    answers: dict = {}
    last_progress = engine.progress(FLOW, answers)
    for kind, question_id, value in steps:
        if kind == "back":
            continue
        question = FLOW.question(question_id)
        assert engine.is_applicable(FLOW, question, answers)
        changed = question_id in answers
        answers = engine.apply_answer(FLOW, answers, question_id, value)
        progress = engine.progress(FLOW, answers)
        if not changed:  # a step forward: one more answered, never fewer
            assert progress.answered == last_progress.answered + 1
        last_progress = progress
    assert engine.next_question(FLOW, answers) is None
    assert all(engine.is_applicable(FLOW, FLOW.question(q), answers) for q in answers)


@settings(max_examples=80, deadline=None)
@given(walks())
def test_the_forward_walk_never_repeats_a_question(steps):
    forward = [qid for kind, qid, _ in steps if kind == "answer"]
    backs = sum(1 for kind, _, _ in steps if kind == "back")
    assert len(forward) - len(set(forward)) <= backs


@settings(max_examples=80, deadline=None)
@given(walks())
def test_flags_equal_those_computed_from_the_final_answers(steps):
    answers: dict = {}
    for kind, question_id, value in steps:
        if kind == "answer":
            answers = engine.apply_answer(FLOW, answers, question_id, value)
    flags = engine.raised_flags(FLOW, answers)
    expected = {
        rule.id
        for question in FLOW.questions
        if question.id in answers
        for rule in question.flags
        if engine.evaluate(rule.when, answers)
    }
    assert {flag.rule_id for flag in flags} == expected
    ranks = [flag.priority.rank for flag in flags]
    assert ranks == sorted(ranks, reverse=True)


@settings(max_examples=80, deadline=None)
@given(walks(), st.data())
def test_changing_an_earlier_answer_drops_exactly_the_inapplicable_answers(steps, data):
    answers: dict = {}
    for kind, question_id, value in steps:
        if kind == "answer":
            answers = engine.apply_answer(FLOW, answers, question_id, value)
    question = FLOW.question(data.draw(st.sampled_from(sorted(answers))))
    value = answer_for(question, data.draw)
    after = engine.apply_answer(FLOW, answers, question.id, value)
    kept = {qid for qid in answers if qid in after}
    dropped = set(answers) - kept
    assert all(engine.is_applicable(FLOW, FLOW.question(qid), after) for qid in after)
    for qid in dropped:
        assert not engine.is_applicable(FLOW, FLOW.question(qid), {**after, qid: answers[qid]})


@settings(max_examples=80, deadline=None)
@given(walks())
def test_codes_read_back_to_the_same_answers(steps):
    for kind, question_id, value in steps:
        if kind != "answer" or value is engine.SKIPPED:
            continue
        question = FLOW.question(question_id)
        assert engine.decode_answer(question, engine.encode_answer(question, value)) == value
