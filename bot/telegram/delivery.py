"""The outbox's way into Telegram: send or edit one message, and say how it went."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from bot.outbox.transport import Blocked, Delivered, Failed, Gone, Outgoing, Result, RetryAfter
from bot.telegram.render import keyboard, send_long
from bot.ui.text import TEXT_LIMIT, screen_text


class TelegramTransport:
    """bot/outbox/transport.Transport over the Bot API."""

    def __init__(self, bot: Bot, request_timeout: int = 20) -> None:
        self.bot = bot
        self.request_timeout = request_timeout

    async def send(self, chat_id: int, message: Outgoing) -> Result:
        body = screen_text(message.screen, message.language)
        markup = keyboard(message.screen, message.language)
        try:
            sent = await send_long(
                self.bot,
                chat_id,
                body,
                markup,
                message.reply_to,
                self.request_timeout,
                paid=message.paid,
            )
        except TelegramAPIError as error:
            return _result(error)
        return Delivered(tuple(m.message_id for m in sent))

    async def edit(self, chat_id: int, message_id: int, message: Outgoing) -> Result:
        body = screen_text(message.screen, message.language)[:TEXT_LIMIT]
        markup = keyboard(message.screen, message.language)
        try:
            await self.bot.edit_message_text(
                text=body,
                chat_id=chat_id,
                message_id=message_id,
                reply_markup=markup,
                request_timeout=self.request_timeout,
            )
        except TelegramAPIError as error:
            if "message is not modified" in error.message:
                return Delivered((message_id,))
            if isinstance(error, TelegramBadRequest) and "to edit not found" in error.message:
                return Gone()
            return _result(error)
        return Delivered((message_id,))


def _result(error: TelegramAPIError) -> Result:
    if isinstance(error, TelegramRetryAfter):
        return RetryAfter(float(error.retry_after))
    if isinstance(error, TelegramForbiddenError):
        return Blocked()
    described = f"{type(error).__name__}: {error.message[:120]}"
    return Failed(
        described, retryable=isinstance(error, TelegramServerError | TelegramNetworkError)
    )
