"""The flow model: a questionnaire as data, in the vocabulary of XLSForm.

A flow has sections (one per field of action, plus general and closing parts), each with
questions. Among a section's questions a repeat group (XLSForm's begin_repeat) asks the same
questions once per round ("one or more offers"), and after each round whether there is another.
Conditions and flag rules are structured data, never evaluated code.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

# Telegram callback data is at most 64 bytes. The bot packs a prefix, an interview number and
# separators around the question id and the choice id; it promises to use at most this many.
CALLBACK_DATA_LIMIT = 64
CALLBACK_RESERVED = 16
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
TEXT_MAX_LENGTH = 1000
# An answer is stored under its key (engine.Step.key: `offers.2.name` inside a repeat group), and
# the interview's position is a key too: both columns hold 64 characters (storage/models.py,
# Answer.question_id and Interview.position).
KEY_MAX_LENGTH = 64
# Rounds of a repeat group without `max`, and the most a `max` may allow.
MAX_ROUNDS = 99

# A field of action's code; which codes exist is the deployment's (config.yaml `fields:`), so the
# loader checks them against the known ones it is given.
FieldOfAction = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,23}$")]


class QuestionType(StrEnum):
    single = "single"  # one of the choices
    multiple = "multiple"  # several choices; an exclusive one ("none of these") stands alone
    yes_no = "yes_no"  # the choices yes / no, given by the engine
    number = "number"  # a whole number within min..max
    year = "year"  # a year, not after the current one
    month_year = "month_year"  # MM/YYYY (or YYYY-MM), not after the current month
    text = "text"  # free text up to max_length characters
    phone = "phone"  # a telephone number, stored as digits with an optional leading +
    district = "district"  # one of the city's districts from config.yaml


CHOICE_TYPES = {
    QuestionType.single,
    QuestionType.multiple,
    QuestionType.yes_no,
    QuestionType.district,
}
# Answers as the person typed them, which can name them: never in exports or reports.
PERSONAL_TYPES = {QuestionType.text, QuestionType.phone}


class Priority(StrEnum):
    normal = "normal"
    high = "high"
    urgent = "urgent"

    @property
    def rank(self) -> int:
        return {"normal": 0, "high": 1, "urgent": 2}[self.value]


class SkipKind(StrEnum):
    """How a skippable question labels its skip button."""

    prefer_not = "prefer_not"  # "Ich möchte das nicht sagen"
    dont_know = "dont_know"  # "Weiß ich nicht"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# --- Conditions -----------------------------------------------------------------------------
# YAML forms:  {all: [...]} | {any: [...]} | {not: {...}}
#              {answer: q, in: [a, b]}          (choice questions; for multiple: any selected)
#              {answer: q, op: ">=", value: 3}  (number and year questions)
# A condition on a question that was skipped or not asked is false (its negation true).


class AllOf(_Model):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Model):
    any: list[Condition] = Field(min_length=1)


class Not(_Model):
    not_: Condition = Field(alias="not")


class AnswerIn(_Model):
    answer: str
    in_: list[str] = Field(alias="in", min_length=1)


class Compare(_Model):
    answer: str
    op: Literal["<", "<=", ">", ">=", "==", "!="]
    value: int


Condition = Annotated[AllOf | AnyOf | Not | AnswerIn | Compare, Field(union_mode="smart")]
for _model in (AllOf, AnyOf, Not):
    _model.model_rebuild()


def referenced_questions(condition: Condition) -> list[str]:
    """Every question id a condition reads, in order of appearance."""
    match condition:
        case AllOf(all=parts) | AnyOf(any=parts):
            return [qid for part in parts for qid in referenced_questions(part)]
        case Not(not_=inner):
            return referenced_questions(inner)
        case AnswerIn(answer=qid) | Compare(answer=qid):
            return [qid]
    raise TypeError(f"not a condition: {condition!r}")


# --- Questions --------------------------------------------------------------------------------


class Choice(_Model):
    id: str
    text: str
    exclusive: bool = False  # multiple choice: "none of these" clears the others


class FlagRule(_Model):
    """When `when` holds for the answers, raise a flag for case management."""

    id: str
    when: Condition
    priority: Priority
    field: FieldOfAction
    reason: str  # German, for caseworkers
    # Urgent rules only: where to get help at once, shown to the person the moment the flag is
    # raised (source language, translated like every question text).
    help: str | None = None


class Question(_Model):
    id: str
    type: QuestionType
    text: str
    help: str | None = None
    skip: SkipKind | None = None  # None: an answer is required
    when: Condition | None = None
    choices: list[Choice] = []
    min: int | None = None
    max: int | None = None
    max_length: int = Field(300, ge=1, le=TEXT_MAX_LENGTH)
    flags: list[FlagRule] = []

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty")
        return value

    @property
    def skippable(self) -> bool:
        return self.skip is not None

    @property
    def has_choices(self) -> bool:
        return self.type in CHOICE_TYPES

    @property
    def personal(self) -> bool:
        """Free text or a phone number: kept for the caseworker, left out of exports and reports."""
        return self.type in PERSONAL_TYPES


class Repeat(_Model):
    """A repeat group: its questions are asked once per round, then "add another?" (`another`,
    a yes/no question) until the person says no or `max` rounds are given. Before `min` rounds
    the only answer is yes; with `min: 0` the question comes before the first round as well.

    YAML: `{repeat: offers, label: "Angebot {number}", min: 1, max: 10, another: "…?",
    questions: [...]}`.
    """

    id: str = Field(alias="repeat")
    label: str  # one round's heading, `{number}` where its number goes: "Angebot {number}"
    another: str  # the question after each round, answered yes or no
    min: int = Field(1, ge=0)
    max: int | None = Field(None, ge=1)
    questions: list[Entry] = []  # the loader refuses an empty group and a repeat inside one

    @field_validator("label", "another")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty")
        return value

    @field_validator("label")
    @classmethod
    def _numbered(cls, value: str) -> str:
        try:
            numbered = value.format(number=2)
        except (KeyError, IndexError, ValueError):
            numbered = value
        if "{number}" not in value or numbered == value:
            raise ValueError(
                "the label needs {number} where the round's number goes, and no other braces: "
                '"Angebot {number}"'
            )
        return value

    @property
    def rounds_limit(self) -> int:
        return self.max if self.max is not None else MAX_ROUNDS

    @property
    def own_questions(self) -> list[Question]:
        return [q for q in self.questions if isinstance(q, Question)]


def _entry_kind(value: object) -> str:
    if isinstance(value, dict):
        return "repeat" if "repeat" in value else "question"
    return "repeat" if isinstance(value, Repeat) else "question"


# An item of a section's `questions`: a question, or a repeat group (it has the key `repeat`).
Entry = Annotated[
    Annotated[Question, Tag("question")] | Annotated[Repeat, Tag("repeat")],
    Discriminator(_entry_kind),
]
Repeat.model_rebuild()


class Section(_Model):
    id: str
    title: str
    field: FieldOfAction | None = None  # None for the general and closing sections
    entries: list[Entry] = Field(alias="questions", min_length=1)

    @property
    def questions(self) -> list[Question]:
        """Every question of the section, those of its repeat groups included, in order."""
        return [q for entry in self.entries for q in _flat(entry)]

    @property
    def repeats(self) -> list[Repeat]:
        return [entry for entry in self.entries if isinstance(entry, Repeat)]


def _flat(entry: Question | Repeat) -> list[Question]:
    if isinstance(entry, Question):
        return [entry]
    return [q for inner in entry.questions for q in _flat(inner)]


class Flow(_Model):
    id: str
    version: int = Field(ge=1)
    source_language: Literal["de"] = "de"
    title: str
    # False: the flow is German only (the provider survey): its texts stay out of the
    # respondents' catalogs, and it is shown untranslated.
    translate: bool = True
    sections: list[Section] = Field(min_length=1)

    @property
    def questions(self) -> list[Question]:
        """Every question, those of repeat groups included (their answers are stored per round,
        under keys the engine makes: see engine.Step)."""
        return [q for section in self.sections for q in section.questions]

    @property
    def repeats(self) -> list[Repeat]:
        return [group for section in self.sections for group in section.repeats]

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def repeat(self, repeat_id: str) -> Repeat:
        for group in self.repeats:
            if group.id == repeat_id:
                return group
        raise KeyError(repeat_id)

    def repeat_of(self, question_id: str) -> Repeat | None:
        """The repeat group the question belongs to; None for a question outside every group."""
        for group in self.repeats:
            if any(q.id == question_id for q in group.own_questions):
                return group
        return None

    def section_of(self, question_id: str) -> Section:
        """The section of a question, or of a repeat group given by its id."""
        for section in self.sections:
            if any(q.id == question_id for q in section.questions):
                return section
            if any(group.id == question_id for group in section.repeats):
                return section
        raise KeyError(question_id)

    @model_validator(mode="after")
    def _ids_are_short_words(self) -> Flow:
        for q in self.questions:
            if not ID_PATTERN.match(q.id):
                raise ValueError(f"question id {q.id!r} must be lowercase a-z, 0-9 and _")
        for group in self.repeats:
            if not ID_PATTERN.match(group.id):
                raise ValueError(f"repeat group id {group.id!r} must be lowercase a-z, 0-9 and _")
        return self


# --- Translation contexts -----------------------------------------------------------------------
# Every flow text is a gettext message whose msgid is the German text and whose msgctxt says
# where it stands, so two equal German strings can be translated differently.


def text_context(flow_id: str, *parts: str) -> str:
    """`needs:age_group`, `needs:age_group:choice:u18`, `needs:age_group:help`, …; a repeat
    group's "add another?" question is `survey:offers`, its label `survey:offers:label`."""
    return ":".join((flow_id, *parts))
