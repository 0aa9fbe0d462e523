"""A broadcast's one progress message, edited while it runs, and the report at its end."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from bot.broadcasts.service import FINAL, Broadcasts, BroadcastView
from bot.broadcasts.texts import progress_text, report_text
from storage.types import BroadcastStatus

log = logging.getLogger(__name__)


async def show_progress(bot: Bot | None, broadcasts: Broadcasts, view: BroadcastView) -> None:
    """Edit the broadcast's progress message if it changed; at the end, send the report."""
    if bot is None or view.progress_chat_id is None or view.progress_message_id is None:
        return
    text = progress_text(view, broadcasts.settings)
    final = view.status in FINAL
    if text != view.progress_shown:
        try:
            await bot.edit_message_text(text=text, chat_id=view.progress_chat_id,
                                        message_id=view.progress_message_id)  # fmt: skip
        except TelegramAPIError as error:
            # Gone, not modified, or the coordinator blocked the bot: nothing to repair here.
            log.info("progress of broadcast %s not shown: %s", view.id, type(error).__name__)
    if final and view.status != BroadcastStatus.MISSED:
        try:
            await bot.send_message(view.progress_chat_id, report_text(view))
        except TelegramAPIError as error:
            log.info("report of broadcast %s not sent: %s", view.id, type(error).__name__)
    if text != view.progress_shown or final:
        await broadcasts.shown(view.id, text, final)


async def refresh_progress(bot: Bot, broadcasts: Broadcasts) -> None:
    """A periodic job: close finished broadcasts, then update every watched progress message."""
    await broadcasts.close_finished()
    for view in await broadcasts.watched():
        await show_progress(bot, broadcasts, view)
