"""The needs questionnaire has no repeat group: walking it by steps gives, at every point of a
random walk, what walking it question by question gave before repeat groups existed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.flows import engine
from tests.flows.test_engine_properties import FLOW, answer_for, walks


def next_by_question(answers: dict):
    return next(
        (
            q
            for q in FLOW.questions
            if q.id not in answers and engine.is_applicable(FLOW, q, answers)
        ),
        None,
    )


def previous_by_question(answers: dict, current: str | None):
    questions = FLOW.questions
    end = len(questions) if current is None else [q.id for q in questions].index(current)
    for question in reversed(questions[:end]):
        if question.id in answers and engine.is_applicable(FLOW, question, answers):
            return question
    return None


def apply_by_question(answers: dict, question_id: str, value) -> dict:
    result = {**answers, question_id: value}
    changed = True
    while changed:
        changed = False
        for question in FLOW.questions:
            if question.id in result and not engine.is_applicable(FLOW, question, result):
                del result[question.id]
                changed = True
    return result


@settings(max_examples=80, deadline=None)
@given(walks(), st.data())
def test_steps_walk_the_needs_questionnaire_as_questions_did(steps, data):
    answers: dict = {}
    for kind, question_id, value in steps:
        if kind != "answer":
            continue
        expected = apply_by_question(answers, question_id, value)
        answers = engine.apply_answer(FLOW, answers, question_id, value)
        assert answers == expected
        step = engine.next_step(FLOW, answers)
        assert (step.question if step else None) == next_by_question(answers)
        current = step.key if step else None
        back = engine.previous_step(FLOW, answers, current)
        assert (back.question if back else None) == previous_by_question(answers, current)
        answered = sum(1 for q in FLOW.questions if q.id in answers)
        assert engine.progress(FLOW, answers).answered == answered
    question = FLOW.question(data.draw(st.sampled_from(sorted(answers))))
    value = answer_for(question, data.draw)
    assert engine.apply_answer(FLOW, answers, question.id, value) == apply_by_question(
        answers, question.id, value
    )
