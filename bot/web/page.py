"""A reply as an HTML page: one question per screen, large buttons, forms that work without
JavaScript (bot/web/static/chat.js only makes them feel like a chat).

Texts come from the same screens as in Telegram (bot/ui/text.py); every text is escaped; the
page has the person's language and direction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from bot.core.i18n import Msg, translator
from bot.intake.texts import MENU
from bot.ui.model import Reply, Screen
from bot.ui.text import button_label, label_text, screen_text
from bot.web import actions
from bot.web import texts as t

# Menu entries of the web chat: Telegram's without /start (the page is the start) and /stop
# (the web chat sends no reminders), and a new resume code.
PRESSED = ' aria-pressed="true"'
WEB_MENU = tuple((name, label) for name, label in MENU if name not in ("start", "stop"))


@dataclass(frozen=True)
class Page:
    """What one page shows besides the reply."""

    path: str  # where the web chat is served, e.g. /fragebogen
    csrf: str
    city: str
    typed: tuple[str, str] | None = None  # (question key, type) when the answer is typed
    left: tuple[str, ...] = ()  # messages from the caseworker, shown once
    in_contact: bool = False  # a caseworker has the person's case: reply and call forms
    notes: tuple[Msg, ...] = ()  # said by the web chat itself (a resume code, a wrong code)


def render(reply: Reply, page: Page) -> str:
    tr = translator(reply.language)
    direction = "rtl" if tr.rtl else "ltr"
    body = [*_status(reply), *_left(page, reply.language)]
    body += [_note(note, reply.language) for note in page.notes]
    body += [_screen(screen, page, reply.language, "note") for screen in reply.messages]
    if reply.prompt is not None:
        body.append(_screen(reply.prompt, page, reply.language, "prompt"))
    if page.typed is not None:
        body.append(_answer_form(page, reply.language))
    if reply.document is not None:
        content = escape(reply.document.content.decode("utf-8", "replace"))
        body.append(
            f'<details class="document"><summary>{escape(reply.document.filename)}</summary>'
            f"<pre>{content}</pre></details>"
        )
    title = escape(tr(Msg(t.TITLE, args={"city": page.city})))
    return (
        "<!doctype html>\n"
        f'<html lang="{escape(reply.language)}" dir="{direction}">'
        '<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title>"
        f'<link rel="stylesheet" href="{page.path}/static/chat.css">'
        f'<script src="{page.path}/static/chat.js" defer></script></head>'
        f'<body><header><h1>{title}</h1></header><main id="chat" aria-live="polite">'
        + "".join(body)
        + "</main>"
        + _footer(page, reply.language)
        + "</body></html>"
    )


def _status(reply: Reply) -> Iterable[str]:
    if reply.toast is not None:
        yield f'<p class="toast" role="status">{_text(label_text(reply.toast, reply.language))}</p>'


def _left(page: Page, language: str) -> Iterable[str]:
    tr = translator(language)
    for text in page.left:
        heading = escape(tr(Msg(t.FROM_CASEWORKER)))
        # The caseworker writes in the person's language or German; shown as written.
        yield f'<section class="staff"><h2>{heading}</h2><p dir="auto">{_text(text)}</p></section>'
    if page.in_contact:
        reply = '<textarea name="text" rows="3" maxlength="2000" required dir="auto"></textarea>'
        yield _form(page, "reply", _field(t.REPLY, reply, language), "contact")
        phone = (
            '<input name="phone" type="tel" inputmode="tel" autocomplete="tel" maxlength="32" '
            'required dir="ltr">'
        )
        yield _form(page, "call", _field(t.CALL_ME, phone, language), "contact")


def _note(message: Msg, language: str) -> str:
    return f'<section class="note"><p>{_text(translator(language)(message))}</p></section>'


def _screen(screen: Screen, page: Page, language: str, kind: str) -> str:
    paragraphs = "".join(f"<p>{_text(p)}</p>" for p in screen_text(screen, language).split("\n\n"))
    html = f'<section class="{kind}">{paragraphs}'
    if screen.buttons:
        rows = []
        for row in screen.buttons:
            cells = "".join(
                f'<button type="submit" name="a" value="{escape(actions.encode(b.action))}"'
                f"{PRESSED if b.selected else ''}>"
                f"{escape(button_label(b, language))}</button>"
                for b in row
            )
            rows.append(f'<div class="row">{cells}</div>')
        html += _form(page, "press", "".join(rows), "buttons")
    return html + "</section>"


def _answer_form(page: Page, language: str) -> str:
    assert page.typed is not None
    key, kind = page.typed
    mode = {"number": "numeric", "year": "numeric", "phone": "tel"}.get(kind, "text")
    text = (
        f'<input name="text" inputmode="{mode}" '
        'maxlength="1000" autocomplete="off" required autofocus dir="auto">'
    )
    question = f'<input type="hidden" name="q" value="{escape(key)}">'
    return _form(page, "answer", question + _field(t.ANSWER, text, language), "answer")


def _footer(page: Page, language: str) -> str:
    tr = translator(language)
    buttons = "".join(
        f'<button type="submit" name="c" value="{name}">{escape(tr(Msg(label)))}</button>'
        for name, label in (*WEB_MENU, ("code", t.NEW_CODE))
    )
    code = (
        '<input name="code" autocomplete="off" autocapitalize="characters" maxlength="16" '
        'placeholder="K7M-2QX" required dir="ltr">'
    )
    return (
        f"<footer><details><summary>{escape(tr(Msg(t.MENU_TITLE)))}</summary>"
        + _form(page, "command", buttons, "menu")
        + _form(page, "resume", _field(t.RESUME, code, language), "resume")
        + "</details></footer>"
    )


def _field(form: t.Form, field: str, language: str) -> str:
    """A form's one field (HTML) with its label, and its button."""
    tr = translator(language)
    return (
        f"<label>{escape(tr(Msg(form.label)))}{field}</label>"
        f'<button type="submit">{escape(tr(Msg(form.button)))}</button>'
    )


def _form(page: Page, action: str, content: str, kind: str) -> str:
    return (
        f'<form method="post" action="{page.path}/{action}" class="{kind}">'
        f'<input type="hidden" name="csrf" value="{page.csrf}">{content}</form>'
    )


def _text(text: str) -> str:
    return escape(text).replace("\n", "<br>")


def error_page(status: int, message: str) -> str:
    """A bare page for refusals (a forged form, too large a request, an unknown path)."""
    return (
        f'<!doctype html>\n<html lang="de"><head><meta charset="utf-8"><title>{status}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head>'
        f"<body><p>{escape(message)}</p></body></html>"
    )
