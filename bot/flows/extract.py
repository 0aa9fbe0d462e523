"""Babel extractor for flow files: every respondent-facing text, with its `text_context`.

Registered as the `kim_flow` extraction method (babel.cfg, and the `babel.extractors` entry point).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.flows.schema import QuestionType, text_context

# Choices the flow does not spell out: yes/no labels come from the code's shared "Ja"/"Nein",
# district names are proper nouns from config.yaml and stay as they are.
_CHOICES_NOT_TRANSLATED = {QuestionType.yes_no.value, QuestionType.district.value}

_STRING_TAG = "tag:yaml.org,2002:str"
_FALSE = {"false", "False", "FALSE"}

Extracted = tuple[int, str, tuple[str, str], list[str]]


def extract_flow(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Extracted]:
    """Yield `(line, "pgettext", (context, text), comments)` for each text of the flow."""
    root = yaml.compose(fileobj)
    if not isinstance(root, MappingNode):
        return
    flow = _fields(root)
    flow_id = _string(flow.get("id"))
    if flow_id is None or _untranslated(flow.get("translate")):
        return  # a German-only flow (`translate: false`) has nothing for the catalogs
    yield from _message(flow.get("title"), text_context(flow_id, "title"), "Title of the form")
    for section_node in _items(flow.get("sections")):
        section = _fields(section_node)
        section_id = _string(section.get("id"))
        if section_id is None:
            continue
        context = text_context(flow_id, "section", section_id)
        yield from _message(section.get("title"), context, "Section title")
        for question_node in _items(section.get("questions")):
            entry = _fields(question_node)
            if "repeat" in entry:
                yield from _repeat(flow_id, entry)
            else:
                yield from _question(flow_id, entry)


def _repeat(flow_id: str, group: dict[str, Node]) -> Iterator[Extracted]:
    """A repeat group: its label, its "add another?" question and its questions."""
    group_id = _string(group.get("repeat"))
    if group_id is None:
        return
    label = (_string(group.get("label")) or "").replace("{number}", "").strip()
    note = "Heading of one round of a repeat group; keep {number}: “Angebot {number}”"
    yield from _message(group.get("label"), text_context(flow_id, group_id, "label"), note)
    note = f"Asked after each {label}: whether there is another one (answered yes or no)"
    yield from _message(group.get("another"), text_context(flow_id, group_id), note)
    for question_node in _items(group.get("questions")):
        yield from _question(flow_id, _fields(question_node))


def _question(flow_id: str, question: dict[str, Node]) -> Iterator[Extracted]:
    question_id = _string(question.get("id"))
    if question_id is None:
        return
    text = _string(question.get("text")) or ""
    yield from _message(question.get("text"), text_context(flow_id, question_id), "Question")
    help_context = text_context(flow_id, question_id, "help")
    yield from _message(question.get("help"), help_context, f"Help for the question: {text}")
    for rule_node in _items(question.get("flags")):
        rule = _fields(rule_node)
        rule_id = _string(rule.get("id"))
        if rule_id is not None:
            context = text_context(flow_id, question_id, "flag", rule_id)
            note = f"Shown at once when the answer to “{text}” is urgent: where to get help"
            yield from _message(rule.get("help"), context, note)
    if _string(question.get("type")) in _CHOICES_NOT_TRANSLATED:
        return
    for choice_node in _items(question.get("choices")):
        choice = _fields(choice_node)
        choice_id = _string(choice.get("id"))
        if choice_id is None:
            continue
        context = text_context(flow_id, question_id, "choice", choice_id)
        yield from _message(choice.get("text"), context, f"Answer button for: {text}")


def _message(node: Node | None, context: str, comment: str) -> Iterator[Extracted]:
    text = _string(node)
    if node is not None and text and text.strip():
        yield node.start_mark.line + 1, "pgettext", (context, text), [comment]


def _fields(node: Node) -> dict[str, Node]:
    if not isinstance(node, MappingNode):
        return {}
    return {key.value: value for key, value in node.value if isinstance(key, ScalarNode)}


def _items(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


def _string(node: Node | None) -> str | None:
    """The scalar's text if YAML reads it as a string (not a number, a date or null)."""
    if isinstance(node, ScalarNode) and node.tag == _STRING_TAG:
        return node.value
    return None


def _untranslated(node: Node | None) -> bool:
    """`translate: false` (YAML's boolean false)."""
    return isinstance(node, ScalarNode) and node.value in _FALSE
