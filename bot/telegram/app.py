"""The Telegram bot as one application object, and `kim-intake run`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import Services
from bot.core.config import Settings, load_settings
from bot.core.i18n import translator
from bot.core.inbox import Inbox
from bot.core.logs import setup_logging
from bot.core.service import Clock, utc_now
from bot.flows.schema import Flow
from bot.intake.service import Conversation
from bot.intake.texts import MENU
from bot.outbox.pacing import RateBudget
from bot.outbox.sender import Sender
from bot.scheduler import Scheduler
from bot.startup import prepare
from bot.telegram.background import start_background
from bot.telegram.delivery import TelegramTransport
from bot.telegram.fsm_storage import DatabaseStorage
from bot.telegram.middleware import PersonMiddleware, ReplyMiddleware
from bot.telegram.polling import ALLOWED_UPDATES, poll
from bot.telegram.render import Renderer
from bot.telegram.routers import broadcasts as coordination
from bot.telegram.routers import casework as casework_router
from bot.telegram.routers import intake, providers, stats
from bot.telegram.startup import reach_telegram
from bot.web.server import WebChat
from storage.units import dispose_writer

log = logging.getLogger(__name__)

NO_TOKEN = """KIM Intake needs a bot token to talk to Telegram, and KIM_BOT_TOKEN is not set.

  1. In Telegram, open @BotFather, send /newbot and follow the steps.
  2. Start the bot with the token it gives you:
       KIM_BOT_TOKEN=123456:ABC... python3 kim.py run
     (or put KIM_BOT_TOKEN=... into a .env file beside config.yaml).

To try the questionnaire without Telegram: python3 kim.py chat"""

NO_WEBHOOK_SECRET = """config.yaml sets telegram.mode: webhook, but KIM_WEBHOOK_SECRET is not set.

Choose a long random secret, for example the output of
  python3 -c "import secrets; print(secrets.token_urlsafe(32))"
and set it as KIM_WEBHOOK_SECRET; Telegram sends it with every update and others cannot."""


# Every route of the bot, in the order an update tries them: /stats before coordination and
# intake so that neither takes the command; a provider survey in progress before the others, so
# that its answers are not taken for staff text or the person's own questionnaire; coordination
# and casework before intake, so that a coordinator's or caseworker's text (and a relayed
# answer) is not taken for an answer.
ROUTERS = (stats, providers, coordination, casework_router, intake)

# The services (attributes of bot.app.Services) a handler takes by the same name as an argument.
HANDLER_SERVICES = (
    "conversation",
    "data_rights",
    "staff",
    "casework",
    "contact",
    "reports",
    "broadcasts",
    "progress",
    "reminders",
    "retention",
    "provider_survey",
    "providers",
)


@dataclass
class Application:
    settings: Settings
    flow: Flow
    engine: AsyncEngine
    bot: Bot
    dispatcher: Dispatcher
    conversation: Conversation
    inbox: Inbox
    web: WebChat | None = None  # the web chat, when config.yaml enables it

    async def close(self) -> None:
        await self.bot.session.close()
        dispose_writer(self.engine)
        await self.engine.dispose()


async def create_application(
    settings: Settings, *, flow: Flow | None = None, clock: Clock = utc_now, migrate: bool = True
) -> Application:
    """Everything the bot needs, wired together; the database is migrated first (`migrate`)."""
    if settings.bot_token is None:
        raise ValueError("KIM_BOT_TOKEN is not set")
    services = await Services.open(settings, flow=flow, clock=clock, migrate=migrate)
    conversation = services.conversation
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    limits = settings.broadcasts  # the bot's one rate budget:
    budget = RateBudget(limits.rate_per_second, paid=limits.allow_paid_broadcast)
    session.middleware(ReplyMiddleware(conversation, budget))
    bot = Bot(settings.bot_token.get_secret_value(), session=session)
    dispatcher = Dispatcher(
        storage=DatabaseStorage(services.sessions, clock=clock)
    )  # drafts survive
    dispatcher.update.outer_middleware(PersonMiddleware())
    sender = Sender(
        services.sessions,
        TelegramTransport(bot),
        settings,
        services.outbox_kinds(),
        budget=budget,
        clock=clock,
        engine=services.engine,
    )
    services.wake_outbox(sender.wake)
    # What every handler may ask for, by name: the services of HANDLER_SERVICES and these.
    dispatcher.workflow_data.update(
        {name: getattr(services, name) for name in HANDLER_SERVICES},
        renderer=Renderer(bot),
        sender=sender,
        scheduler=Scheduler(settings.database_url, services.sessions, clock),
    )
    dispatcher.include_routers(*(module.build_router() for module in ROUTERS))
    web_chat = WebChat(services) if settings.web.enabled else None
    return Application(
        settings,
        services.flow,
        services.engine,
        bot,
        dispatcher,
        conversation,
        services.inbox,
        web_chat,
    )


async def set_commands(app: Application) -> None:
    """The command menu in every enabled language (German also as the default)."""
    scope = BotCommandScopeAllPrivateChats()
    for language in (None, *app.settings.languages):
        tr = translator(language or "de")
        commands = [BotCommand(command=name, description=tr(text)) for name, text in MENU]
        await app.bot.set_my_commands(commands, scope=scope, language_code=language)


async def serve(app: Application, stop: asyncio.Event) -> None:
    """Run until `stop` is set, by long polling or as a webhook server (config.yaml decides)."""
    me = await app.bot.get_me()
    log.info("connected as @%s", me.username)
    await set_commands(app)
    background = await start_background(app.bot, app.dispatcher)  # outbox: scheduler and sender
    try:
        if app.settings.telegram.mode == "webhook":
            await serve_webhook(app, stop)
        else:
            await app.bot.delete_webhook(drop_pending_updates=False)
            async with serving_web_alone(app):
                await poll(app.bot, app.dispatcher, app.inbox, stop)
    finally:
        await background.stop()  # outbox


async def serve_webhook(app: Application, stop: asyncio.Event) -> None:
    """Receive updates over HTTPS from Telegram; answer 401 without the secret header.

    An update is answered 200 only after it was handled, so Telegram sends it again if the
    process dies on the way; the processed-update table turns the repeat into a no-op.
    """
    hook = app.settings.telegram.webhook
    secret = app.settings.webhook_secret
    assert secret is not None, "checked by command_run"
    web_app = web.Application()
    handler = SimpleRequestHandler(
        app.dispatcher,
        app.bot,
        handle_in_background=False,
        secret_token=secret.get_secret_value(),
    )
    web_app.router.add_post(hook.path, handler.handle)
    web_app.router.add_get("/healthz", _healthz)
    web_app.router.add_get("/readyz", partial(_readyz, app))
    if app.web is not None:
        app.web.add_routes(web_app)
    # No access log: the web chat's addresses and paths are nobody's business.
    runner = web.AppRunner(web_app, shutdown_timeout=10, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, hook.listen_host, hook.listen_port).start()
    log.info("webhook server on %s:%s%s", hook.listen_host, hook.listen_port, hook.path)
    await app.bot.set_webhook(
        hook.url, secret_token=secret.get_secret_value(), allowed_updates=ALLOWED_UPDATES
    )
    await stop.wait()
    await runner.cleanup()  # stops taking requests, lets those in flight finish


@asynccontextmanager
async def serving_web_alone(app: Application) -> AsyncIterator[None]:
    """While polling, the web chat (if enabled) on a port of its own."""
    if app.web is None:
        yield
        return
    config = app.settings.web
    web_app = web.Application()
    app.web.add_routes(web_app)
    web_app.router.add_get("/healthz", _healthz)
    runner = web.AppRunner(web_app, shutdown_timeout=10, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, config.listen_host, config.listen_port).start()
    log.info("web chat on %s:%s%s", config.listen_host, config.listen_port, config.path)
    try:
        yield
    finally:
        await runner.cleanup()


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "alive"})


async def _readyz(app: Application, request: web.Request) -> web.Response:
    try:
        async with app.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        log.warning("database not reachable: %s", type(error).__name__)
        return web.json_response({"status": "database unreachable"}, status=503)
    return web.json_response({"status": "ready"})


async def _main(settings: Settings) -> int:
    app = await create_application(settings, migrate=False)  # migrated by command_run
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await serve(app, stop)
    except TelegramUnauthorizedError:
        print("Telegram does not accept KIM_BOT_TOKEN. Check it with @BotFather.", file=sys.stderr)
        return 1
    finally:
        await app.close()
    log.info("stopped")
    return 0


def command_run(args: argparse.Namespace) -> int:
    """Refuses, before the database is touched, what `kim-intake check` refuses; then waits for
    the Bot API (bot/telegram/startup.py) and runs."""
    settings = load_settings()
    setup_logging(settings)
    if settings.bot_token is None:
        print(NO_TOKEN, file=sys.stderr)
        return 1
    if settings.telegram.mode == "webhook" and settings.webhook_secret is None:
        print(NO_WEBHOOK_SECRET, file=sys.stderr)
        return 1
    if status := prepare("check"):
        return status
    if (status := asyncio.run(reach_telegram(settings))) is not None:
        return status
    if status := prepare("migrate"):
        return status
    return asyncio.run(_main(settings))
