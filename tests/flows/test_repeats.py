"""Repeat groups ("one or more offers"): keys, rounds, next and back across round boundaries."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.flows import engine, steps
from bot.flows.loader import load_flow
from bot.flows.schema import KEY_MAX_LENGTH, Flow
from storage.models import Answer, Interview

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "repeat_flow.yaml"
FLOW = load_flow(DATA)

ROUND_1 = {
    "district": "spich",
    "offers.1.offer_name": "Deutschcafé",
    "offers.1.costs": "free",
    "offers.1.accessible": "yes",
}
ROUND_2 = {
    **ROUND_1,
    "offers.1": "yes",
    "offers.2.offer_name": "Nähkurs",
    "offers.2.costs": "fee",
    "offers.2.fee": 10,
    "offers.2.accessible": engine.SKIPPED,
}


def _load(data: dict) -> Flow:
    """The flow as the schema reads it (the loader adds yes and no, which these tests need not)."""
    return Flow.model_validate(data)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, "district"),
        ({"district": "spich"}, "offers.1.offer_name"),
        ({"district": "spich", "offers.1.offer_name": "x"}, "offers.1.costs"),
        ({**ROUND_1, "offers.1.accessible": None}, "offers.1.accessible"),  # fee did not apply
        (ROUND_1, "offers.1"),
        ({**ROUND_1, "offers.1": "no"}, "remarks"),
        ({**ROUND_1, "offers.1": "yes"}, "offers.2.offer_name"),
        ({**ROUND_2, "offers.2.fee": None}, "offers.2.fee"),  # costs of round 2, not of round 1
        (ROUND_2, "offers.2"),
        ({**ROUND_2, "offers.2": "no", "remarks": "Danke"}, None),
    ],
)
def test_the_next_step_goes_round_by_round(answers, expected):
    answers = {k: v for k, v in answers.items() if v is not None}
    step = engine.next_step(FLOW, answers)
    assert (step.key if step else None) == expected


def test_after_max_rounds_no_one_is_asked_to_add_another():
    answers = {**ROUND_2, "offers.2": "yes", "offers.3.offer_name": "Chor",
               "offers.3.costs": "free", "offers.3.accessible": "no"}  # fmt: skip
    assert engine.next_step(FLOW, answers).key == "remarks"
    assert "offers.3" not in [step.key for step in steps.path(FLOW, answers)]
    assert steps.rounds(FLOW, answers, "offers") == 3


def test_before_min_rounds_add_another_offers_only_yes():
    flow = _load(_data(min=2, max=3))
    first, second = steps.step(flow, "offers.1"), steps.step(flow, "offers.2")
    assert [c.id for c in first.question.choices] == ["yes"]
    assert [c.id for c in second.question.choices] == ["yes", "no"]


def test_with_min_zero_the_person_is_asked_before_the_first_round():
    flow = _load(_data(min=0))
    assert engine.next_step(flow, {"district": "spich"}).key == "offers.0"
    assert engine.next_step(flow, {"district": "spich", "offers.0": "no"}).key == "remarks"
    assert steps.rounds(flow, {"district": "spich", "offers.0": "no"}, "offers") == 0
    after_yes = engine.next_step(flow, {"district": "spich", "offers.0": "yes"})
    assert after_yes.key == "offers.1.offer_name"


def test_back_from_the_first_question_of_a_round_lands_on_add_another():
    previous = engine.previous_step(FLOW, ROUND_2, "offers.2.offer_name")
    assert previous.key == "offers.1"
    assert previous.another and previous.round == 1


def test_back_from_the_first_round_lands_before_the_group():
    assert engine.previous_step(FLOW, ROUND_2, "offers.1.offer_name").key == "district"


def test_back_skips_a_question_that_does_not_apply_in_that_round():
    assert engine.previous_step(FLOW, ROUND_2, "offers.1").key == "offers.1.accessible"
    assert engine.previous_step(FLOW, ROUND_1, "offers.1.accessible").key == "offers.1.costs"
    assert engine.previous_step(FLOW, ROUND_2, "offers.2.accessible").key == "offers.2.fee"


def test_saying_no_to_another_round_drops_the_later_rounds():
    answers = {**ROUND_2, "offers.2": "no"}
    after = engine.apply_answer(FLOW, answers, "offers.1", "no")
    assert after == {**ROUND_1, "offers.1": "no"}


def test_an_answer_in_one_round_drops_what_no_longer_applies_in_that_round_only():
    after = engine.apply_answer(FLOW, ROUND_2, "offers.2.costs", "free")
    assert "offers.2.fee" not in after
    assert after["offers.1.costs"] == "free" and after["offers.2.offer_name"] == "Nähkurs"


def test_a_condition_reads_its_own_round():
    fee_1, fee_2 = steps.step(FLOW, "offers.1.fee"), steps.step(FLOW, "offers.2.fee")
    assert not engine.applies(fee_1, ROUND_2)
    assert engine.applies(fee_2, ROUND_2)


def test_the_summary_lists_each_round_in_order():
    listed = [(s.key, s.round) for s in engine.answered_steps(FLOW, {**ROUND_2, "offers.2": "no"})]
    assert listed == [
        ("district", 0),
        ("offers.1.offer_name", 1), ("offers.1.costs", 1), ("offers.1.accessible", 1),
        ("offers.1", 1),
        ("offers.2.offer_name", 2), ("offers.2.costs", 2), ("offers.2.fee", 2),
        ("offers.2.accessible", 2), ("offers.2", 2),
    ]  # fmt: skip


def test_progress_counts_the_rounds_given_so_far():
    assert engine.progress(FLOW, ROUND_1) == engine.Progress(4, 6)  # + add another, remarks
    assert engine.progress(FLOW, {**ROUND_1, "offers.1": "yes"}) == engine.Progress(5, 10)


@pytest.mark.parametrize(
    "key",
    ["offers.0", "offers.3", "offers.4.offer_name", "offers.01.costs", "offers.1.remarks",
     "offer_name", "offers.1.x.y", "nothing", "offers.one"],
)  # fmt: skip
def test_a_key_no_walk_can_reach_names_no_step(key):
    with pytest.raises(KeyError):
        steps.step(FLOW, key)


@pytest.mark.parametrize("key", ["district", "offers.1", "offers.2", "offers.3.fee", "remarks"])
def test_every_key_of_a_walk_names_its_step(key):
    assert steps.step(FLOW, key).key == key


def test_the_longest_key_fits_the_stored_columns():
    assert Answer.model_fields["question_id"].metadata[0].max_length == KEY_MAX_LENGTH
    assert Interview.model_fields["position"].metadata[0].max_length == KEY_MAX_LENGTH


def test_a_flow_without_repeat_groups_walks_as_before():
    needs = load_flow(ROOT / "bot" / "flows" / "needs.yaml")
    assert [s.key for s in steps.path(needs, {})] == [q.id for q in needs.questions]


def _data(**fields) -> dict:
    data = yaml.safe_load(DATA.read_text())
    data["sections"][0]["questions"][1].update(fields)
    return data
