"""Filters of the Telegram routers: who is staff or coordinator, and magic filters (F.…)
checked on the event loop.

The role filters ask the casework policy (through StaffService) and are the one role check of
every staff and coordinator route. aiogram runs a filter that is not a coroutine in a worker
thread, and a magic filter is not one: each check of `F.chat.type == "private"` would be a round
trip through a thread, about twenty for one typed message. `inline(F.…)` checks the same
expression in place.
"""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.filters import Filter
from aiogram.types import TelegramObject, User
from magic_filter import MagicFilter

from bot.casework.staff import StaffService


class _Inline(Filter):
    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: TelegramObject) -> Any:
        return self.magic.resolve(event)

    def __str__(self) -> str:
        return f"inline({self.magic!r})"


def inline(magic: MagicFilter) -> Filter:
    """The magic filter `magic` as a filter aiogram awaits instead of sending to a thread."""
    return _Inline(magic)


PRIVATE = inline(F.chat.type == "private")
PRIVATE_PRESS = inline(F.message.chat.type == "private")
COMMAND = inline(F.text.startswith("/"))
TYPED = inline(F.text & ~F.text.startswith("/"))  # text that is not a command


class _Role(Filter):
    """The sender holds a staff role: `check` names the StaffService question that decides."""

    check: str

    async def __call__(
        self,
        event: TelegramObject,
        event_from_user: User | None = None,
        staff: StaffService | None = None,
    ) -> bool:
        if event_from_user is None or staff is None:
            return False
        return await getattr(staff, self.check)(event_from_user.id)


class Staff(_Role):
    """The sender is active staff (any role)."""

    check = "is_staff"


class Coordinator(_Role):
    """The sender coordinates (named in config.yaml, or registered as coordinator)."""

    check = "is_coordinator"
