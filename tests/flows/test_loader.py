"""Flow files: every mistake an author can make is named with file, question and cause."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.core.config import load_settings
from bot.flows.loader import FlowError, load_flow

ROOT = Path(__file__).resolve().parents[2]
GOOD = yaml.safe_load((ROOT / "tests" / "data" / "conversation_flow.yaml").read_text())
DISTRICTS = load_settings(ROOT / "config.yaml").districts


def question(data: dict, qid: str) -> dict:
    return next(q for s in data["sections"] for q in s["questions"] if q["id"] == qid)


def broken(change, good: dict = GOOD) -> dict:
    """A copy of the `good` flow's data with one mistake made by `change`."""
    data = yaml.safe_load(yaml.safe_dump(good))
    change(data)
    return data


def problems_of(data: dict, tmp_path: Path) -> list[str]:
    path = tmp_path / "flow.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FlowError) as raised:
        load_flow(path, DISTRICTS)
    return [str(p) for p in raised.value.problems]


def later_reference(data):
    question(data, "children")["when"] = {"answer": "income", "in": ["job"]}


def unknown_reference(data):
    question(data, "school")["when"] = {"answer": "pets", "op": ">", "value": 0}


def duplicate_question(data):
    data["sections"][1]["questions"].append(dict(question(data, "income")))


def unknown_choice(data):
    question(data, "remarks")["when"] = {"answer": "income", "in": ["lottery"]}


def empty_text(data):
    question(data, "income")["text"] = "   "


def empty_choice_text(data):
    question(data, "income")["choices"][0]["text"] = " "


def long_choice_id(data):
    question(data, "income")["choices"][0]["id"] = "a_very_long_choice_identifier_beyond_the_limit"


def compare_on_choice(data):
    question(data, "remarks")["when"] = {"answer": "income", "op": ">", "value": 1}


def choices_on_number(data):
    question(data, "children")["choices"] = [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}]


def single_with_one_choice(data):
    question(data, "income")["choices"] = question(data, "income")["choices"][:1]


def duplicate_flag_rule(data):
    rule = question(data, "housing_problems")["flags"][0]
    question(data, "income")["flags"] = [{**rule, "when": {"answer": "income", "in": ["job"]}}]


def help_on_a_normal_flag(data):
    question(data, "income")["flags"][0]["help"] = "Rufen Sie uns an."


def unknown_key(data):
    question(data, "income")["colour"] = "blue"


def unknown_type(data):
    question(data, "income")["type"] = "slider"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (later_reference, "children: condition: refers to 'income', which is not an earlier"),
        (unknown_reference, "school: condition: refers to 'pets', which is not an earlier"),
        (duplicate_question, "question id 'income' is used more than once"),
        (unknown_choice, "remarks: condition: 'income' has no choice 'lottery'"),
        (empty_text, "income: text: text is empty"),
        (empty_choice_text, "income: choice job: text is empty"),
        (long_choice_id, "income: choice a_very_long_choice_identifier_beyond_the_limit: question"),
        (compare_on_choice, "remarks: condition: a comparison needs a number or year question"),
        (choices_on_number, "children: a number question has no choices"),
        (single_with_one_choice, "income: a single question needs at least two choices"),
        (duplicate_flag_rule, "flag rule id 'urgent_housing_loss' is used more than once"),
        (help_on_a_normal_flag, "income: flag rule low_income: only an urgent rule tells"),
        (unknown_key, "income: colour: unknown key"),
        (unknown_type, "income: type: Input should be"),
    ],
)
def test_a_broken_flow_names_file_question_and_problem(tmp_path, change, expected):
    problems = problems_of(broken(change), tmp_path)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith(str(tmp_path / "flow.yaml")) for p in problems)


def test_all_problems_are_reported_not_only_the_first(tmp_path):
    def two_mistakes(data):
        later_reference(data)
        unknown_choice(data)

    problems = problems_of(broken(two_mistakes), tmp_path)
    assert len(problems) == 2


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "flow.yaml"
    path.write_text("id: x\nsections: [\n", encoding="utf-8")
    with pytest.raises(FlowError) as raised:
        load_flow(path)
    assert "line" in str(raised.value)


def test_yes_no_and_district_questions_get_their_choices(tmp_path):
    flow = load_flow(ROOT / "tests" / "data" / "conversation_flow.yaml", DISTRICTS)
    assert [c.id for c in flow.question("school").choices] == ["yes", "no"]
    district = flow.question("district")
    assert len(district.choices) == 12
    assert ("fwh", "Friedrich-Wilhelms-Hütte") in [(c.id, c.text) for c in district.choices]


def test_the_shipped_questionnaire_loads():
    flow = load_flow(ROOT / "bot" / "flows" / "needs.yaml", DISTRICTS)
    assert 25 <= len(flow.questions) <= 35
    fields = {s.field for s in flow.sections if s.field}
    assert fields == {"language", "education", "work", "housing", "health", "residence", "social"}
    rules = {r.id: r for q in flow.questions for r in q.flags}
    for urgent in (
        "urgent_housing_loss",
        "urgent_permit_ending",
        "urgent_no_insurance",
        "urgent_distress",
        "urgent_violence",
    ):
        assert rules[urgent].priority == "urgent"
    for field in fields:
        assert rules[f"need_{field}"].field == field


def test_a_flow_naming_a_field_not_among_the_known_ones_is_refused_section_and_rule(tmp_path):
    path = ROOT / "tests" / "data" / "conversation_flow.yaml"
    assert load_flow(path, DISTRICTS).section_of("housing_problems").field == "housing"
    with pytest.raises(FlowError) as raised:
        load_flow(path, DISTRICTS, fields=("language", "social"))
    problems = [str(p) for p in raised.value.problems]
    assert len(problems) == 2
    assert all("field of action 'housing' is not defined" in p for p in problems)
    assert ": section housing: " in problems[0]
    assert ": housing_problems: flag rule urgent_housing_loss: " in problems[1]
    assert load_flow(path, DISTRICTS, fields=("housing", "social")).id
