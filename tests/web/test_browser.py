"""The web chat in a real browser (Debian's Chromium driven by Playwright) on a phone-sized
screen, with JavaScript on and off: a person answers in their language, leaves, continues on
another device with the resume code and finishes; the flagged answers reach the team's group.
A screenshot of every step is kept under test-artifacts/web/."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from bot.core.i18n import language_name
from tests.fixtures.bot import ROOT, Respondent
from tests.fixtures.outbox import Recorder, drain
from tests.web.test_walk import CODE, needs_help

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts" / "web"
PHONE = {"width": 360, "height": 740}

playwright = pytest.importorskip("playwright.async_api")
if os.environ.get("KIM_TEST_POSTGRES_URL"):
    pytest.skip(
        "browser tests run on SQLite only (the plain-HTTP walk covers PostgreSQL)",
        allow_module_level=True,
    )
if not CHROMIUM.exists():
    pytest.skip(
        "no Chromium at /usr/bin/chromium (apt-get install chromium): browser tests skipped",
        allow_module_level=True,
    )


class BrowserRespondent(Respondent):
    """The questionnaire walk of tests/fixtures/bot.py, by taps and typing in a real page."""

    def __init__(self, page, flow, language: str, shots: Path) -> None:
        super().__init__(None, None, flow, language)  # type: ignore[arg-type]
        self.page = page
        self.shots = shots
        self.step = 0

    async def settle(self) -> None:
        await self.page.wait_for_load_state("domcontentloaded")
        await self.page.wait_for_selector("#chat:not([data-busy])")
        self.step += 1
        await self.page.screenshot(path=str(self.shots / f"{self.step:03d}.png"), full_page=True)

    async def text(self) -> str:
        return " ".join((await self.page.inner_text("#chat")).split())

    async def shows(self, text: str, within: float = 0) -> None:
        assert " ".join(text.split()) in await self.text(), text

    async def tap(self, label: str) -> None:
        await self.page.locator(
            "#chat button", has_text=re.compile(f"^{re.escape(label)}$")
        ).first.click()
        await self.settle()

    async def send(self, text: str) -> None:
        await self.page.fill("#chat form.answer input[name=text]", text)
        await self.page.click("#chat form.answer button")
        await self.settle()

    async def sees_button(self, label: str) -> None:
        labels = [
            " ".join(t.split()) for t in await self.page.locator("#chat button").all_inner_texts()
        ]
        assert label in labels, (label, labels)

    async def start(self, language_label: str | None = None) -> None:
        await self.tap(language_label or language_name(self.language))
        await self.tap(self.say("✅ Ich bin einverstanden"))


@pytest.fixture
async def chromium():
    async with playwright.async_playwright() as driver:
        browser = await driver.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        await browser.close()


@pytest.mark.parametrize("script", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("language", ["ar", "pl"])
async def test_a_person_finishes_on_a_phone_after_leaving_and_coming_back(
    chromium, web_chat, services, flow, settings, language, script
):
    if language not in settings.languages:
        pytest.skip(f"{language} is not enabled in config.yaml")
    chat, base_url = web_chat
    shots = ARTIFACTS / f"{language}-{'js' if script else 'nojs'}"
    shots.mkdir(parents=True, exist_ok=True)
    options = {"viewport": PHONE, "is_mobile": True, "has_touch": True, "locale": language,
               "java_script_enabled": script}  # fmt: skip
    first = await chromium.new_context(**options)
    page = await first.new_page()
    await page.goto(base_url + chat.path)
    person = BrowserRespondent(page, flow, language, shots)
    await person.settle()
    assert await page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
    await person.start()
    code = CODE.search(await person.text())
    assert code is not None
    for _ in range(4):
        question = person.next_question()
        await person.answer(question, needs_help(question))
    await first.close()  # the person leaves

    second = await chromium.new_context(**options)  # another day, another phone
    page = await second.new_page()
    await page.goto(base_url + chat.path)
    again = BrowserRespondent(page, flow, language, shots)
    again.step, again.answers = person.step, person.answers
    await again.settle()
    await page.locator("footer summary").click()
    await page.fill("footer input[name=code]", code.group(0))
    await page.click("footer form.resume button")
    await again.settle()
    await again.shows(again.say("Willkommen zurück! Hier geht es weiter."))
    await again.answer_all(needs_help)
    await again.submit()
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "nothing is wider than the phone"
    await second.close()
    notice = (await drain(services, Recorder()))[0]
    assert "über den Web-Chat" in notice.text
    assert any(shots.iterdir())
