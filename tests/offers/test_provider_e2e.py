"""The provider survey end to end: the real bot over HTTP against the fake Bot API server. A
provider redeems a code, answers the survey with two offers (a repeat group in Telegram: round
headings, "add another?"), a coordinator approves the entry with /review, the offers are in the
directory, and the provider hears of it."""

from __future__ import annotations

from typing import Any

from bot.flows.loader import load_flow, provider_flow_path
from bot.flows.steps import Step
from bot.providers.texts import REFUSAL
from tests.fakebot import Person
from tests.fixtures.bot import answer_steps, e2e_settings, outbox_sent, running_bot
from tests.offers.test_provider_survey import ANSWERS


def said(person: Person, text: str) -> bool:
    return any(text in shown for shown in person.texts())


def value_of(offers: list[str]):
    """The provider's answer to a step: ANSWERS, one round per offer name."""

    def value(step: Step) -> Any:
        if step.another:
            return "yes" if step.round < len(offers) else "no"
        if step.question.id == "offer_name":
            return offers[step.round - 1]
        return ANSWERS[step.question.id]

    return value


async def test_a_provider_enters_two_offers_and_a_coordinator_approves_them(
    fake_telegram, database_url, services
):
    provider = fake_telegram.person("Amal", "de")
    coordinator = fake_telegram.person("Carla", "de")
    stranger = fake_telegram.person("Ben", "de")
    settings = e2e_settings(fake_telegram, database_url)
    flow = load_flow(provider_flow_path(), settings.districts, settings.field_ids)
    code, _ = await services.providers.invite("Brücke e. V.", hours=72)
    async with running_bot(fake_telegram, database_url, coordinators=[coordinator.user_id]) as app:
        provider.send("/provider WRONG-CODE")
        await fake_telegram.wait_until(lambda: said(provider, "gilt nicht"))
        provider.send(f"/provider {code}")
        await fake_telegram.wait_until(lambda: said(provider, "Brücke e. V."))
        offers = value_of(["Sprechstunde", "Nähcafé"])
        headings = await answer_steps(
            fake_telegram, provider, flow, offers, answers={"org_name": "Brücke e. V."}
        )
        assert headings[0] == "Angebot 1" and headings[-1] == "Angebot 2"
        await fake_telegram.wait_until(lambda: "✅ Antworten abschicken" in provider.buttons())
        provider.tap("✅ Antworten abschicken")
        await fake_telegram.wait_until(lambda: said(provider, "eingereicht"))
        (submission,) = await services.directory.pending()

        stranger.send("/review")
        await fake_telegram.wait_until(lambda: stranger.messages)
        assert stranger.last.text == REFUSAL
        stranger.tap_data(f"o:{submission.id}:approve")  # a forged review button
        await fake_telegram.wait_until(lambda: not fake_telegram.unanswered_callbacks())
        assert len(await services.directory.pending()) == 1
        assert await services.directory.active_offers() == ()

        coordinator.send("/review")
        await fake_telegram.wait_until(lambda: "✅ Freigeben" in coordinator.buttons())
        assert any("Sprechstunde" in t and "Nähcafé" in t for t in coordinator.texts())
        coordinator.tap("✅ Freigeben")
        await fake_telegram.wait_until(lambda: said(coordinator, "Freigegeben."))
        await outbox_sent(app)
        await fake_telegram.wait_until(lambda: said(provider, "Ihr Eintrag ist freigegeben"))
    offers = await services.directory.active_offers()
    assert sorted(o.name for o in offers) == ["Nähcafé", "Sprechstunde"]
    assert await services.directory.pending() == ()
    assert not fake_telegram.unanswered_callbacks()
