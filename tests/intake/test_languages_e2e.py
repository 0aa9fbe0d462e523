"""Every enabled language: a person who picks it answers everything and never reads German."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from bot.core.config import load_settings
from bot.core.i18n import FSI, LOCALES_DIR, PDI, translator
from bot.flows.loader import load_configured_flow
from tests.fixtures.bot import ROOT, Respondent, running_bot

LANGUAGES = [code for code in load_settings(ROOT / "config.yaml").languages if code != "de"]


def german_sources(language: str) -> list[str]:
    """German source texts a speaker of `language` must not see: every source text, except
    those whose translation is the same words (names); long enough to be recognised."""
    with open(LOCALES_DIR / language / "LC_MESSAGES" / "messages.po", "rb") as file:
        catalog = read_po(file)
    texts = []
    for message in catalog:
        if not message.id or message.string == message.id:
            continue
        for part in message.id.replace("{", "\n{").replace("}", "}\n").splitlines():
            part = part.strip(" .,:?!–-•\n")
            if len(part) >= 12 and "{" not in part:
                texts.append(part)
    return texts


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_person_answers_everything_in_their_language_without_a_german_word(
    fake_telegram, database_url, language
):
    async with running_bot(fake_telegram, database_url) as app:
        person = fake_telegram.person("Sam", language)
        walker = Respondent(fake_telegram, person, load_configured_flow(app.settings), language)
        await walker.start()
        chosen = len(person.messages)
        await walker.answer_all()
        await walker.submit()
        person.send("/help")
        await fake_telegram.wait_until(lambda: len(person.messages) > chosen + 1)
    seen = [m.text or "" for m in person.messages[chosen - 1 :]]
    seen += [label for m in person.messages[chosen - 1 :] for label in m.buttons]
    leaks = {source for source in german_sources(language) for text in seen if source in text}
    assert not leaks, f"German text shown to a {language} speaker: {sorted(leaks)[:5]}"
    if translator(language).rtl:
        # The district (Latin letters) inside right-to-left text keeps its place: every time
        # it appears in a sentence it is wrapped in direction isolates.
        district = app.settings.districts[0].name
        inside = [t for t in seen if district in t and t != district]
        assert inside, "the answered district is shown back"
        assert all(t.count(district) == t.count(f"{FSI}{district}{PDI}") for t in inside), inside
