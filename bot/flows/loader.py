"""Flow files: YAML → Flow, with every problem named by file, question and cause."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from bot.core.config import District, Settings, yaml_problem
from bot.flows import schema
from bot.flows.schema import (
    CALLBACK_DATA_LIMIT,
    CALLBACK_RESERVED,
    KEY_MAX_LENGTH,
    MAX_ROUNDS,
    Choice,
    Flow,
    Priority,
    Question,
    QuestionType,
    Repeat,
)

FLOWS_DIR = Path(__file__).parent
PROVIDER_FLOW = "providers"  # the survey of providers (German only), beside config.yaml's flow
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


def provider_flow_path() -> Path:
    """The provider survey: the flows folder's (KIM_FLOWS_DIR), else the one the bot ships."""
    path = flow_path(PROVIDER_FLOW)
    return path if path.exists() else FLOWS_DIR / f"{PROVIDER_FLOW}.yaml"


def load_configured_flow(settings: Settings) -> Flow:
    return load_flow(flow_path(settings.flow), settings.districts, settings.field_ids)


def load_flow(
    path: Path, districts: Sequence[District] = (), fields: Collection[str] | None = None
) -> Flow:
    """Read and check a flow file; raise FlowError listing every problem found. `fields`, the
    known fields of action, makes a section or flag rule naming another field a problem."""
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
    if fields is not None:
        problems += _unknown_fields(name, flow, fields)
    if problems:
        raise FlowError(problems)
    return _with_choices(flow, districts)


def _schema_problem(name: str, data: dict, error: dict) -> FlowProblem:
    loc, question = _question_at(data, list(error["loc"]))
    where = ".".join(str(part) for part in loc if not str(part).startswith("function-"))
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    return FlowProblem(name, question, f"{where}: {message}" if where else message)


def _question_at(data: dict, loc: list) -> tuple[list, str | None]:
    """The rest of an error's location below the innermost question (or repeat group) it names,
    and that question's id: `sections.1.questions.2.repeat.questions.0.question.type`."""
    if len(loc) < 4 or loc[0] != "sections" or loc[2] != "questions":
        return loc, None
    question, node, rest = None, _get(data, "sections", loc[1]), loc[2:]
    while len(rest) >= 2 and rest[0] == "questions" and isinstance(rest[1], int):
        node = _get(node, "questions", rest[1])
        question = node.get("id") or node.get("repeat") if isinstance(node, dict) else None
        rest = rest[2:]
        if rest and rest[0] in ("question", "repeat") and (len(rest) > 1 or rest[0] == "question"):
            rest = rest[1:]  # the tag of the kind of entry
    return rest, question


def _get(node: object, key: str, index: int) -> object:
    try:
        return node[key][index]  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return None


def _check(name: str, flow: Flow) -> Iterator[FlowProblem]:
    groups = [group.id for group in flow.repeats]
    for kind, ids in (
        ("section", [s.id for s in flow.sections]),
        ("question", [q.id for q in flow.questions] + groups),
        ("flag rule", [r.id for q in flow.questions for r in q.flags]),
    ):
        for duplicate in sorted(i for i, n in Counter(ids).items() if n > 1):
            yield FlowProblem(name, None, f"{kind} id {duplicate!r} is used more than once")
    for group in flow.repeats:
        yield from (FlowProblem(name, group.id, m) for m in _check_repeat(group))
    earlier: dict[str, Question] = {}
    for section in flow.sections:
        for entry in section.entries:
            if isinstance(entry, Repeat):
                own = {**earlier}
                for question in entry.own_questions:
                    yield from _check_asked(name, question, own, flow, entry)
                    own[question.id] = question
                continue
            yield from _check_asked(name, entry, earlier, flow, None)
            earlier[entry.id] = entry


def _unknown_fields(name: str, flow: Flow, fields: Collection[str]) -> list[FlowProblem]:
    """One problem per section or flag rule that refers to a field not defined."""
    problems = [
        FlowProblem(name, None, _undefined(f"section {section.id}", section.field))
        for section in flow.sections
        if section.field is not None and section.field not in fields
    ]
    problems += [
        FlowProblem(name, question.id, _undefined(f"flag rule {rule.id}", rule.field))
        for question in flow.questions
        for rule in question.flags
        if rule.field not in fields
    ]
    return problems


def _undefined(where: str, field: str) -> str:
    return f"{where}: field of action {field!r} is not defined in config.yaml `fields:`"


def _check_asked(
    name: str, question: Question, earlier: dict[str, Question], flow: Flow, group: Repeat | None
) -> Iterator[FlowProblem]:
    """The question itself, and what its condition and flag rules read (`earlier`: the questions
    before it outside repeat groups, and before it in its own group)."""
    yield from (FlowProblem(name, question.id, m) for m in _check_question(question, group))
    if question.when is not None:
        for message in _check_condition(question.when, earlier, flow, group):
            yield FlowProblem(name, question.id, f"condition: {message}")
    readable = {**earlier, question.id: question}
    for rule in question.flags:
        for message in _check_condition(rule.when, readable, flow, group):
            yield FlowProblem(name, question.id, f"flag rule {rule.id}: {message}")
        if rule.help is not None and rule.priority is not Priority.urgent:
            message = "only an urgent rule tells the person where to get help; remove `help`"
            yield FlowProblem(name, question.id, f"flag rule {rule.id}: {message}")


def _check_repeat(group: Repeat) -> Iterator[str]:
    if not group.questions:
        yield "a repeat group needs at least one question"
    for inner in group.questions:
        if isinstance(inner, Repeat):
            yield (
                f"repeat group {inner.id!r} is inside repeat group {group.id!r}: repeat groups "
                "inside repeat groups are not supported"
            )
    if group.max is not None and group.min > group.max:
        yield f"min ({group.min}) is greater than max ({group.max})"
    if group.max is not None and group.max > MAX_ROUNDS:
        yield f"max ({group.max}) is more than the {MAX_ROUNDS} rounds a group can have"
    for question in group.own_questions:
        if question.flags:
            yield f"{question.id}: flag rules inside a repeat group are not supported"
    longest = max([len(q.id) for q in group.own_questions], default=0)
    key = f"{group.id}.{group.rounds_limit}.{'x' * longest}"
    if len(key) > KEY_MAX_LENGTH:
        yield (
            f"answers of this group are stored under keys up to {len(key)} characters "
            f"(group id, round, question id); at most {KEY_MAX_LENGTH} fit (shorten the ids)"
        )
    if len(f"{group.id}.{group.rounds_limit}".encode()) + len(b"yes") > ID_BUDGET:
        yield "repeat group id is too long for Telegram's callback data"


def _check_question(question: Question, group: Repeat | None = None) -> Iterator[str]:
    kind = question.type
    # Buttons carry the question's key: inside a group, with the group id and round before it.
    key_length = len(question.id.encode())
    if group is not None:
        key_length += len(f"{group.id}.{group.rounds_limit}.".encode())
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
        size = key_length + len(choice.id.encode())
        if size > ID_BUDGET:
            yield (
                f"choice {choice.id}: question id and choice id take {size} bytes; Telegram's "
                f"callback data leaves {ID_BUDGET} for both (shorten the ids)"
            )
    if question.min is not None and question.max is not None and question.min > question.max:
        yield f"min ({question.min}) is greater than max ({question.max})"
    if kind is not QuestionType.number and (question.min is not None or question.max is not None):
        yield "only a number question has min and max"
    if not question.has_choices and key_length > ID_BUDGET:
        yield "question id is too long for Telegram's callback data"


def _check_condition(
    condition: schema.Condition,
    readable: dict[str, Question],
    flow: Flow,
    group: Repeat | None = None,
) -> Iterator[str]:
    match condition:
        case schema.AllOf(all=parts) | schema.AnyOf(any=parts):
            for part in parts:
                yield from _check_condition(part, readable, flow, group)
        case schema.Not(not_=inner):
            yield from _check_condition(inner, readable, flow, group)
        case schema.AnswerIn(answer=qid, in_=values):
            question = readable.get(qid)
            if question is None:
                yield _unreadable(qid, flow, group)
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
                yield _unreadable(qid, flow, group)
            elif question.type not in NUMERIC:
                yield f"a comparison needs a number or year question, but {qid!r} is not one"


_YN = {"yes", "no"}


def _unreadable(qid: str, flow: Flow, reader: Repeat | None) -> str:
    """Why a condition cannot read `qid`: another round, another group, or no earlier question."""
    group_id = qid.split(".")[0]
    if "." in qid and group_id in {group.id for group in flow.repeats}:
        return (
            f"refers to {qid!r}, an answer of one round of repeat group {group_id!r}; a "
            "condition reads only its own round, by the question id alone"
        )
    group = flow.repeat_of(qid)
    if group is not None and group is not reader:
        return (
            f"refers to {qid!r}, a question of repeat group {group.id!r}; only a later question "
            "of the same group can read it (in the same round)"
        )
    return f"refers to {qid!r}, which is not an earlier question"


def _with_choices(flow: Flow, districts: Sequence[District]) -> Flow:
    """Yes/no questions get yes and no, district questions the city's districts."""
    district_choices = [Choice(id=d.id, text=d.name) for d in districts]

    def filled(entry: Question | Repeat) -> Question | Repeat:
        if isinstance(entry, Repeat):
            return entry.model_copy(update={"questions": [filled(q) for q in entry.questions]})
        if entry.type is QuestionType.yes_no:
            return entry.model_copy(update={"choices": list(YES_NO)})
        if entry.type is QuestionType.district:
            return entry.model_copy(update={"choices": district_choices})
        return entry

    sections = [
        section.model_copy(update={"entries": [filled(entry) for entry in section.entries]})
        for section in flow.sections
    ]
    return flow.model_copy(update={"sections": sections})
