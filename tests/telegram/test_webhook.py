"""Webhook mode: updates arrive over HTTP with Telegram's secret header; health endpoints."""

from __future__ import annotations

import socket

from aiohttp import ClientSession

from tests.fixtures.bot import running_bot


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def webhook_telegram(port: int) -> dict:
    """The `telegram` settings of a bot behind https://kim.example/telegram, listening on `port`."""
    webhook = {
        "url": "https://kim.example/telegram",
        "listen_host": "127.0.0.1",
        "path": "/telegram",
    }
    return {"mode": "webhook", "webhook": {**webhook, "listen_port": port}}


async def test_updates_come_by_webhook_and_a_request_without_the_secret_is_refused(
    fake_telegram, database_url
):
    port = free_port()
    telegram = webhook_telegram(port)
    async with running_bot(
        fake_telegram, database_url, telegram=telegram, webhook_secret="s3cret-token"
    ):
        await fake_telegram.wait_until(lambda: fake_telegram.webhook)
        assert fake_telegram.webhook == {
            "url": "https://kim.example/telegram",
            "secret_token": "s3cret-token",
        }
        # The public URL reaches this port through the city's proxy; here it is direct.
        fake_telegram.webhook["url"] = f"http://127.0.0.1:{port}/telegram"
        person = fake_telegram.person("Amina", "de")
        person.send("/start")
        await fake_telegram.wait_until(lambda: "Deutsch" in person.buttons())

        async with ClientSession() as http:
            forged = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": 1, "type": "private"},
                    "text": "/delete",
                },
            }
            async with http.post(f"http://127.0.0.1:{port}/telegram", json=forged) as answer:
                assert answer.status == 401
            async with http.get(f"http://127.0.0.1:{port}/healthz") as answer:
                assert answer.status == 200
            async with http.get(f"http://127.0.0.1:{port}/readyz") as answer:
                assert (await answer.json())["status"] == "ready"
