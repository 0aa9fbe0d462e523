"""What every handler gets: the person, the event (for exactly-once), and a safe ending."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Chat, TelegramObject, Update, User

from bot.conversation import Conversation
from bot.services import DuplicateEvent, Event, Person
from bot.telegram.render import Blocked

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def person_of(user: User, chat: Chat | None) -> Person:
    return Person(
        channel="telegram",
        user_id=str(user.id),
        chat_id=chat.id if chat is not None else user.id,
        first_name=user.first_name,
        device_language=user.language_code,
    )


class PersonMiddleware(BaseMiddleware):
    """Adds `person` and `incoming`; a redelivered update and a blocked chat end quietly."""

    async def __call__(self, handler: Handler, update: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(update, Update)
        user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        data["incoming"] = Event(update_id=update.update_id)
        if user is not None:
            data["person"] = person_of(user, chat)
        try:
            return await handler(update, data)
        except DuplicateEvent:
            log.info("update %s was handled before; skipped", update.update_id)
        except Blocked:
            log.info("chat blocked the bot; marked unreachable (update %s)", update.update_id)
            conversation: Conversation = data["conversation"]
            if "person" in data:
                await conversation.mark_unreachable(data["person"])
        return None
