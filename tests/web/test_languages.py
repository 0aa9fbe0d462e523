"""Every enabled language in the web chat: the page has its language and direction, and after
choosing it a person never reads German, menu and forms included."""

from __future__ import annotations

import pytest

from bot.core.i18n import translator
from tests.intake.test_languages_e2e import LANGUAGES, german_sources
from tests.web.browser import WebRespondent


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_web_chat_speaks_only_the_chosen_language(browsers, flow, language):
    person = WebRespondent(browsers(), flow, language)
    await person.start()
    seen = [person.browser.text]
    await person.answer_all()
    seen.append(person.browser.text)
    await person.submit()
    seen.append(person.browser.text)
    for command in ("help", "privacy", "mydata", "code"):
        await person.browser.fill("command", c=command)
        seen.append(person.browser.text)
    direction = "rtl" if translator(language).rtl else "ltr"
    assert person.browser.attributes == {"lang": language, "dir": direction}
    leaks = {source for source in german_sources(language) for text in seen if source in text}
    assert not leaks, f"German text shown to a {language} speaker: {sorted(leaks)[:5]}"
