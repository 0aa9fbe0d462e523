"""The fake Bot API server: chats, updates by long polling or webhook, failures on demand."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, web

from tests.fakebot import spec

BOT_ID = 777000111
BOT_USERNAME = "kim_intake_test_bot"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


@dataclass
class SentMessage:
    """A message the bot sent, as the chat shows it now (after edits)."""

    chat_id: int
    message_id: int
    text: str | None
    reply_markup: dict | None = None
    deleted: bool = False
    edits: int = 0
    document: tuple[str, bytes] | None = None
    photo: bytes | None = None
    caption: str | None = None
    reply_to: int | None = None  # the message this one answers (reply_parameters)

    @property
    def buttons(self) -> list[str]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button["text"] for row in rows for button in row]

    def button_data(self, label: str) -> str | None:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        for row in rows:
            for button in row:
                if button["text"] == label:
                    return button.get("callback_data")
        return None

    def as_json(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self.message_id,
            "date": int(time.time()),
            "chat": {"id": self.chat_id, "type": "private" if self.chat_id > 0 else "group"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "KIM", "username": BOT_USERNAME},
        }
        if self.text is not None:
            message["text"] = self.text
        if self.caption is not None:
            message["caption"] = self.caption
        if self.reply_markup:
            message["reply_markup"] = self.reply_markup
        if self.document is not None:
            message["document"] = {
                "file_id": f"doc{self.message_id}",
                "file_unique_id": f"u{self.message_id}",
                "file_name": self.document[0],
            }
        if self.photo is not None:
            message["photo"] = [
                {"file_id": f"p{self.message_id}", "file_unique_id": f"pu{self.message_id}",
                 "width": 800, "height": 600}
            ]  # fmt: skip
        return message


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float
    status: int = 200


@dataclass
class _Failure:
    status: int
    retry_after: int | None
    times: int
    chat_id: int | None = None  # only calls to this chat


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    messages: list[SentMessage] = field(default_factory=list)
    next_id: int = 1


class FakeTelegram:
    """Start with `await fake.start()`; the bot talks to `fake.base_url` with `fake.token`."""

    def __init__(self, token: str = "123456:TEST-TOKEN-for-the-fake-Bot-API-srv") -> None:
        self.token = token
        self.base_url = ""
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.expected_violations = False
        self.updates: list[dict[str, Any]] = []
        self.confirmed = 0  # every update with a smaller id was confirmed by an offset
        self.chats: dict[int, Chat] = {}
        self.blocked: set[int] = set()
        self.commands: dict[tuple[str, str], list[dict]] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.count_429 = 0
        self.webhook: dict[str, Any] | None = None
        # Where webhook updates really go; several targets: each update to every one, as a load
        # balancer that retries on another replica would do (the bot must handle it once).
        self.webhook_targets: list[str] = []
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._delays: dict[str, float] = {}
        self.answering: set[str] = set()  # methods whose answer is still on its way
        self.delayed_now = self.most_delayed = 0  # slowed-down calls under way: now, at most
        self._limits: tuple[float, float, float] | None = None
        self._sent_times: deque[float] = deque()
        self._paid_times: deque[float] = deque()
        self.paid_sent = 0  # messages sent as paid broadcasts (allow_paid_broadcast)
        self._chat_times: dict[int, float] = {}
        self._update_ids = itertools.count(1000)
        self._user_ids = itertools.count(5001)
        self._group_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task | None = None
        self._http: ClientSession | None = None
        self._closing = False
        self.listeners: list[Callable[[Call], None]] = []  # told of every answered call

    # --- lifecycle ----------------------------------------------------------------------------

    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1:`port` (0: any free port)."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        self._closing = True
        self._notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- test controls ------------------------------------------------------------------------

    def expect_violations(self) -> None:
        self.expected_violations = True

    def fail_next(
        self,
        method: str,
        status: int = 502,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` (to `chat_id` only, if given) so."""
        self._failures[method].append(_Failure(status, retry_after, times, chat_id))

    def slow_down(self, method: str, seconds: float) -> None:
        """Answer every call of `method` ("*": of any method not named) only after `seconds`
        (a slow network or server)."""
        self._delays[method] = seconds

    def block(self, person: Any) -> None:
        self.blocked.add(person.chat_id)

    def unblock(self, person: Any) -> None:
        self.blocked.discard(person.chat_id)

    def limits(
        self,
        total_per_second: float = 30,
        per_chat_per_second: float = 1,
        paid_per_second: float = 1000,
    ) -> None:
        """Answer 429 as Telegram does when the bot sends faster than this; paid broadcasts
        (allow_paid_broadcast) count against `paid_per_second` instead of the free total."""
        self._limits = (total_per_second, per_chat_per_second, paid_per_second)

    def person(self, first_name: str = "Test", language_code: str | None = "de") -> Any:
        from tests.fakebot.people import Person

        user_id = next(self._user_ids)
        self.chats.setdefault(user_id, Chat(user_id, "private"))
        return Person(self, user_id, first_name, language_code)

    def group(self, title: str, members: list[Any] | None = None) -> Any:
        from tests.fakebot.people import Group

        chat_id = -1001000000000 - next(self._group_ids)
        self.chats[chat_id] = Chat(chat_id, "supergroup", title)
        return Group(self, chat_id, title, list(members or []))

    def calls_to(self, method: str, every: bool = False) -> list[Call]:
        """The calls of `method` that succeeded (`every`: refused ones too), in order."""
        return [c for c in self.calls if c.method == method and (every or c.status == 200)]

    def messages_in(self, chat_id: int) -> list[SentMessage]:
        chat = self.chats.get(chat_id)
        return [] if chat is None else [m for m in chat.messages if not m.deleted]

    def unanswered_callbacks(self) -> list[str]:
        return [qid for qid, answer in self.callback_answers.items() if not answer]

    def sends_per_chat(self) -> dict[int, int]:
        counts: dict[int, int] = defaultdict(int)
        for call in self.calls_to("sendMessage"):
            counts[int(call.params["chat_id"])] += 1
        return dict(counts)

    async def wait_until(self, predicate: Callable[[], Any], within: float = 10) -> Any:
        """Wait until `predicate()` is truthy, re-checking whenever the bot calls the server."""
        deadline = asyncio.get_running_loop().time() + within
        async with self._changed:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    raise AssertionError(f"condition not met within {within} s")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout=min(remaining, 0.5))

    # --- updates ------------------------------------------------------------------------------

    def push(self, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **payload}
        self.updates.append(update)
        self._notify()
        if self.webhook is not None:
            self._schedule_webhook()
        return update

    def redeliver(self, update: dict[str, Any]) -> None:
        """The same update again, as Telegram does after a timeout (same update_id)."""
        copy = json.loads(json.dumps(update))
        self.updates.append(copy)
        self.confirmed = min(self.confirmed, copy["update_id"])
        self._notify()
        if self.webhook is not None:
            self._schedule_webhook()

    def pending(self) -> list[dict[str, Any]]:
        return [u for u in self.updates if u["update_id"] >= self.confirmed and not u.get("_done")]

    def _notify(self) -> None:
        async def wake() -> None:
            async with self._changed:
                self._changed.notify_all()

        asyncio.get_running_loop().create_task(wake())

    # --- HTTP ---------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        params = await _read_params(request, method)
        call = Call(method, params, time.monotonic())
        self.calls.append(call)
        try:
            failure = self._injected(method, params)
            if failure is not None:
                call.status = failure.status
                return failure_response(failure)
            found = spec.problems(method, {k: v for k, v in params.items() if k != "_files"})
            if found:
                self.violations += [f"{method}: {problem}" for problem in found]
                call.status = 400
                return _error(400, "Bad Request: " + "; ".join(found))
            delay = self._delays.get(method, self._delays.get("*", 0))
            if delay:
                self.answering.add(method)
                self.delayed_now += 1
                self.most_delayed = max(self.most_delayed, self.delayed_now)
                try:
                    await asyncio.sleep(delay)
                finally:
                    self.delayed_now -= 1
                self.answering.discard(method)
            handler = getattr(self, "_m_" + method, None)
            if handler is None:
                return _ok(True)
            status, body = await handler(params)
            call.status = status
            for listener in self.listeners:
                listener(call)
            return _ok(body) if status == 200 else _error(status, body)
        finally:
            self._notify()

    def _injected(self, method: str, params: dict[str, Any]) -> _Failure | None:
        queue = self._failures.get(method)
        chat = str(params.get("chat_id"))
        failure = next(
            (f for f in queue or () if f.chat_id is None or str(f.chat_id) == chat), None
        )
        if failure is None:
            return None
        failure.times -= 1
        if failure.times <= 0:
            queue.remove(failure)
        if failure.status == 429:
            self.count_429 += 1
        return failure

    def _rate_limited(self, chat_id: int, paid: bool) -> int | None:
        if self._limits is None:
            return None
        total, per_chat, paid_total = self._limits
        sent, most = (self._paid_times, paid_total) if paid else (self._sent_times, total)
        now = time.monotonic()
        while sent and now - sent[0] > 1.0:
            sent.popleft()
        last = self._chat_times.get(chat_id)
        if len(sent) >= most or (last is not None and now - last < 1.0 / per_chat):
            self.count_429 += 1
            return 1
        sent.append(now)
        self._chat_times[chat_id] = now
        return None

    def _chat(self, params: dict[str, Any]) -> Chat | None:
        try:
            return self.chats.get(int(params["chat_id"]))
        except (TypeError, ValueError):
            return None

    async def _send(self, params: dict[str, Any], **content: Any) -> tuple[int, Any]:
        chat = self._chat(params)
        if chat is None:
            return 400, "Bad Request: chat not found"
        if chat.id in self.blocked:
            return 403, "Forbidden: bot was blocked by the user"
        paid = params.get("allow_paid_broadcast") in (True, "true")
        retry = self._rate_limited(chat.id, paid)
        if retry is not None:
            return 429, retry
        self.paid_sent += paid
        message = SentMessage(chat.id, chat.next_id, reply_markup=params.get("reply_markup"),
                              **content)  # fmt: skip
        chat.next_id += 1
        chat.messages.append(message)
        return 200, message.as_json()

    def _find(self, params: dict[str, Any]) -> SentMessage | None:
        chat = self._chat(params)
        if chat is None:
            return None
        wanted = int(params.get("message_id", 0))
        return next((m for m in chat.messages if m.message_id == wanted and not m.deleted), None)

    # --- methods --------------------------------------------------------------------------------

    async def _m_getMe(self, params: dict) -> tuple[int, Any]:
        return 200, {"id": BOT_ID, "is_bot": True, "first_name": "KIM",
                     "username": BOT_USERNAME, "can_join_groups": True}  # fmt: skip

    async def _m_getUpdates(self, params: dict) -> tuple[int, Any]:
        if self.webhook is not None:
            return 409, "Conflict: can't use getUpdates method while webhook is active"
        offset = int(params.get("offset") or 0)
        if offset:
            self.confirmed = max(self.confirmed, offset)
            for update in self.updates:
                if update["update_id"] < offset:
                    update["_done"] = True
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            ready = self.pending()[:limit]
            if ready or self._closing or asyncio.get_running_loop().time() >= deadline:
                return 200, [_public(u) for u in ready]
            async with self._changed:
                remaining = deadline - asyncio.get_running_loop().time()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout=max(remaining, 0.01))

    async def _m_setWebhook(self, params: dict) -> tuple[int, Any]:
        self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
        self._schedule_webhook()
        return 200, True

    async def _m_deleteWebhook(self, params: dict) -> tuple[int, Any]:
        self.webhook = None
        return 200, True

    async def _m_getWebhookInfo(self, params: dict) -> tuple[int, Any]:
        url = self.webhook["url"] if self.webhook else ""
        return 200, {"url": url, "has_custom_certificate": False,
                     "pending_update_count": len(self.pending())}  # fmt: skip

    async def _m_sendMessage(self, params: dict) -> tuple[int, Any]:
        reply = params.get("reply_parameters")
        if isinstance(reply, str):
            reply = json.loads(reply)
        reply_to = int(reply["message_id"]) if isinstance(reply, dict) else None
        return await self._send(params, text=params["text"], reply_to=reply_to)

    async def _m_sendDocument(self, params: dict) -> tuple[int, Any]:
        name, content = params.get("_files", {}).get("document", ("document", b""))
        return await self._send(params, text=None, document=(name, content),
                                caption=params.get("caption"))  # fmt: skip

    async def _m_sendPhoto(self, params: dict) -> tuple[int, Any]:
        _, content = params.get("_files", {}).get("photo", ("photo", b""))
        return await self._send(params, text=None, photo=content, caption=params.get("caption"))

    async def _m_editMessageText(self, params: dict) -> tuple[int, Any]:
        return self._edit(
            params,
            lambda m, markup: m.text == params["text"] and m.reply_markup == markup,
            text=params["text"],
        )

    async def _m_editMessageReplyMarkup(self, params: dict) -> tuple[int, Any]:
        return self._edit(
            params, lambda m, markup: m.reply_markup == markup or not (m.reply_markup or markup)
        )

    def _edit(
        self, params: dict, unchanged: Callable[[SentMessage, Any], bool], text: str | None = None
    ) -> tuple[int, Any]:
        """A message given the new markup (and `text`), refused as Telegram does when the
        message is gone or when `unchanged` says the edit would change nothing."""
        message = self._find(params)
        if message is None:
            return 400, "Bad Request: message to edit not found"
        markup = params.get("reply_markup")
        if unchanged(message, markup):
            return 400, NOT_MODIFIED
        message.reply_markup = markup
        if text is not None:
            message.text = text
        message.edits += 1
        return 200, message.as_json()

    async def _m_deleteMessage(self, params: dict) -> tuple[int, Any]:
        message = self._find(params)
        if message is None:
            return 400, "Bad Request: message to delete not found"
        message.deleted = True
        return 200, True

    async def _m_answerCallbackQuery(self, params: dict) -> tuple[int, Any]:
        query_id = params["callback_query_id"]
        if query_id not in self.callback_answers:
            return (
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        if self.callback_answers[query_id]:
            return (
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.callback_answers[query_id] = {"text": params.get("text"),
                                           "show_alert": params.get("show_alert", False),
                                           "answered": True}  # fmt: skip
        return 200, True

    async def _m_setMyCommands(self, params: dict) -> tuple[int, Any]:
        scope = (params.get("scope") or {}).get("type", "default")
        self.commands[(scope, params.get("language_code") or "")] = params["commands"]
        return 200, True

    async def _m_getMyCommands(self, params: dict) -> tuple[int, Any]:
        scope = (params.get("scope") or {}).get("type", "default")
        return 200, self.commands.get((scope, params.get("language_code") or ""), [])

    async def _m_deleteMyCommands(self, params: dict) -> tuple[int, Any]:
        scope = (params.get("scope") or {}).get("type", "default")
        self.commands.pop((scope, params.get("language_code") or ""), None)
        return 200, True

    # --- webhook delivery ---------------------------------------------------------------------

    def _schedule_webhook(self) -> None:
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver_webhooks())

    async def _deliver_webhooks(self) -> None:
        if self._http is None:
            self._http = ClientSession()
        failures = 0
        while self.webhook is not None and self.pending():
            update = self.pending()[0]
            headers = {}
            if self.webhook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
            ok = False
            for url in self.webhook_targets or [self.webhook["url"]]:
                try:
                    async with self._http.post(url, json=_public(update),
                                               headers=headers) as response:  # fmt: skip
                        ok = response.status < 300 or ok
                except Exception:
                    pass
            if ok:
                update["_done"] = True
                failures = 0
                self._notify()
            else:
                failures += 1
                await asyncio.sleep(min(0.05 * 2**failures, 1.0))


def _public(update: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in update.items() if not k.startswith("_")}


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: Any) -> web.Response:
    if status == 429:
        retry = int(description)
        body = {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {retry}",
            "parameters": {"retry_after": retry},
        }
        return web.json_response(body, status=429)
    return web.json_response(
        {"ok": False, "error_code": status, "description": str(description)}, status=status
    )


def failure_response(failure: _Failure) -> web.Response:
    if failure.status == 429:
        return _error(429, failure.retry_after or 1)
    if failure.status == 403:
        return _error(403, "Forbidden: bot was blocked by the user")
    return _error(failure.status, "Bad Gateway" if failure.status == 502 else "Server error")


async def _read_params(request: web.Request, method: str) -> dict[str, Any]:
    fields = spec.method_fields(method) or {}
    params: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if request.content_type == "application/json":
        body = await request.read()
        params = json.loads(body) if body else {}
    elif request.method == "POST" and request.content_type.startswith("multipart/"):
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if part.filename:
                files[part.name] = (part.filename, await part.read())
            else:
                params[part.name] = await part.text()
    else:
        params = dict(await request.post()) if request.method == "POST" else {}
        params.update(request.query)
    coerced = {
        name: spec.coerce(fields[name]["types"], value) if name in fields else value
        for name, value in params.items()
    }
    if files:
        # A parameter names its file as attach://<part>; the part itself is no parameter.
        attached = {}
        for name, value in coerced.items():
            if isinstance(value, str) and value.startswith("attach://"):
                attached[name] = files.get(value.removeprefix("attach://"), ("", b""))
        for name, file in files.items():
            if name in fields and name not in coerced:
                coerced[name] = f"attach://{name}"
                attached[name] = file
        coerced["_files"] = attached
    return coerced
