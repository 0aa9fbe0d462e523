"""Screens as text: the one way a question, a summary or a note becomes words in a language.

Every channel (Telegram, the terminal chat) turns a Screen into text with `screen_text` and
labels buttons with `button_label`, so a question reads the same everywhere.
"""

from __future__ import annotations

from bot.core.i18n import Msg, translator
from bot.ui.model import Button, Label, Screen

TEXT_LIMIT = 4096  # Telegram's limit for one message
TICK = "✓ "


def label_text(label: Label, language: str) -> str:
    return translator(language)(label) if isinstance(label, Msg) else label


def screen_text(screen: Screen, language: str) -> str:
    paragraphs = []
    for part in screen.parts:
        if isinstance(part, tuple):
            paragraphs.append(", ".join(label_text(p, language) for p in part))
        else:
            paragraphs.append(label_text(part, language))
    return "\n\n".join(p for p in paragraphs if p)


def button_label(button: Button, language: str) -> str:
    text = label_text(button.label, language)
    return TICK + text if button.selected else text


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut a long text into messages at paragraph, line or word boundaries, never mid-word."""
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        # The latest paragraph break in the second half of the window, else a line, else a word.
        cut = next(
            (at for sep in ("\n\n", "\n", " ") if (at := window.rfind(sep)) > limit // 2),
            limit,
        )
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    chunks.append(rest)
    return [c for c in chunks if c]
