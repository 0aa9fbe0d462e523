"""The web chat on a real aiohttp server on 127.0.0.1, over the test's services and database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack

import pytest
from aiohttp import web

from bot.app import Services
from bot.core.config import Settings, load_settings
from bot.web.server import WebChat
from tests.fixtures.services import ROOT
from tests.web.browser import Browser

WEB = {"enabled": True, "secure_cookie": False}


@pytest.fixture
def settings(database_url: str) -> Settings:
    """config.yaml with the web chat on (the cookie over plain HTTP, as on 127.0.0.1)."""
    return load_settings(ROOT / "config.yaml", database_url=database_url, web=WEB)


@pytest.fixture
async def web_chat(services: Services) -> AsyncIterator[tuple[WebChat, str]]:
    """The web chat served on a free port: (the chat, its base URL)."""
    chat = WebChat(services)
    app = web.Application()
    chat.add_routes(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield chat, f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def browsers(web_chat: tuple[WebChat, str]) -> AsyncIterator[Callable[..., Browser]]:
    """New browsers on the web chat (`browsers(headers={...})`), all closed at the end."""
    chat, base_url = web_chat
    async with AsyncExitStack() as stack:

        def new(headers: dict[str, str] | None = None) -> Browser:
            browser = Browser(base_url, chat.path, headers)
            stack.push_async_callback(browser.close)
            return browser

        yield new
