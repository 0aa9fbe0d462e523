"""Before `kim-intake run` touches the database: is the Bot API there, and does it take the token?

A Bot API that cannot be reached is tried again with growing pauses (1 s, doubling, at most
30 s) for five minutes; then `run` exits with status 1. A network that comes up a little late (a
container started before its network, a router restarting) needs nobody, and a restart policy
(docker compose's `restart: unless-stopped`, systemd's `Restart=on-failure`) sees an outage that
lasts as a failing service rather than one that waits forever and looks fine.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)

from bot.core.config import Settings

log = logging.getLogger(__name__)

GIVE_UP_AFTER = 300.0
FIRST_PAUSE = 1.0
LONGEST_PAUSE = 30.0
REQUEST_TIMEOUT = 10
TOKEN_REFUSED = "Telegram does not accept KIM_BOT_TOKEN. Check it with @BotFather."


async def reach_telegram(settings: Settings, give_up_after: float = GIVE_UP_AFTER) -> int | None:
    """None once Telegram answers getMe; else the exit status of `run`: 1 when the token is
    refused or Telegram stayed out of reach, 0 when SIGTERM or Ctrl-C came while waiting."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    trying = asyncio.create_task(_get_me(settings, give_up_after))
    stopping = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait({trying, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (trying, stopping):
            task.cancel()
        await asyncio.gather(trying, stopping, return_exceptions=True)
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
    if trying in done:
        return trying.result()
    log.info("stopped before Telegram was reached")
    return 0


async def _get_me(settings: Settings, give_up_after: float) -> int | None:
    assert settings.bot_token is not None, "checked by command_run"
    address = settings.telegram_api_url
    token = settings.bot_token.get_secret_value()
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(address)))
    deadline = time.monotonic() + give_up_after
    pause = FIRST_PAUSE
    try:
        while True:
            try:
                await bot.get_me(request_timeout=REQUEST_TIMEOUT)
                return None
            except TelegramUnauthorizedError:
                print(TOKEN_REFUSED, file=sys.stderr)
                return 1
            except TelegramNotFound:
                log.error(
                    "the server at %s has no Bot API method getMe (404 Not Found); "
                    "check KIM_TELEGRAM_API_URL",
                    address,
                )
                return 1
            except TelegramRetryAfter as error:
                why, wait = "it asked to wait", float(error.retry_after)
            except (TelegramAPIError, ClientDecodeError) as error:
                why, wait = _reason(error).replace(token, "<token>"), pause
                pause = min(pause * 2, LONGEST_PAUSE)
            left = deadline - time.monotonic()
            if left <= 0:
                log.error(
                    "could not reach Telegram at %s for %.0f s; check the network and "
                    "KIM_TELEGRAM_API_URL. Giving up (exit status 1).",
                    address,
                    give_up_after,
                )
                return 1
            wait = min(wait, left)
            log.warning(
                "could not reach Telegram at %s (%s); check the network and "
                "KIM_TELEGRAM_API_URL. Trying again in %g s.",
                address,
                why,
                round(wait, 1),
            )
            await asyncio.sleep(wait)
    finally:
        await bot.session.close()


def _reason(error: TelegramAPIError | ClientDecodeError) -> str:
    if isinstance(error, TelegramNetworkError):
        return error.message.removeprefix("HTTP Client says - ")
    if isinstance(error, ClientDecodeError):
        return "its answer is not the Bot API's"
    return f"it answered: {error.message}"
