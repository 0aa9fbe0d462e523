"""Where a person can stand in a flow: its steps in order, each named by the key its answer is
stored under, and the rounds of repeat groups. Pure; the engine walks these steps.

Keys (answers are stored under them, and an interview's position is one):

- a question outside every repeat group: its id, `district`;
- a question in round n of a repeat group (rounds count from 1): `offers.2.name`
  (group id, round, question id);
- the "add another?" question after round n: `offers.2` (group id, round); with `min: 0` the
  person is asked `offers.0` before the first round.

A key is at most schema.KEY_MAX_LENGTH characters (the loader checks the longest one a flow can
make). Round n + 1 exists when the answer to `offers.n` is yes, so saying no (or going back and
saying no) removes the later rounds, and the engine drops their answers. Before `min` rounds
"add another?" offers only yes; after `max` rounds it is not asked.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bot.flows.schema import Choice, Flow, Question, QuestionType, Repeat

YES = Choice(id="yes", text="Ja")
NO = Choice(id="no", text="Nein")


@dataclass(frozen=True)
class Step:
    """One question as asked at one place of the walk."""

    key: str
    question: Question  # for "add another?": a yes/no question with the group's id and text
    group: Repeat | None = None
    round: int = 0  # inside a group: the round (from 1); "add another?": the round it follows

    @property
    def another(self) -> bool:
        """The "add another?" question of a repeat group."""
        return self.group is not None and self.question.id == self.group.id


def question_key(group: Repeat, round_: int, question_id: str) -> str:
    return f"{group.id}.{round_}.{question_id}"


def another_key(group: Repeat, round_: int) -> str:
    return f"{group.id}.{round_}"


def another_step(group: Repeat, round_: int) -> Step:
    """The "add another?" step after `round_` rounds; yes only while fewer than `min` are given."""
    choices = [YES, NO] if round_ >= group.min else [YES]
    question = Question(id=group.id, type=QuestionType.yes_no, text=group.another, choices=choices)
    return Step(another_key(group, round_), question, group, round_)


def path(flow: Flow, answers: Mapping[str, object]) -> list[Step]:
    """Every step the answers make room for, in order (applicable or not): the rounds of a group
    go on while "add another?" is answered yes."""
    return [step for section in flow.sections for entry in section.entries
            for step in _entry_steps(entry, answers)]  # fmt: skip


def _entry_steps(entry: Question | Repeat, answers: Mapping[str, object]) -> Iterator[Step]:
    if isinstance(entry, Question):
        yield Step(entry.id, entry)
        return
    group, round_ = entry, 0
    if group.min == 0:
        yield another_step(group, 0)
        if answers.get(another_key(group, 0)) != "yes":
            return
    while True:
        round_ += 1
        for question in group.own_questions:
            yield Step(question_key(group, round_, question.id), question, group, round_)
        if round_ >= group.rounds_limit:
            return
        yield another_step(group, round_)
        if answers.get(another_key(group, round_)) != "yes":
            return


def step(flow: Flow, key: str) -> Step:
    """The step a key names, whether or not the answers reach it; KeyError if none can."""
    parts = key.split(".")
    if len(parts) == 1:
        question = flow.question(key)
        if flow.repeat_of(key) is not None:
            raise KeyError(key)  # a question of a group is asked in a round only
        return Step(key, question)
    if len(parts) > 3 or not parts[1].isdigit() or str(int(parts[1])) != parts[1]:
        raise KeyError(key)
    group, round_ = flow.repeat(parts[0]), int(parts[1])
    if len(parts) == 2:
        if not (1 if group.min else 0) <= round_ < group.rounds_limit:
            raise KeyError(key)
        return another_step(group, round_)
    if not 1 <= round_ <= group.rounds_limit or flow.repeat_of(parts[2]) is not group:
        raise KeyError(key)
    return Step(key, flow.question(parts[2]), group, round_)


def is_key(flow: Flow, key: str) -> bool:
    try:
        step(flow, key)
    except KeyError:
        return False
    return True


def scope(step_: Step, answers: Mapping[str, object]) -> Mapping[str, object]:
    """The answers as the step's conditions read them: a question of a group reads the answers
    of its own round by their question ids (`name`, not `offers.2.name`)."""
    group = step_.group
    if group is None or step_.another:
        return answers
    own = {}
    for question in group.own_questions:
        key = question_key(group, step_.round, question.id)
        if key in answers:
            own[question.id] = answers[key]
    return {**answers, **own}


def rounds(flow: Flow, answers: Mapping[str, object], group_id: str) -> int:
    """How many rounds of the group the answers make room for."""
    return max((s.round for s in path(flow, answers) if s.group is not None
                and s.group.id == group_id and not s.another), default=0)  # fmt: skip
