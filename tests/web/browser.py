"""A browser without JavaScript, over real HTTP: it reads the page's forms and sends them as a
person's browser would (cookies kept, hidden fields sent, the pressed button's name and value)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import aiohttp

from bot.core.i18n import language_name, translator
from bot.flows.schema import Flow
from tests.fixtures.bot import AGREE, Respondent, default_answer


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # (label, name, value)
    inputs: list[str] = field(default_factory=list)  # names of fields a person fills in


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.attributes: dict[str, str] = {}
        self.text: list[str] = []
        self._button: tuple[str, str] | None = None
        self._label: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.attributes = a
        elif tag in ("script", "style", "title"):
            self._skip += 1
        elif tag == "form":
            self.forms.append(Form(a.get("action", "")))
        elif tag == "input" and self.forms:
            if a.get("type") == "hidden":
                self.forms[-1].fields[a["name"]] = a.get("value", "")
            else:
                self.forms[-1].inputs.append(a["name"])
        elif tag == "textarea" and self.forms:
            self.forms[-1].inputs.append(a["name"])
        elif tag == "button":
            self._button, self._label = (a.get("name", ""), a.get("value", "")), []
        elif tag in ("p", "br", "section", "h2"):
            self.text.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title"):
            self._skip -= 1
        elif tag == "button" and self._button is not None:
            label = "".join(self._label).strip()
            self.forms[-1].buttons.append((label, *self._button))
            self._button = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._button is not None:
            self._label.append(data)
        self.text.append(data)


class Browser:
    """One browser: `open` the chat, then `press` buttons and `type` answers."""

    def __init__(self, base_url: str, path: str, headers: dict[str, str] | None = None) -> None:
        self.origin = base_url
        self.path = path
        self.http = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True), headers=headers or {}
        )
        self.html = ""
        self.status = 0
        self.forms: list[Form] = []
        self.attributes: dict[str, str] = {}
        self.text = ""

    async def close(self) -> None:
        await self.http.close()

    async def open(self) -> Browser:
        async with self.http.get(self.origin + self.path) as response:
            await self._read(response)
        return self

    async def post(self, action: str, data: dict[str, str]) -> Browser:
        async with self.http.post(self.origin + action, data=data) as response:
            await self._read(response)
        return self

    async def _read(self, response: aiohttp.ClientResponse) -> None:
        self.status, self.html = response.status, await response.text()
        self.headers = response.headers
        reader = _Reader()
        reader.feed(self.html)
        self.forms, self.attributes = reader.forms, reader.attributes
        self.text = " ".join("".join(reader.text).split())

    @property
    def buttons(self) -> list[str]:
        return [label for form in self.forms for label, _, _ in form.buttons]

    async def press(self, label: str) -> Browser:
        for form in self.forms:
            for text, name, value in form.buttons:
                if text == label:
                    return await self.post(form.action, {**form.fields, name: value})
        raise AssertionError(f"no button {label!r} among {self.buttons}")

    def form(self, action: str) -> Form:
        return next(f for f in self.forms if f.action == f"{self.path}/{action}")

    async def fill(self, action: str, **values: str) -> Browser:
        form = self.form(action)
        return await self.post(form.action, {**form.fields, **values})

    async def type(self, text: str) -> Browser:
        return await self.fill("answer", text=text)


class WebRespondent(Respondent):
    """A person walking through the questionnaire in the web chat, in one language: the
    Telegram respondent's walk, with a browser's presses and forms."""

    def __init__(self, browser: Browser, flow: Flow, language: str) -> None:
        self.browser = browser
        self.flow = flow
        self.language = language
        self.tr = translator(language)
        self.answers: dict[str, Any] = {}

    async def shows(self, text: str, within: float = 0) -> None:
        assert " ".join(text.split()) in self.browser.text, (text, self.browser.text[-400:])

    async def tap(self, label: str) -> None:
        await self.browser.press(label)
        assert self.browser.status == 200, self.browser.status

    async def send(self, text: str) -> None:
        await self.browser.type(text)
        assert self.browser.status == 200, self.browser.status

    async def sees_button(self, label: str) -> None:
        assert label in self.browser.buttons, (label, self.browser.buttons)

    async def start(self, language_label: str | None = None) -> None:
        await self.browser.open()
        await self.tap(language_label or language_name(self.language))
        await self.tap(self.say(AGREE))

    async def answer_some(self, count: int) -> None:
        """The next `count` questions, with the default answers."""
        for _ in range(count):
            question = self.next_question()
            assert question is not None
            await self.answer(question, default_answer(question))
