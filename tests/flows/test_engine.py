"""The flow engine: every question type, condition operator and flag rule, as data tables."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.core.config import load_settings
from bot.flows import engine
from bot.flows.engine import SKIPPED, Accepted, Rejected
from bot.flows.loader import load_flow
from bot.flows.schema import Flow, Priority, Question

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def flow() -> Flow:
    settings = load_settings(ROOT / "config.yaml")
    return load_flow(ROOT / "tests" / "data" / "conversation_flow.yaml", settings.districts)


def q(**fields) -> Question:
    return Question.model_validate({"id": "q", "text": "Frage?", **fields})


NUMBER = q(type="number", min=0, max=15)
TEXT = q(type="text", max_length=10)
PHONE = q(type="phone")
SINGLE = q(
    type="single", choices=[{"id": "a", "text": "Arbeit"}, {"id": "b", "text": "Bürgergeld"}]
)
MULTIPLE = q(
    type="multiple",
    choices=[
        {"id": "x", "text": "X"},
        {"id": "y", "text": "Y"},
        {"id": "none", "text": "Keine", "exclusive": True},
    ],
)


@pytest.mark.parametrize(
    ("question", "raw", "expected"),
    [
        (NUMBER, "3", Accepted(3)),
        (NUMBER, " 15 ", Accepted(15)),
        (NUMBER, "٣", Accepted(3)),  # Arabic-Indic digit typed on a phone
        (NUMBER, "۱۲", Accepted(12)),  # Persian digits
        (NUMBER, "drei", Rejected("not_a_number")),
        (NUMBER, "2.5", Rejected("not_a_number")),
        (NUMBER, "-1", Rejected("too_small", {"min": 0, "max": 15})),
        (NUMBER, "16", Rejected("too_large", {"min": 0, "max": 15})),
        (NUMBER, "", Rejected("empty")),
        (NUMBER, "   ", Rejected("empty")),
        (q(type="year"), "2019", Accepted(2019)),
        (q(type="year"), "2027", Rejected("year_in_future")),
        (q(type="year"), "1900", Rejected("year_too_early")),
        (q(type="year"), "19", Rejected("not_a_year")),
        (q(type="month_year"), "3/2021", Accepted((2021, 3))),
        (q(type="month_year"), "03.2021", Accepted((2021, 3))),
        (q(type="month_year"), "2021-03", Accepted((2021, 3))),
        (q(type="month_year"), "13/2021", Rejected("not_a_month_year")),
        (q(type="month_year"), "12/2026", Rejected("year_in_future")),
        (q(type="month_year"), "März 2021", Rejected("not_a_month_year")),
        (TEXT, "  Hallo  ", Accepted("Hallo")),
        (TEXT, "x" * 10, Accepted("x" * 10)),
        (TEXT, "x" * 11, Rejected("too_long", {"max_length": 10})),
        (TEXT, "1\n2\t3", Accepted("1\n2\t3")),  # newline and tab stay
        (TEXT, "Hal\x07lo\x1b\r", Accepted("Hallo")),  # other control characters go
        (TEXT, "Hallo\x00", Rejected("control_character")),
        (NUMBER, "3\x00", Rejected("control_character")),
        (PHONE, "\x000151 23456789", Rejected("control_character")),
        (TEXT, "\x01\x02", Rejected("empty")),
        (PHONE, "0151 23456789", Accepted("015123456789")),
        (PHONE, "0151/234 567-89", Accepted("015123456789")),
        (PHONE, "(02241) 900-0", Accepted("022419000")),
        (PHONE, "+49 2241 900-0", Accepted("+4922419000")),
        (PHONE, "+49 (0) 151 23456789", Accepted("+4915123456789")),
        (PHONE, "0049 151 23456789", Accepted("+4915123456789")),
        (PHONE, "+963 944 123 456", Accepted("+963944123456")),
        (PHONE, "٠١٥١ ٢٣٤٥٦٧٨٩", Accepted("015123456789")),  # Arabic-Indic digits
        (PHONE, "۰۱۵۱ ۲۳۴۵۶۷۸۹", Accepted("015123456789")),  # Persian digits
        (PHONE, "keine Ahnung", Rejected("not_a_phone")),
        (PHONE, "0151 2345678 oder 0176 1234567", Rejected("not_a_phone")),
        (PHONE, "12345", Rejected("not_a_phone")),  # too few digits
        (PHONE, "+49 151 2345678901234", Rejected("not_a_phone")),  # more than 15
        (PHONE, "+0151 23456789", Rejected("not_a_phone")),  # no country code begins with 0
        (PHONE, "(0151 23456789", Rejected("not_a_phone")),
        (PHONE, "0151+23456789", Rejected("not_a_phone")),
        (SINGLE, "2", Accepted("b")),
        (SINGLE, "arbeit", Accepted("a")),
        (SINGLE, "3", Rejected("use_buttons")),
        (SINGLE, "vielleicht", Rejected("use_buttons")),
        (MULTIPLE, "1", Rejected("use_buttons")),
    ],
)
def test_typed_input_is_parsed_or_rejected_with_a_reason(question, raw, expected):
    assert engine.parse_input(question, raw, today=TODAY) == expected


@pytest.mark.parametrize(
    ("selection", "tap", "after"),
    [
        (set(), "x", {"x"}),
        ({"x"}, "y", {"x", "y"}),
        ({"x", "y"}, "x", {"y"}),
        ({"x", "y"}, "none", {"none"}),
        ({"none"}, "x", {"x"}),
        ({"none"}, "none", set()),
    ],
)
def test_multiple_choice_taps_toggle_and_the_exclusive_choice_stands_alone(selection, tap, after):
    assert engine.toggle_choice(MULTIPLE, frozenset(selection), tap) == frozenset(after)


def test_a_tap_on_an_unknown_choice_is_a_fault():
    with pytest.raises(ValueError):
        engine.toggle_choice(MULTIPLE, frozenset(), "zz")


def test_done_needs_at_least_one_choice():
    assert engine.finish_selection(MULTIPLE, frozenset()) == Rejected("nothing_selected")
    assert engine.finish_selection(MULTIPLE, frozenset({"x"})) == Accepted(frozenset({"x"}))


CONDITIONS = [
    ({"answer": "c", "in": ["a"]}, {"c": "a"}, True),
    ({"answer": "c", "in": ["a"]}, {"c": "b"}, False),
    ({"answer": "c", "in": ["a"]}, {}, False),
    ({"answer": "c", "in": ["a"]}, {"c": SKIPPED}, False),
    ({"answer": "m", "in": ["x"]}, {"m": frozenset({"x", "y"})}, True),
    ({"answer": "m", "in": ["z"]}, {"m": frozenset({"x", "y"})}, False),
    ({"answer": "n", "op": ">", "value": 0}, {"n": 1}, True),
    ({"answer": "n", "op": ">", "value": 0}, {"n": 0}, False),
    ({"answer": "n", "op": ">=", "value": 0}, {"n": 0}, True),
    ({"answer": "n", "op": "<", "value": 3}, {"n": 2}, True),
    ({"answer": "n", "op": "<=", "value": 3}, {"n": 4}, False),
    ({"answer": "n", "op": "==", "value": 3}, {"n": 3}, True),
    ({"answer": "n", "op": "!=", "value": 3}, {"n": 3}, False),
    ({"answer": "n", "op": ">", "value": 0}, {"n": SKIPPED}, False),
    ({"answer": "n", "op": ">", "value": 0}, {}, False),
    ({"not": {"answer": "c", "in": ["a"]}}, {}, True),
    ({"not": {"answer": "c", "in": ["a"]}}, {"c": "a"}, False),
    (
        {"all": [{"answer": "c", "in": ["a"]}, {"answer": "n", "op": ">", "value": 1}]},
        {"c": "a", "n": 2},
        True,
    ),
    (
        {"all": [{"answer": "c", "in": ["a"]}, {"answer": "n", "op": ">", "value": 1}]},
        {"c": "a", "n": 1},
        False,
    ),
    (
        {"any": [{"answer": "c", "in": ["a"]}, {"answer": "n", "op": ">", "value": 1}]},
        {"c": "b", "n": 2},
        True,
    ),
    (
        {"any": [{"answer": "c", "in": ["a"]}, {"answer": "n", "op": ">", "value": 1}]},
        {"c": "b", "n": 0},
        False,
    ),
]


@pytest.mark.parametrize(("condition", "answers", "holds"), CONDITIONS)
def test_conditions_are_evaluated_as_data(condition, answers, holds):
    parsed = q(type="text", when=condition).when
    assert engine.evaluate(parsed, answers) is holds


def test_the_walk_skips_questions_whose_condition_is_false(flow):
    assert engine.next_question(flow, {}).id == "district"
    no_children = {"district": "spich", "children": 0}
    assert engine.next_question(flow, no_children).id == "housing_problems"
    with_children = {"district": "spich", "children": 2}
    assert engine.next_question(flow, with_children).id == "school"


def test_back_goes_to_the_last_answered_applicable_question(flow):
    answers = {"district": "spich", "children": 0}
    assert engine.previous_question(flow, answers, "housing_problems").id == "children"
    assert engine.previous_question(flow, answers, "district") is None
    assert engine.previous_question(flow, answers, None).id == "children"


def test_changing_an_answer_drops_the_answers_that_no_longer_apply(flow):
    answers = {"district": "spich", "children": 2, "school": "yes", "income": "job"}
    after = engine.apply_answer(flow, answers, "children", 0)
    assert after == {"district": "spich", "children": 0, "income": "job"}


def test_progress_counts_answered_and_still_applicable_questions(flow):
    assert engine.progress(flow, {}) == engine.Progress(0, 5)
    assert engine.progress(flow, {"district": "spich", "children": 1}) == engine.Progress(2, 6)


def test_flags_follow_the_rules_most_urgent_first(flow):
    assert engine.raised_flags(flow, {"housing_problems": frozenset({"small"})}) == []
    flags = engine.raised_flags(flow, {"housing_problems": frozenset({"notice", "small"})})
    assert [(f.rule_id, f.field, f.priority) for f in flags] == [
        ("urgent_housing_loss", "housing", Priority.urgent)
    ]
    assert flags[0].reason == "Wohnung droht verloren zu gehen"


def test_urgent_flags_hand_over_at_once_and_every_flag_on_submit(flow):
    answers = {"housing_problems": frozenset({"notice"}), "income": "benefits"}
    assert [f.rule_id for f in engine.handover_flags(flow, answers, submitted=False)] == [
        "urgent_housing_loss"
    ]
    assert [f.rule_id for f in engine.handover_flags(flow, answers, submitted=True)] == [
        "urgent_housing_loss",
        "low_income",
    ]
    assert engine.handover_flags(flow, {"income": "benefits"}, submitted=False) == []


@pytest.mark.parametrize(
    ("question_id", "value", "code"),
    [
        ("district", "spich", "spich"),
        ("children", 3, "3"),
        ("housing_problems", frozenset({"notice", "small"}), "small notice"),
        ("remarks", "Danke, alles gut", "Danke, alles gut"),
    ],
)
def test_answers_have_stable_codes_that_read_back(flow, question_id, value, code):
    question = flow.question(question_id)
    assert engine.encode_answer(question, value) == code
    assert engine.decode_answer(question, code) == value


def test_month_year_codes_sort_like_dates():
    question = q(type="month_year")
    assert engine.encode_answer(question, (2021, 3)) == "2021-03"
    assert engine.decode_answer(question, "2021-03") == (2021, 3)
