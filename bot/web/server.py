"""The web chat's routes, on the same aiohttp server as the webhook or on a port of its own.

    GET  {path}            the current screen (a new session if the browser has none)
    POST {path}/press      a button (a = the action, bot/web/actions.py)
    POST {path}/answer     a typed answer (q = the question it answers)
    POST {path}/command    a menu entry (c = help, language, privacy, offers, restart, mydata,
                           delete, code)
    POST {path}/resume     a resume code typed in (continue another browser's person)
    POST {path}/reply      an answer to the caseworker;  POST {path}/call  a request for a call
    GET  {path}/static/…   chat.css, chat.js

Every POST needs the session cookie and the form's CSRF token (403 without), is at most
BODY_LIMIT bytes (413) and counts against the rate limits (429). Every answer is a whole page, so
the forms work without JavaScript. Nothing is logged but what happened.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from functools import partial
from importlib import resources
from urllib.parse import parse_qs

from aiohttp import web

from bot.app import Services
from bot.core.i18n import Msg, best_language
from bot.core.service import Event, Person
from bot.ui.model import Confirm, Consent, EndContact, Reply
from bot.web import actions, codes
from bot.web import texts as t
from bot.web.limits import Limits
from bot.web.page import Page, error_page, render
from bot.web.people import CHANNEL, WebPeople

log = logging.getLogger(__name__)

COOKIE = "kim_web"
BODY_LIMIT = 8 * 1024
FORMS = ("press", "answer", "command", "resume", "reply", "call")
STATIC = {"chat.css": "text/css", "chat.js": "text/javascript"}
PHONE = re.compile(r"\+?[0-9][0-9 ()/.-]{4,30}")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@dataclass(frozen=True)
class Visitor:
    token: str
    user_id: str
    device_language: str | None

    @property
    def person(self) -> Person:
        return Person(CHANNEL, self.user_id, device_language=self.device_language)


@dataclass(frozen=True)
class Outcome:
    """What a form led to: the reply, the web chat's own notes, and the browser's new state."""

    reply: Reply | None = None
    notes: tuple[Msg, ...] = ()
    visitor: Visitor | None = None  # the browser continues another person (a resume code)
    forget: bool = False  # the person's data were erased: the cookie goes too


class WebChat:
    def __init__(self, services: Services, limits: Limits | None = None) -> None:
        self.services = services
        self.settings = services.settings
        self.path = self.settings.web.path
        self.people = WebPeople(services.sessions, services.settings, clock=services.clock)
        self.limits = limits or Limits()
        self.static = {
            name: resources.files("bot.web").joinpath("static", name).read_bytes()
            for name in STATIC
        }

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(self.path, self.show)
        for name in FORMS:
            app.router.add_post(f"{self.path}/{name}", partial(self.post, name))
        app.router.add_get(self.path + "/static/{name}", self.serve_static)
        app.router.add_route("*", self.path + "/{tail:.*}", self.unknown)

    # --- Requests ---------------------------------------------------------------------------

    async def show(self, request: web.Request) -> web.Response:
        visitor = await self._visitor(request)
        fresh = visitor is None
        if visitor is None:
            token, user_id = await self.people.open()
            visitor = Visitor(token, user_id, _accepted_language(request, self.settings.languages))
        reply = await self.services.conversation.start(visitor.person, Event())
        return await self._page(visitor, reply, (), set_cookie=fresh)

    async def post(self, form_name: str, request: web.Request) -> web.StreamResponse:
        body = await request.content.read(BODY_LIMIT + 1)
        if len(body) > BODY_LIMIT:
            log.info("web: request too large")
            return _refusal(413, "Die Anfrage ist zu groß.")
        visitor = await self._visitor(request)
        if visitor is None:  # no session (or an expired one): begin anew
            raise web.HTTPSeeOther(self.path)
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        if not codes.csrf_valid(visitor.token, form.get("csrf", "")):
            log.info("web: form refused (csrf)")
            return _refusal(403, "Dieses Formular ist nicht gültig. Bitte laden Sie die Seite neu.")
        address = _address(request)
        session_key = codes.token_hash(visitor.token)
        if not (
            self.limits.per_session.allow(session_key) and self.limits.per_address.allow(address)
        ):
            log.info("web: rate limited")
            language = await self.services.conversation.language_of(visitor.person)
            return await self._page(visitor, Reply(language), (Msg(t.TOO_MANY),), status=429)
        handle = getattr(self, f"_{form_name}")
        outcome: Outcome = await handle(visitor, form, address)
        if outcome.forget:
            response = await self._page(visitor, outcome.reply, outcome.notes, keep=False)
            response.del_cookie(COOKIE, path=self.path)
            return response
        visitor = outcome.visitor or visitor
        return await self._page(visitor, outcome.reply, outcome.notes)

    async def serve_static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in STATIC:
            return _refusal(404, "Diese Seite gibt es nicht.")
        response = web.Response(body=self.static[name], content_type=STATIC[name])
        response.headers.update(SECURITY_HEADERS)
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    async def unknown(self, request: web.Request) -> web.Response:
        return _refusal(404, "Diese Seite gibt es nicht.")

    # --- Forms ------------------------------------------------------------------------------

    async def _press(self, visitor: Visitor, form: dict[str, str], address: str) -> Outcome:
        person, event = visitor.person, Event()
        conversation, data_rights = self.services.conversation, self.services.data_rights
        action = actions.decode(form.get("a", ""))
        match action:
            case None | EndContact():
                return Outcome(await conversation.stale(person))
            case Confirm(what="delete", yes=yes):
                reply = await data_rights.delete(person, yes, event)
                if yes:
                    await self.people.forget(visitor.user_id)
                return Outcome(reply, forget=yes)
            case Confirm(yes=yes):
                return Outcome(await conversation.restart(person, yes, event))
        reply = await conversation.press(person, action, event)
        notes: tuple[Msg, ...] = ()
        user_id = visitor.user_id
        agreed = isinstance(action, Consent) and action.agree and await self.people.agreed(user_id)
        if agreed and not await self.people.has_code(user_id):
            code = await self.people.new_code(user_id)
            notes = (Msg(t.YOUR_CODE, args={"code": code}),)
        return Outcome(reply, notes)

    async def _answer(self, visitor: Visitor, form: dict[str, str], address: str) -> Outcome:
        person, conversation = visitor.person, self.services.conversation
        typed = await conversation.typed_question(person)
        if typed is None or typed[0] != form.get("q"):  # an old page, another tab
            return Outcome(await conversation.stale(person))
        return Outcome(await conversation.text(person, form.get("text", ""), Event()))

    async def _command(self, visitor: Visitor, form: dict[str, str], address: str) -> Outcome:
        person = visitor.person
        conversation, data_rights = self.services.conversation, self.services.data_rights
        commands = {
            "help": lambda: conversation.help(person),
            "language": lambda: conversation.change_language(person),
            "privacy": lambda: conversation.privacy(person),
            "offers": lambda: conversation.show_offers(person),
            "restart": lambda: conversation.ask_restart(person),
            "mydata": lambda: data_rights.my_data(person),
            "delete": lambda: data_rights.ask_delete(person),
        }
        name = form.get("c", "")
        if name == "code":
            if not await self.people.agreed(visitor.user_id):
                return Outcome(notes=(Msg(t.CODE_AFTER_CONSENT),))
            code = await self.people.new_code(visitor.user_id)
            return Outcome(notes=(Msg(t.YOUR_CODE, args={"code": code}),))
        if name not in commands:
            return Outcome(await conversation.stale(person))
        return Outcome(await commands[name]())

    async def _resume(self, visitor: Visitor, form: dict[str, str], address: str) -> Outcome:
        limits = self.limits
        if not (limits.codes_per_address.allow(address) and limits.codes_overall.allow("all")):
            log.info("web: resume codes rate limited")
            return Outcome(notes=(Msg(t.TOO_MANY),))
        user_id = await self.people.resume(visitor.token, form.get("code", ""))
        if user_id is None:
            log.info("web: resume code not accepted")
            return Outcome(notes=(Msg(t.RESUME.refused),))
        log.info("web: resumed")
        moved = replace(visitor, user_id=user_id)
        return Outcome(await self.services.conversation.start(moved.person, Event()), visitor=moved)

    async def _reply(self, visitor: Visitor, form: dict[str, str], address: str) -> Outcome:
        text = form.get("text", "").strip()
        if not text or not await self.services.contact.from_person(visitor.person, text, Event()):
            return Outcome(await self.services.conversation.stale(visitor.person))
        return Outcome(notes=(Msg(t.REPLY.accepted),))

    async def _call(self, visitor: Visitor, form: dict[str, str], address: str) -> Outcome:
        phone = form.get("phone", "").strip()
        if not PHONE.fullmatch(phone):
            return Outcome(notes=(Msg(t.CALL_ME.refused),))
        request = t.CALL_REQUEST.format(phone=phone)
        if not await self.services.contact.from_person(visitor.person, request, Event()):
            return Outcome(await self.services.conversation.stale(visitor.person))
        return Outcome(notes=(Msg(t.CALL_ME.accepted),))

    # --- The page -----------------------------------------------------------------------------

    async def _visitor(self, request: web.Request) -> Visitor | None:
        token = request.cookies.get(COOKIE)
        if not token or len(token) > 128:
            return None
        user_id = await self.people.user_of(token)
        if user_id is None:
            return None
        return Visitor(token, user_id, _accepted_language(request, self.settings.languages))

    async def _page(
        self,
        visitor: Visitor,
        reply: Reply | None,
        notes: tuple[Msg, ...],
        *,
        set_cookie: bool = False,
        keep: bool = True,
        status: int = 200,
    ) -> web.Response:
        """The whole page: the reply, and where the person stands below it."""
        person, services = visitor.person, self.services
        current = await services.conversation.current(person)
        if reply is None:
            reply = current
        elif reply.prompt is None and not any(screen.buttons for screen in reply.messages):
            # A note or a toast: the question stays below it.
            messages = reply.messages or current.messages
            reply = replace(reply, messages=messages, prompt=current.prompt)
        left: tuple[str, ...] = ()
        in_contact = False
        if keep:
            left = tuple(await services.contact.left_for(person))
            in_contact = await services.contact.contact_of(person, replying=True)
        page = Page(
            path=self.path,
            csrf=codes.csrf_token(visitor.token),
            city=self.settings.city,
            typed=await services.conversation.typed_question(person) if keep else None,
            left=left,
            in_contact=in_contact,
            notes=notes,
        )
        response = web.Response(text=render(reply, page), content_type="text/html", status=status)
        response.headers.update(SECURITY_HEADERS)
        response.headers["Cache-Control"] = "no-store"
        if set_cookie:
            response.set_cookie(
                COOKIE,
                visitor.token,
                path=self.path,
                max_age=self.settings.web.session_days * 86400,
                httponly=True,
                secure=self.settings.web.secure_cookie,
                samesite="Lax",
            )
        return response


def _refusal(status: int, message: str) -> web.Response:
    response = web.Response(
        text=error_page(status, message), content_type="text/html", status=status
    )
    response.headers.update(SECURITY_HEADERS)
    return response


def _address(request: web.Request) -> str:
    """The asking address; behind the city's proxy on the same machine, the one it forwards."""
    remote = request.remote or "?"
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and remote in ("127.0.0.1", "::1"):
        return forwarded.split(",")[-1].strip()[:64]
    return remote


def _accepted_language(request: web.Request, enabled: list[str]) -> str | None:
    """The browser's most wanted language that KIM Intake offers (Accept-Language)."""
    wanted = []
    for index, part in enumerate(request.headers.get("Accept-Language", "")[:512].split(",")):
        code, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            continue
        wanted.append((-weight, index, code.strip()))
    for _, _, code in sorted(wanted):
        if best_language(code, enabled):
            return code
    return None
