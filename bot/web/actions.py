"""A respondent's button as a form value and back: `Choose|12|district|sieglar`.

Only the actions a respondent may press are known here; anything else, or a value of the wrong
type, reads as None and is answered as a stale button. A well-formed value that names another
person's interview or an old question is refused by the conversation, as in Telegram.
"""

from __future__ import annotations

import dataclasses
import typing

from bot.ui.model import Action, PersonAction

# The actions a respondent may press, by name.
KINDS: dict[str, type] = {kind.__name__: kind for kind in typing.get_args(PersonAction)}
SEPARATOR = "|"
LIMIT = 256


def encode(action: Action) -> str:
    values = [_text(getattr(action, f.name)) for f in dataclasses.fields(action)]
    return SEPARATOR.join((type(action).__name__, *values))


def decode(value: str) -> Action | None:
    if len(value) > LIMIT:
        return None
    name, *values = value.split(SEPARATOR)
    kind = KINDS.get(name)
    if kind is None:
        return None
    fields = dataclasses.fields(kind)
    if len(values) != len(fields):
        return None
    hints = typing.get_type_hints(kind)
    try:
        arguments = {f.name: _value(hints[f.name], v) for f, v in zip(fields, values, strict=True)}
        return kind(**arguments)
    except ValueError:
        return None


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    text = str(value)
    if SEPARATOR in text:
        raise ValueError(f"{text!r} holds {SEPARATOR!r}")
    return text


def _value(hint: object, text: str) -> object:
    if hint is bool:
        if text not in ("0", "1"):
            raise ValueError(text)
        return text == "1"
    if hint is int:
        if not text.isdigit() or len(text) > 12:
            raise ValueError(text)
        return int(text)
    allowed = typing.get_args(hint)
    if typing.get_origin(hint) is typing.Literal and text not in allowed:
        raise ValueError(text)
    return text
