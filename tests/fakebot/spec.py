"""The Bot API specification as data, and the checks a real Bot API server makes."""

from __future__ import annotations

import json
import re
from functools import cache
from html import unescape
from pathlib import Path
from typing import Any

SPEC_FILE = Path(__file__).resolve().parent.parent / "data" / "telegram-bot-api.json"
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
_BUTTON_EXTRAS = {"text", "icon_custom_emoji_id", "style"}


@cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC_FILE.read_text(encoding="utf-8"))


def method_fields(method: str) -> dict[str, dict[str, Any]] | None:
    found = spec()["methods"].get(method)
    if found is None:
        return None
    return {f["name"]: f for f in found.get("fields", [])}


def is_structured(types: list[str]) -> bool:
    """Arrays and objects travel JSON-encoded in form and multipart requests."""
    return any(t.startswith("Array") or t in spec()["types"] for t in types) and not any(
        t in ("String", "Integer", "Boolean", "Float") for t in types
    )


def coerce(types: list[str], value: Any) -> Any:
    """A form value (always text) as the type the spec names."""
    if not isinstance(value, str):
        return value
    if "Integer" in types and re.fullmatch(r"-?\d+", value):
        return int(value)
    if "Float" in types:
        try:
            return float(value)
        except ValueError:
            return value
    if types == ["Boolean"] and value in ("true", "false", "True", "False"):
        return value.lower() == "true"
    if is_structured(types) or "InputFile" in types:
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def plain_text(text: str, parse_mode: str | None) -> str:
    if parse_mode and parse_mode.upper() == "HTML":
        return unescape(re.sub(r"<[^>]+>", "", text))
    return text


def problems(method: str, params: dict[str, Any]) -> list[str]:
    """What a real Bot API server would refuse in this request (400 Bad Request)."""
    fields = method_fields(method)
    if fields is None:
        return [f"unknown method {method}"]
    found = [f"unknown parameter {name}" for name in params if name not in fields]
    found += [
        f"missing required parameter {name}"
        for name, field in fields.items()
        if field.get("required") and name not in params
    ]
    for name, value in params.items():
        field = fields.get(name)
        if field is None:
            continue
        found += _type_problems(name, field["types"], value)
    parse_mode = params.get("parse_mode")
    if "text" in params and "text" in fields and method != "answerCallbackQuery":
        text = plain_text(str(params["text"]), parse_mode)
        if not text.strip():
            found.append("text is empty")
        if len(text) > TEXT_LIMIT:
            found.append(f"text is {len(text)} characters, over {TEXT_LIMIT}")
    if "caption" in params and len(plain_text(str(params["caption"]), parse_mode)) > CAPTION_LIMIT:
        found.append("caption over 1024 characters")
    if method == "answerCallbackQuery" and len(str(params.get("text", ""))) > 200:
        found.append("callback answer text over 200 characters")
    markup = params.get("reply_markup")
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        found += _keyboard_problems(markup["inline_keyboard"])
    return found


def _type_problems(name: str, types: list[str], value: Any) -> list[str]:
    if isinstance(value, bool):
        return [] if "Boolean" in types else [f"{name} must not be a boolean"]
    if isinstance(value, int):
        ok = {"Integer", "Float", "String"} & set(types)
        return [] if ok else [f"{name} must be {'/'.join(types)}, not a number"]
    if isinstance(value, (dict, list)):
        return [] if is_structured(types) else [f"{name} must be {'/'.join(types)}"]
    if isinstance(value, str) and types == ["Integer"]:
        return [f"{name} must be an integer"]
    return []


def _keyboard_problems(rows: Any) -> list[str]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        return ["inline_keyboard must be an array of arrays of buttons"]
    found = []
    for row in rows:
        for button in row:
            actions = [key for key in button if key not in _BUTTON_EXTRAS]
            if not button.get("text"):
                found.append("inline keyboard button without text")
            if len(actions) != 1:
                found.append(f"button {button.get('text')!r} must have exactly one action")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= CALLBACK_DATA_LIMIT:
                found.append(f"callback_data {data!r} is not 1-64 bytes")
    return found
