"""What the sender hands a channel, and what the channel answers: a message and its fate.

The sender knows nothing of Telegram. A `Transport` sends (or edits in place) one message and
maps the channel's answer to `Delivered`, `Blocked`, `Gone`, `RetryAfter` or `Failed`; the
Telegram one lives in bot/telegram/delivery.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.ui.model import Screen


@dataclass(frozen=True)
class Outgoing:
    """What one delivery says, in the reader's language, and how: a new message (answering
    `reply_to`), or `edit` an earlier one in place — sent anew if that one is gone and
    `or_send` says so. `chat_id` overrides the delivery's chat (a team's group). `paid`: a
    paid broadcast, beyond Telegram's free limit."""

    language: str
    screen: Screen
    chat_id: int | None = None
    edit: int | None = None
    or_send: bool = False
    reply_to: int | None = None
    paid: bool = False


@dataclass(frozen=True)
class Delivered:
    """The message arrived (or was brought up to date in place), as these messages."""

    message_ids: tuple[int, ...] = ()

    @property
    def message_id(self) -> int | None:
        return self.message_ids[-1] if self.message_ids else None


@dataclass(frozen=True)
class Gone:
    """The message to edit is no longer there (deleted in the chat)."""


@dataclass(frozen=True)
class Blocked:
    """The person blocked the bot: nothing more goes to them until they write again."""


@dataclass(frozen=True)
class RetryAfter:
    """The channel's flood control: everything waits `seconds`, then this message goes again."""

    seconds: float


@dataclass(frozen=True)
class Failed:
    """Not sent; `retryable` for faults of the way there (server errors, time-outs)."""

    error: str
    retryable: bool = False


Result = Delivered | Blocked | Gone | RetryAfter | Failed


class Transport(Protocol):
    """A channel the outbox sends through (each call bounded by the channel's own time-out)."""

    async def send(self, chat_id: int, message: Outgoing) -> Result:
        """Send `message` as a new message to `chat_id` (a long text as several, in order)."""
        ...

    async def edit(self, chat_id: int, message_id: int, message: Outgoing) -> Result:
        """Replace the text and buttons of a message sent before."""
        ...
