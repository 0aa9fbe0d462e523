"""What every handler gets (the person, the event), and what holds for every update handled.

- Each update is marked as handled before its first reply goes out (once across replicas).
- A reply that Telegram refuses with 429 is sent again after `retry_after`.
- Every button press gets an answer, whatever the handler did.
- A redelivered update, a blocked chat and a refusal by Telegram end in one log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.methods import AnswerCallbackQuery, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, TelegramObject, Update, User

from bot.core.service import DuplicateEvent, Event, Person, Service, current_handling, handling
from bot.intake.service import Conversation
from bot.outbox.pacing import RateBudget
from bot.telegram.render import Blocked

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

REPLY_ATTEMPTS = 4
MESSAGES = ("Send", "Edit", "Copy", "Forward")  # the calls Telegram's message limits count
LONGEST_WAIT = 60  # seconds; a longer retry_after is not waited out inside a reply


def person_of(user: User, chat: Chat | None) -> Person:
    return Person(
        channel="telegram",
        user_id=str(user.id),
        chat_id=chat.id if chat is not None else user.id,
        first_name=user.first_name,
        device_language=user.language_code,
    )


@dataclass
class _Press:
    answered: bool = False


_press: ContextVar[_Press | None] = ContextVar("press", default=None)


class PersonMiddleware(BaseMiddleware):
    """Adds `person` and `incoming`, handles the update once, and ends every update quietly."""

    async def __call__(self, handler: Handler, update: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(update, Update)
        user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        incoming = data["incoming"] = Event(update_id=update.update_id)
        if user is not None:
            data["person"] = person_of(user, chat)
        press = _Press() if update.callback_query is not None else None
        token = _press.set(press)
        duplicate = False
        try:
            with handling(incoming):
                return await handler(update, data)
        except DuplicateEvent:
            duplicate = True
            log.info("update %s was handled before; skipped", update.update_id)
        except Blocked:
            log.info("chat blocked the bot; marked unreachable (update %s)", update.update_id)
            conversation: Conversation = data["conversation"]
            if "person" in data:
                await conversation.mark_unreachable(data["person"])
        except TelegramAPIError as error:
            log.warning(
                "update %s: Telegram refused %s (%s)",
                update.update_id,
                type(error.method).__name__,
                type(error).__name__,
            )
        finally:
            _press.reset(token)
            if press is not None and not press.answered and not duplicate:
                await _answer_quietly(data["bot"], update.callback_query.id)
        return None


async def _answer_quietly(bot: Bot, callback_id: str) -> None:
    """A press nothing answered (unknown, forged, or its handler failed): stop the spinner."""
    with contextlib.suppress(TelegramAPIError, TimeoutError, asyncio.TimeoutError):
        async with asyncio.timeout(10):
            await bot.answer_callback_query(callback_id)


class ReplyMiddleware(BaseRequestMiddleware):
    """Every Bot API call made while an update is handled: mark first, wait out a 429."""

    def __init__(self, service: Service, budget: RateBudget | None = None) -> None:
        self.service = service
        self.budget = budget

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        if current_handling() is None:  # the outbox, polling, start-up: they pace themselves
            return await make_request(bot, method)
        if type(method).__name__.startswith("Get"):  # getMe for a /cmd@bot filter: no reply
            return await make_request(bot, method)
        await self.service.mark_before_reply()
        if self.budget is not None and type(method).__name__.startswith(MESSAGES):
            self.budget.spend()  # never waits; the outbox leaves room for it
        press = _press.get()
        if press is not None and isinstance(method, AnswerCallbackQuery):
            press.answered = True
        attempt = 1
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if attempt == REPLY_ATTEMPTS or error.retry_after > LONGEST_WAIT:
                    raise
                log.warning(
                    "Telegram asked to wait %s s before %s; sending again then",
                    error.retry_after,
                    type(method).__name__,
                )
                await asyncio.sleep(error.retry_after)
                attempt += 1
