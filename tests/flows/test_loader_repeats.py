"""Repeat groups in flow files: every mistake in one is named with file, group or question, and
cause; `kim-intake check` reports them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.core.config import load_settings
from bot.flows.loader import load_flow
from tests.flows.test_loader import broken as broken_flow
from tests.flows.test_loader import problems_of

ROOT = Path(__file__).resolve().parents[2]

GOOD = yaml.safe_load((ROOT / "tests" / "data" / "repeat_flow.yaml").read_text())
DISTRICTS = load_settings(ROOT / "config.yaml").districts


def group(data: dict) -> dict:
    return data["sections"][0]["questions"][1]


def in_group(data: dict, qid: str) -> dict:
    return next(q for q in group(data)["questions"] if q.get("id") == qid)


def broken(change) -> dict:
    return broken_flow(change, GOOD)


def no_questions(data):
    group(data)["questions"] = []


def nested(data):
    inner = {"repeat": "times", "label": "Termin {number}", "another": "Noch ein Termin?",
             "questions": [{"id": "weekday", "type": "text", "text": "Welcher Tag?"}]}  # fmt: skip
    group(data)["questions"].append(inner)


def same_question_in_two_groups(data):
    second = {**group(data), "repeat": "courses", "questions": [dict(in_group(data, "costs"))]}
    data["sections"][1]["questions"].insert(0, second)


def same_group_twice(data):
    second = {**group(data), "questions": [{"id": "other", "type": "text", "text": "Was?"}]}
    data["sections"][1]["questions"].insert(0, second)


def group_named_like_a_question(data):
    group(data)["repeat"] = "district"


def another_round(data):
    in_group(data, "fee")["when"] = {"answer": "offers.1.costs", "in": ["fee"]}


def group_question_from_outside(data):
    data["sections"][1]["questions"][0]["when"] = {"answer": "costs", "in": ["fee"]}


def unknown_in_group(data):
    in_group(data, "fee")["when"] = {"answer": "price", "op": ">", "value": 0}


def later_in_group(data):
    in_group(data, "costs")["when"] = {"answer": "accessible", "in": ["yes"]}


def min_over_max(data):
    group(data).update({"min": 4, "max": 2})


def too_many_rounds(data):
    group(data)["max"] = 500


def flag_in_group(data):
    rule = {"id": "need_x", "when": {"answer": "costs", "in": ["fee"]}, "priority": "normal",
            "field": "social", "reason": "Kosten"}  # fmt: skip
    in_group(data, "costs")["flags"] = [rule]


def long_keys(data):
    in_group(data, "offer_name")["id"] = (
        "the_full_name_of_the_offer_as_the_provider_itself_calls_it"
    )


def blank_another(data):
    group(data)["another"] = "  "


def unnumbered_label(data):
    group(data)["label"] = "Angebot"


def other_braces_in_label(data):
    group(data)["label"] = "Angebot {number} von {total}"


def unknown_group_key(data):
    group(data)["colour"] = "blue"


def bad_question_in_group(data):
    in_group(data, "costs")["type"] = "slider"


def bad_group_id(data):
    group(data)["repeat"] = "Offers"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (no_questions, "offers: a repeat group needs at least one question"),
        (nested, "offers: repeat group 'times' is inside repeat group 'offers': repeat groups "
                 "inside repeat groups are not supported"),
        (same_question_in_two_groups, "question id 'costs' is used more than once"),
        (same_group_twice, "question id 'offers' is used more than once"),
        (group_named_like_a_question, "question id 'district' is used more than once"),
        (another_round, "fee: condition: refers to 'offers.1.costs', an answer of one round of "
                        "repeat group 'offers'; a condition reads only its own round"),
        (group_question_from_outside, "remarks: condition: refers to 'costs', a question of "
                                      "repeat group 'offers'"),
        (unknown_in_group, "fee: condition: refers to 'price', which is not an earlier question"),
        (later_in_group, "costs: condition: refers to 'accessible', which is not an earlier"),
        (min_over_max, "offers: min (4) is greater than max (2)"),
        (too_many_rounds, "offers: max (500) is more than the 99 rounds a group can have"),
        (flag_in_group, "offers: costs: flag rules inside a repeat group are not supported"),
        (long_keys, "offers: answers of this group are stored under keys up to"),
        (blank_another, "offers: another: text is empty"),
        (unnumbered_label, "offers: label: the label needs {number} where the round's number"),
        (other_braces_in_label, "offers: label: the label needs {number}"),
        (unknown_group_key, "offers: colour: unknown key"),
        (bad_question_in_group, "costs: type: Input should be"),
        (bad_group_id, "repeat group id 'Offers' must be lowercase"),
    ],
)  # fmt: skip
def test_a_broken_repeat_group_is_named_with_its_problem(tmp_path, change, expected):
    problems = problems_of(broken(change), tmp_path)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith(str(tmp_path / "flow.yaml")) for p in problems)


def test_the_repeat_test_flow_loads_with_yes_no_and_districts_inside_the_group():
    flow = load_flow(ROOT / "tests" / "data" / "repeat_flow.yaml", DISTRICTS)
    assert [c.id for c in flow.question("accessible").choices] == ["yes", "no"]
    assert flow.repeat("offers").max == 3
    assert flow.repeat_of("costs") is flow.repeat("offers")
    assert flow.section_of("offers").id == "provider"


def test_check_names_a_broken_repeat_group(tmp_path, monkeypatch):
    from bot.cli.check import run_checks

    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "needs.yaml").write_text((ROOT / "bot" / "flows" / "needs.yaml").read_text())
    (flows / "survey.yaml").write_text(yaml.safe_dump(broken(min_over_max), allow_unicode=True))
    monkeypatch.setenv("KIM_FLOWS_DIR", str(flows))
    problems = run_checks(ROOT / "config.yaml")
    assert any("survey.yaml: offers: min (4) is greater than max (2)" in p for p in problems)
