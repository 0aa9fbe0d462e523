"""Offers on the phone: a person who finishes the questionnaire in Arabic reads the matching
offers under it, and /offers brings them back; over real HTTP against a fake Telegram."""

from __future__ import annotations

from bot.core.i18n import translator
from bot.flows.loader import load_configured_flow
from bot.intake.offers import AGAIN, FIELD_HEADING
from bot.offers.model import Entry
from tests.fixtures.bot import Respondent, e2e_settings, running_bot
from tests.intake.test_offers import CAFE, CARITAS, COURSE, FAR, wants_help_with


async def test_an_arabic_speaker_reads_the_offers_at_the_end_and_again_on_offers(
    fake_telegram, database_url, services
):
    fake = fake_telegram
    await services.directory.put([Entry(CARITAS, (CAFE, FAR, COURSE))], by="cli")
    flow = load_configured_flow(e2e_settings(fake, database_url))
    amina = Respondent(fake, fake.person("Amina", language_code="ar"), flow, "ar")
    heading = translator("ar")(FIELD_HEADING).split("{")[0]

    async with running_bot(fake, database_url):
        await amina.start()
        await amina.answer_all(wants_help_with("language"))
        await amina.submit()
        await amina.shows(translator("ar")(AGAIN))
        [offers] = [m.text for m in amina.person.messages if heading in (m.text or "")]
        assert "Deutschkurs am Vormittag" in offers and "Sprachcafé" in offers
        assert offers.index("Deutschkurs am Vormittag") < offers.index("Sprachcafé")
        assert "دورة مع رعاية الأطفال." in offers and "اللغات:" in offers
        assert "Deutschtreff Spich" not in offers

        shown = len(amina.person.messages)
        amina.person.send("/offers")
        await fake.wait_until(
            lambda: any(heading in (m.text or "") for m in amina.person.messages[shown:])
        )
        again = [m.text for m in amina.person.messages[shown:] if heading in (m.text or "")]
        assert again == [offers]
        # The Arabic command menu of private chats names it.
        menu = {c["command"]: c["description"] for c in fake.commands[("all_private_chats", "ar")]}
        assert menu["offers"] == "عرض العروض المناسبة"
    assert not fake.unanswered_callbacks()
