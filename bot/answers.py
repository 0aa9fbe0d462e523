"""How a stored answer reads: labels for choices, numbers, dates and skipped questions.

One place for this, used by the person's summary, /mydata, caseworker notices and exports.
"""

from __future__ import annotations

from bot.flows.engine import Skipped, decode_answer
from bot.flows.schema import Flow, Question, QuestionType, text_context
from bot.i18n import N_, Msg

YES = N_("Ja")
NO = N_("Nein")
SKIPPED_LABEL = N_("keine Angabe")


def choice_label(flow: Flow, question: Question, choice_id: str) -> Msg | str:
    if question.type is QuestionType.district:
        return next((c.text for c in question.choices if c.id == choice_id), choice_id)
    if question.type is QuestionType.yes_no:
        return Msg(YES if choice_id == "yes" else NO)
    choice = next(c for c in question.choices if c.id == choice_id)
    return Msg(choice.text, context=text_context(flow.id, question.id, "choice", choice.id))


def answer_labels(flow: Flow, question: Question, value: object) -> tuple[Msg | str, ...]:
    """The answer as labels to show; several for a multiple choice, joined by the renderer."""
    if isinstance(value, Skipped):
        return (Msg(SKIPPED_LABEL),)
    if question.type is QuestionType.multiple:
        assert isinstance(value, frozenset)
        return tuple(choice_label(flow, question, c.id) for c in question.choices if c.id in value)
    if question.has_choices:
        assert isinstance(value, str)
        return (choice_label(flow, question, value),)
    if question.type is QuestionType.month_year:
        assert isinstance(value, tuple)
        year, month = value
        return (f"{month:02d}/{year}",)
    return (str(value),)


def labels_from_code(flow: Flow, question: Question, code: str | None, skipped: bool):
    """Labels for a stored answer row (code as written by the engine's encode_answer)."""
    if skipped or code is None:
        return (Msg(SKIPPED_LABEL),)
    return answer_labels(flow, question, decode_answer(question, code))


def question_text(flow: Flow, question: Question) -> Msg:
    return Msg(question.text, context=text_context(flow.id, question.id))


def section_title(flow: Flow, question: Question) -> Msg:
    section = flow.section_of(question.id)
    return Msg(section.title, context=text_context(flow.id, "section", section.id))
