"""Flow files: YAML → Flow, with every problem named by file, question and cause."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from bot.core.config import District, Settings, yaml_problem
from bot.flows import schema
from bot.flows.schema import (
    CALLBACK_DATA_LIMIT,
    CALLBACK_RESERVED,
    Choice,
    Flow,
    Priority,
    Question,
    QuestionType,
)

FLOWS_DIR = Path(__file__).parent
YES_NO = (Choice(id="yes", text="Ja"), Choice(id="no", text="Nein"))
NUMERIC = {QuestionType.number, QuestionType.year}
ID_BUDGET = CALLBACK_DATA_LIMIT - CALLBACK_RESERVED  # bytes for question id + choice id


@dataclass(frozen=True)
class FlowProblem:
    file: str
    question: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.question}" if self.question else self.file
        return f"{where}: {self.message}"


class FlowError(Exception):
    def __init__(self, problems: list[FlowProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def flows_dir() -> Path:
    return Path(os.environ.get("KIM_FLOWS_DIR", FLOWS_DIR))


def flow_path(name: str) -> Path:
    return flows_dir() / f"{name}.yaml"


def load_configured_flow(settings: Settings) -> Flow:
    return load_flow(flow_path(settings.flow), settings.districts)


def load_flow(path: Path, districts: Sequence[District] = ()) -> Flow:
    """Read and check a flow file; raise FlowError listing every problem found."""
    name = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FlowError([FlowProblem(name, None, "file not found")]) from None
    except yaml.YAMLError as error:
        raise FlowError([FlowProblem(name, None, yaml_problem(error))]) from None
    if not isinstance(data, dict):
        raise FlowError([FlowProblem(name, None, "a flow must be a mapping (id, title, …)")])
    try:
        flow = Flow.model_validate(data)
    except ValidationError as error:
        raise FlowError([_schema_problem(name, data, e) for e in error.errors()]) from None
    problems = list(_check(name, flow))
    if problems:
        raise FlowError(problems)
    return _with_choices(flow, districts)


def _schema_problem(name: str, data: dict, error: dict) -> FlowProblem:
    loc = list(error["loc"])
    question = None
    if len(loc) >= 4 and loc[0] == "sections" and loc[2] == "questions":
        try:
            question = data["sections"][loc[1]]["questions"][loc[3]].get("id")
        except (KeyError, IndexError, TypeError, AttributeError):
            question = None
        loc = loc[4:]
    where = ".".join(str(part) for part in loc if not str(part).startswith("function-"))
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    return FlowProblem(name, question, f"{where}: {message}" if where else message)


def _check(name: str, flow: Flow) -> Iterator[FlowProblem]:
    for kind, ids in (
        ("section", [s.id for s in flow.sections]),
        ("question", [q.id for q in flow.questions]),
        ("flag rule", [r.id for q in flow.questions for r in q.flags]),
    ):
        for duplicate in sorted(i for i, n in Counter(ids).items() if n > 1):
            yield FlowProblem(name, None, f"{kind} id {duplicate!r} is used more than once")
    earlier: dict[str, Question] = {}
    for question in flow.questions:
        yield from (FlowProblem(name, question.id, m) for m in _check_question(question))
        if question.when is not None:
            for message in _check_condition(question.when, earlier):
                yield FlowProblem(name, question.id, f"condition: {message}")
        readable = {**earlier, question.id: question}
        for rule in question.flags:
            for message in _check_condition(rule.when, readable):
                yield FlowProblem(name, question.id, f"flag rule {rule.id}: {message}")
            if rule.help is not None and rule.priority is not Priority.urgent:
                message = "only an urgent rule tells the person where to get help; remove `help`"
                yield FlowProblem(name, question.id, f"flag rule {rule.id}: {message}")
        earlier[question.id] = question


def _check_question(question: Question) -> Iterator[str]:
    kind = question.type
    if kind in (QuestionType.single, QuestionType.multiple) and len(question.choices) < 2:
        yield f"a {kind.value} question needs at least two choices"
    if kind in (QuestionType.yes_no, QuestionType.district) and question.choices:
        yield f"a {kind.value} question gets its choices automatically; remove `choices`"
    if not question.has_choices and question.choices:
        yield f"a {kind.value} question has no choices; remove `choices`"
    if kind is not QuestionType.multiple and any(c.exclusive for c in question.choices):
        yield "only a multiple-choice question can have an exclusive choice"
    for duplicate in sorted(i for i, n in Counter(c.id for c in question.choices).items() if n > 1):
        yield f"choice id {duplicate!r} is used more than once"
    for choice in question.choices:
        if not choice.text.strip():
            yield f"choice {choice.id}: text is empty"
        size = len(question.id.encode()) + len(choice.id.encode())
        if size > ID_BUDGET:
            yield (
                f"choice {choice.id}: question id and choice id take {size} bytes; Telegram's "
                f"callback data leaves {ID_BUDGET} for both (shorten the ids)"
            )
    if question.min is not None and question.max is not None and question.min > question.max:
        yield f"min ({question.min}) is greater than max ({question.max})"
    if kind is not QuestionType.number and (question.min is not None or question.max is not None):
        yield "only a number question has min and max"
    if not question.has_choices and len(question.id.encode()) > ID_BUDGET:
        yield "question id is too long for Telegram's callback data"


def _check_condition(condition: schema.Condition, readable: dict[str, Question]) -> Iterator[str]:
    match condition:
        case schema.AllOf(all=parts) | schema.AnyOf(any=parts):
            for part in parts:
                yield from _check_condition(part, readable)
        case schema.Not(not_=inner):
            yield from _check_condition(inner, readable)
        case schema.AnswerIn(answer=qid, in_=values):
            question = readable.get(qid)
            if question is None:
                yield f"refers to {qid!r}, which is not an earlier question"
            elif not question.has_choices:
                yield f"`in` needs a choice question, but {qid!r} is {question.type.value}"
            elif question.type is QuestionType.yes_no:
                yield from (
                    f"{qid!r} has no choice {v!r} (yes or no)" for v in values if v not in _YN
                )
            elif question.type is not QuestionType.district:
                known = {c.id for c in question.choices}
                yield from (f"{qid!r} has no choice {v!r}" for v in values if v not in known)
        case schema.Compare(answer=qid):
            question = readable.get(qid)
            if question is None:
                yield f"refers to {qid!r}, which is not an earlier question"
            elif question.type not in NUMERIC:
                yield f"a comparison needs a number or year question, but {qid!r} is not one"


_YN = {"yes", "no"}


def _with_choices(flow: Flow, districts: Sequence[District]) -> Flow:
    """Yes/no questions get yes and no, district questions the city's districts."""
    district_choices = [Choice(id=d.id, text=d.name) for d in districts]
    sections = []
    for section in flow.sections:
        questions = []
        for question in section.questions:
            if question.type is QuestionType.yes_no:
                question = question.model_copy(update={"choices": list(YES_NO)})
            elif question.type is QuestionType.district:
                question = question.model_copy(update={"choices": district_choices})
            questions.append(question)
        sections.append(section.model_copy(update={"questions": questions}))
    return flow.model_copy(update={"sections": sections})
