"""Random flows with a repeat group, random walks through them: answer, back, skip, add another,
stop, change an answer from the summary. The engine's promises hold at every step."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.flows import engine, steps
from bot.flows.loader import load_flow
from bot.flows.schema import Flow, QuestionType
from bot.flows.steps import Step, another_key, question_key

GROUP = "offers"
ACTIONS = ("answer", "back", "skip", "another", "stop", "edit")


@st.composite
def flows(draw) -> Flow:
    """A flow: a yes/no question, a repeat group of one to four questions (conditions on earlier
    ones of the same round or on the first question), and a closing question."""
    questions: list[dict] = []
    readable = {"before": ["yes", "no"]}
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["yes_no", "single", "number", "text"]))
        question: dict = {"id": f"q{i}", "type": kind, "text": f"Frage {i}?"}
        if kind == "single":
            question["choices"] = [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}]
        if kind == "number":
            question.update(min=0, max=9)
        if draw(st.booleans()):
            question["skip"] = "prefer_not"
        if i > 0 and draw(st.booleans()):
            qid = draw(st.sampled_from(sorted(readable)))
            question["when"] = {"answer": qid, "in": [draw(st.sampled_from(readable[qid]))]}
        if kind in ("yes_no", "single"):
            readable[question["id"]] = ["yes", "no"] if kind == "yes_no" else ["a", "b"]
        questions.append(question)
    low = draw(st.integers(0, 2))
    group = {"repeat": GROUP, "label": "Angebot {number}", "another": "Noch ein Angebot?",
             "min": low, "questions": questions}  # fmt: skip
    high = draw(st.one_of(st.none(), st.integers(max(low, 1), 4)))
    if high is not None:
        group["max"] = high
    data = {
        "id": "random",
        "version": 1,
        "title": "Zufall",
        "sections": [
            {"id": "one", "title": "Eins", "questions": [
                {"id": "before", "type": "yes_no", "text": "Vorher?"}, group]},
            {"id": "two", "title": "Zwei", "questions": [
                {"id": "after", "type": "text", "text": "Nachher?", "skip": "prefer_not"}]},
        ],
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "flow.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        return load_flow(path)


def value_for(step: Step, draw) -> object:
    question = step.question
    if question.type is QuestionType.number:
        return draw(st.integers(0, 9))
    if question.type is QuestionType.text:
        return draw(st.sampled_from(["Kurs", "Café", "Beratung"]))
    return draw(st.sampled_from([c.id for c in question.choices]))


@dataclass
class Walk:
    flow: Flow
    answers: dict = field(default_factory=dict)
    position: str | None = None

    def __post_init__(self) -> None:
        self.position = engine.next_step(self.flow, {}).key

    @property
    def step(self) -> Step | None:
        return None if self.position is None else steps.step(self.flow, self.position)

    @property
    def group(self):
        return self.flow.repeat(GROUP)

    def give(self, value: object) -> None:
        self.answers = engine.apply_answer(self.flow, self.answers, self.position, value)
        following = engine.next_step(self.flow, self.answers)
        self.position = following.key if following else None

    def act(self, action: str, draw) -> None:
        step = self.step
        if action == "edit":
            if step is None and self.answers:
                self.position = draw(st.sampled_from(sorted(self.answers)))
            return
        if step is None:
            return
        if action == "back":
            previous = engine.previous_step(self.flow, self.answers, step.key)
            if previous is not None:
                self.check_back(step, previous)
                self.position = previous.key
            return
        offered = [c.id for c in step.question.choices]
        if action == "skip" and step.question.skippable:
            self.give(engine.SKIPPED)
        elif action == "another" and step.another:
            self.give("yes")
        elif action == "stop" and step.another and "no" in offered:
            self.give("no")
            self.check_later_rounds_gone(step.round)
        else:
            self.give(value_for(step, draw))

    def finish(self) -> None:
        """Answer on to the summary, stopping as soon as "no" is offered."""
        for _ in range(200):
            step = self.step
            if step is None:
                return
            if step.another:
                self.give("no" if "no" in [c.id for c in step.question.choices] else "yes")
            elif step.question.type is QuestionType.number:
                self.give(1)
            elif step.question.has_choices:
                self.give(step.question.choices[0].id)
            else:
                self.give("x")
        raise AssertionError("the walk does not end")

    # --- The promises ---------------------------------------------------------------------------

    def check(self) -> None:
        live = {
            s.key for s in steps.path(self.flow, self.answers) if engine.applies(s, self.answers)
        }
        assert self.position is None or self.position in live, self.position
        if self.position is None:
            assert engine.next_step(self.flow, self.answers) is None
        assert set(self.answers) <= live, set(self.answers) - live
        rounds = steps.rounds(self.flow, self.answers, GROUP)
        assert rounds <= self.group.rounds_limit
        for n in range(self.group.min):
            assert self.answers.get(another_key(self.group, n)) != "no"
        assert all(_round_of(key) <= rounds for key in self.answers)

    def check_back(self, step: Step, previous: Step) -> None:
        """Back from the first question of round n is "add another?" after round n - 1."""
        first = self.group.own_questions[0].id
        if step.group is not None and step.key == question_key(self.group, step.round, first):
            if step.round > 1 or self.group.min == 0:
                assert previous.key == another_key(self.group, step.round - 1)
                assert previous.another and self.answers[previous.key] == "yes"
            else:
                assert previous.key == "before"

    def check_later_rounds_gone(self, last: int) -> None:
        assert steps.rounds(self.flow, self.answers, GROUP) == last
        assert not [key for key in self.answers if _round_of(key) > last]


def _round_of(key: str) -> int:
    parts = key.split(".")
    return int(parts[1]) if len(parts) > 1 else 0


@settings(max_examples=300, deadline=None)
@given(flows(), st.lists(st.sampled_from(ACTIONS), max_size=60), st.data())
def test_random_walks_keep_every_promise_of_a_repeat_group(flow, actions, data):
    walk = Walk(flow)
    walk.check()
    for action in actions:
        walk.act(action, data.draw)
        walk.check()
    walk.finish()
    walk.check()
    rounds = steps.rounds(flow, walk.answers, GROUP)
    assert walk.group.min <= rounds <= walk.group.rounds_limit
    assert engine.progress(flow, walk.answers).answered == len(walk.answers)


@settings(max_examples=100, deadline=None)
@given(flows(), st.integers(1, 4), st.data())
def test_rounds_stop_at_max_and_no_is_offered_only_from_min_on(flow, wanted, data):
    """Saying yes as long as asked gives `max` rounds (or `wanted` when there is no max)."""
    walk, group = Walk(flow), flow.repeat(GROUP)
    for _ in range(200):
        step = walk.step
        if step is None:
            break
        if step.another:
            offered = [c.id for c in step.question.choices]
            assert ("no" in offered) == (step.round >= group.min)
            walk.give("yes" if step.round < wanted or "no" not in offered else "no")
        else:
            walk.give(value_for(step, data.draw))
    rounds = steps.rounds(flow, walk.answers, GROUP)
    expected = max(group.min, min(wanted, group.rounds_limit))
    assert rounds == expected
