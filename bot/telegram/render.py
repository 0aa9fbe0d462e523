"""Replies become Telegram messages: send, edit in place, retire old buttons, answer presses.

The one keyboard builder (`keyboard`) and the one long-text sender (`send_long`) of the bot:
respondents', staff's and coordinators' messages all go through them.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)

from bot.core.i18n import translator
from bot.telegram.callbacks import pack
from bot.ui.model import DROP_BUTTONS, Button, Reply, Screen
from bot.ui.text import button_label, label_text, screen_text, split_text

log = logging.getLogger(__name__)

# Telegram answers these when an edit would change nothing or the message is gone; neither
# is a fault of ours, and the person already sees the right thing (or nothing to fix).
_HARMLESS_EDIT_ERRORS = ("message is not modified", "message to edit not found")


class Blocked(Exception):
    """The person blocked the bot (Telegram answered 403)."""


@dataclass(frozen=True)
class Shown:
    """What the renderer did that the service may want to remember."""

    prompt_message_id: int | None = None
    message_ids: tuple[int, ...] = ()  # of every message sent for `messages`


def keyboard(
    screen: Screen | tuple[tuple[Button, ...], ...], language: str
) -> InlineKeyboardMarkup | None:
    """The inline keyboard of a screen (or of rows of buttons); None when there are none."""
    buttons = screen.buttons if isinstance(screen, Screen) else screen
    rows = [
        [
            InlineKeyboardButton(text=button_label(b, language), callback_data=pack(b.action))
            for b in row
        ]
        for row in buttons
        if row
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


async def send_long(
    bot: Bot,
    chat_id: int,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    reply_to: int | None = None,
    request_timeout: int | None = None,
    *,
    paid: bool = False,
) -> list[Message]:
    """Send a text of any length as one or more messages, cut at paragraph, line or word
    boundaries; the buttons go on the last part, the reply on the first. Returns them all.
    `paid`: as paid broadcasts, beyond Telegram's free limit of 30 messages a second."""
    chunks = split_text(text) or ["…"]
    sent = []
    for number, chunk in enumerate(chunks, start=1):
        replying = reply_to is not None and number == 1
        message = await bot.send_message(
            chat_id,
            chunk,
            reply_markup=markup if number == len(chunks) else None,
            reply_parameters=ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
            if replying
            else None,
            allow_paid_broadcast=True if paid else None,
            request_timeout=request_timeout,
        )
        sent.append(message)
    return sent


class Renderer:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def show(
        self,
        chat_id: int,
        reply: Reply,
        *,
        pressed_message_id: int | None = None,
        callback_id: str | None = None,
    ) -> Shown:
        """Show a reply in a chat; `pressed_message_id` is the message whose button was pressed."""
        language = reply.language
        answering = None
        if callback_id is not None:
            # The press is answered alongside the rest: nothing below waits for it.
            toast = label_text(reply.toast, language)[:200] if reply.toast else None
            answering = asyncio.ensure_future(self._answer_callback(callback_id, toast))
        target = pressed_message_id or reply.prompt_ref
        for edit in reply.edits:
            try:
                await self._edit(edit.chat_id, edit.message_id, edit.screen, language)
            except TelegramAPIError as error:
                log.warning("editing a message in chat %s failed: %s", edit.chat_id, error)
        try:
            if reply.retire is not None and target is not None:
                await self._retire(chat_id, target, reply.retire, language)
            sent: list[int] = []
            for screen in reply.messages:
                sent += await self._send(chat_id, screen, language)
            shown = Shown(message_ids=tuple(sent))
            if reply.prompt is not None:
                prompted = await self._prompt(chat_id, reply, target)
                shown = replace(prompted, message_ids=shown.message_ids)
            if reply.document is not None:
                document = reply.document
                caption = translator(language)(document.caption) if document.caption else None
                await self.bot.send_document(
                    chat_id,
                    BufferedInputFile(document.content, filename=document.filename),
                    caption=caption,
                )
        except TelegramForbiddenError as error:
            raise Blocked(chat_id) from error
        finally:
            if answering is not None:
                await answering
        return shown

    async def _prompt(self, chat_id: int, reply: Reply, target: int | None) -> Shown:
        assert reply.prompt is not None
        if reply.edit_prompt and target is not None:
            edited = await self._edit(chat_id, target, reply.prompt, reply.language)
            if edited:
                return Shown()
        message_ids = await self._send(chat_id, reply.prompt, reply.language)
        return Shown(prompt_message_id=message_ids[-1])

    async def _send(self, chat_id: int, screen: Screen, language: str) -> list[int]:
        text, markup = screen_text(screen, language), keyboard(screen, language)
        return [m.message_id for m in await send_long(self.bot, chat_id, text, markup)]

    async def _retire(self, chat_id: int, message_id: int, screen: Screen, language: str) -> None:
        if screen == DROP_BUTTONS:
            try:
                await self.bot.edit_message_reply_markup(
                    chat_id=chat_id, message_id=message_id, reply_markup=None
                )
            except TelegramBadRequest as error:
                _tolerate(error)
            return
        await self._edit(chat_id, message_id, screen, language)

    async def _edit(self, chat_id: int, message_id: int, screen: Screen, language: str) -> bool:
        text = split_text(screen_text(screen, language))[0]
        try:
            await self.bot.edit_message_text(
                text=text,
                chat_id=chat_id,
                message_id=message_id,
                reply_markup=keyboard(screen, language),
            )
        except TelegramBadRequest as error:
            _tolerate(error)
            return "not modified" in error.message
        return True

    async def _answer_callback(self, callback_id: str, text: str | None) -> None:
        try:
            await self.bot.answer_callback_query(callback_id, text=text)
        except TelegramBadRequest as error:
            # A press older than Telegram's answer window; the reply still follows.
            log.info("callback answer refused: %s", error.message)


def _tolerate(error: TelegramBadRequest) -> None:
    if not any(reason in error.message for reason in _HARMLESS_EDIT_ERRORS):
        raise error
