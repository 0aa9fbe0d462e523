"""Text that a person chose (their Telegram name, a typed answer, a message) made safe to show to
staff: nothing hidden in it can reorder, hide or fake what a caseworker reads."""

from __future__ import annotations

import re
import unicodedata

# Control (Cc), format (Cf: bidi overrides, embeddings, isolates and marks, zero-width characters,
# the byte order mark, tags) and lone surrogates (Cs, which cannot even be sent).
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
_BREAKS = re.compile("\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")


def hidden(char: str) -> bool:
    """A character staff must not get: invisible, yet it changes how the text around it shows."""
    return unicodedata.category(char) in HIDDEN_CATEGORIES and char != "\n"


def for_staff(text: str | None, *, multiline: bool = False) -> str:
    """`text` without hidden characters; a tab becomes a space, every kind of line break a
    newline (`multiline`, for a message) or a space (a name or an answer within a line).

    Hidden characters are removed, not shown as codes: the zero-width non-joiner is part of
    ordinary Persian spelling and the joiner of emoji, so a visible code would garble honest
    names and answers, while removing them leaves every visible character in its order.
    """
    if not text:
        return ""
    if text.isprintable():  # the usual case: no control, format or line-break character at all
        return text
    text = _BREAKS.sub("\n" if multiline else " ", text).replace("\t", " ")
    return "".join(char for char in text if char == "\n" or not hidden(char))
