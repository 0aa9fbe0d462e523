"""The flow model: a questionnaire as data, in the vocabulary of XLSForm.

A flow has sections (one per field of action, plus general and closing parts), each with
questions. Conditions and flag rules are structured data, never evaluated code.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.core.config import FIELDS_OF_ACTION

# Telegram callback data is at most 64 bytes. The bot packs a prefix, an interview number and
# separators around the question id and the choice id; it promises to use at most this many.
CALLBACK_DATA_LIMIT = 64
CALLBACK_RESERVED = 16
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
TEXT_MAX_LENGTH = 1000

FieldOfAction = Literal["language", "education", "work", "housing", "health", "residence", "social"]
assert set(FieldOfAction.__args__) == set(FIELDS_OF_ACTION)


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


class Section(_Model):
    id: str
    title: str
    field: FieldOfAction | None = None  # None for the general and closing sections
    questions: list[Question] = Field(min_length=1)


class Flow(_Model):
    id: str
    version: int = Field(ge=1)
    source_language: Literal["de"] = "de"
    title: str
    sections: list[Section] = Field(min_length=1)

    @property
    def questions(self) -> list[Question]:
        return [q for section in self.sections for q in section.questions]

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def section_of(self, question_id: str) -> Section:
        for section in self.sections:
            if any(q.id == question_id for q in section.questions):
                return section
        raise KeyError(question_id)

    @model_validator(mode="after")
    def _ids_are_short_words(self) -> Flow:
        for q in self.questions:
            if not ID_PATTERN.match(q.id):
                raise ValueError(f"question id {q.id!r} must be lowercase a-z, 0-9 and _")
        return self


# --- Translation contexts -----------------------------------------------------------------------
# Every flow text is a gettext message whose msgid is the German text and whose msgctxt says
# where it stands, so two equal German strings can be translated differently.


def text_context(flow_id: str, *parts: str) -> str:
    """`needs:age_group`, `needs:age_group:choice:u18`, `needs:age_group:help`, …"""
    return ":".join((flow_id, *parts))
