"""What counts as a need: the one rule, pure. Reports count it, broadcasts select by it.

A person has a need in a field of action when their answers raise a flag there
(bot/flows/needs.yaml, engine.raised_flags): exactly the flags that open a case at the end.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.flows import engine
from bot.flows.schema import Flow

Answers = dict[str, Any]  # question id -> decoded answer or engine.SKIPPED
Stored = Mapping[str, tuple[str | None, bool]]  # question id -> (code, skipped)


def decode_stored(flow: Flow, stored: Stored) -> Answers:
    """Stored answer rows as the engine's answers (rows of an older question version left out)."""
    answers: Answers = {}
    for question in flow.questions:
        if question.id not in stored:
            continue
        code, skipped = stored[question.id]
        if skipped or code is None:
            answers[question.id] = engine.SKIPPED
            continue
        try:
            answers[question.id] = engine.decode_answer(question, code)
        except (ValueError, KeyError):
            continue
    return answers


def needs_of(flow: Flow, answers: Answers) -> frozenset[str]:
    """The fields of action in which a person reports a need: those of the flags their answers
    raise (engine.raised_flags), exactly the flags that open a case at the end."""
    return frozenset(flag.field for flag in engine.raised_flags(flow, answers))
