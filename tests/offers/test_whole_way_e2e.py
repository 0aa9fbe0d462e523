"""The whole way of an offer, end to end over real HTTP against the fake Bot API server: a
coordinator invites a provider, the provider describes two offers with /provider, a coordinator
approves them with /review, a person in Sieglar who speaks Arabic and wants housing advice reads
the Sieglar offer at the end of the needs questionnaire, and the caseworker finds it in the
case's details."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.i18n import translator
from bot.flows.loader import load_configured_flow, load_flow, provider_flow_path
from bot.flows.steps import Step
from bot.intake.offers import AGAIN, FIELD_HEADING
from tests.casework.test_casework_e2e import register
from tests.fixtures.bot import Respondent, answer_steps, e2e_settings, outbox_sent, running_bot
from tests.intake.test_offers import wants_help_with
from tests.offers.test_provider_e2e import said
from tests.offers.test_provider_survey import ANSWERS

HOUSING = "Wohnberatung in Sieglar"
CAFE = "Nähcafé"
# Per offer: the answers that differ from the provider's usual ones.
OFFERS: dict[str, dict[str, Any]] = {
    HOUSING: {
        "offer_fields": ["housing"],
        "offer_districts": ["sieglar"],
        "offer_languages": ["ar"],
        "offer_description": "Hilfe bei der Wohnungssuche",
    },
    CAFE: {"offer_fields": ["social"], "offer_districts": ["city"], "offer_languages": ["de"]},
}


def provider_answers(step: Step) -> Any:
    names = list(OFFERS)
    if step.another:
        return "yes" if step.round < len(names) else "no"
    name = names[step.round - 1] if step.round else None
    if step.question.id == "offer_name":
        return name
    return OFFERS.get(name or "", {}).get(step.question.id, ANSWERS[step.question.id])


@pytest.fixture
def team(fake_telegram):
    olga = fake_telegram.person("Olga")  # the caseworker
    group = fake_telegram.group("KIM Fallmanagement", [olga])
    teams = [{"id": "kim", "name": "KIM Fallmanagement", "chat_id": group.chat_id,
              "default": True}]  # fmt: skip
    return group, olga, teams


async def test_an_offer_goes_from_the_provider_to_the_person_and_the_caseworker(
    fake_telegram, database_url, sessions, services, team
):
    fake = fake_telegram
    group, olga, teams = team
    provider = fake.person("Amal", "de")
    coordinator = fake.person("Carla", "de")
    options = {"coordinators": [coordinator.user_id], "teams": teams}
    settings = e2e_settings(fake, database_url, **options)
    survey = load_flow(provider_flow_path(), settings.districts, settings.field_ids)
    needs = load_configured_flow(settings)
    amina = Respondent(fake, fake.person("Amina", language_code="ar"), needs, "ar")
    code, _ = await services.providers.invite("Brücke e. V.", hours=72)

    async with running_bot(fake, database_url, **options) as app:
        # The provider redeems the invitation and describes two offers.
        provider.send(f"/provider {code}")
        await fake.wait_until(lambda: said(provider, "Brücke e. V."))
        await answer_steps(fake, provider, survey, provider_answers, {"org_name": "Brücke e. V."})
        await fake.wait_until(lambda: "✅ Antworten abschicken" in provider.buttons())
        provider.tap("✅ Antworten abschicken")
        await fake.wait_until(lambda: said(provider, "eingereicht"))
        assert await services.directory.active_offers() == ()  # nothing before the review

        # The coordinator approves the entry.
        coordinator.send("/review")
        await fake.wait_until(lambda: "✅ Freigeben" in coordinator.buttons())
        coordinator.tap("✅ Freigeben")
        await fake.wait_until(lambda: said(coordinator, "Freigegeben."))
        await outbox_sent(app)
        [housing] = [o for o in await services.directory.active_offers() if o.name == HOUSING]
        assert (housing.fields, housing.districts, housing.languages) == (
            {"housing"},
            {"sieglar"},
            {"ar"},
        )

        # A person in Sieglar who speaks Arabic wants housing advice and reads the offer.
        await register(fake, sessions, settings, olga)
        await amina.start()
        await amina.answer_all(wants_help_with("housing"))
        await amina.submit()
        await amina.shows(translator("ar")(AGAIN))
        heading = translator("ar")(FIELD_HEADING).split("{")[0]
        [shown] = [m.text for m in amina.person.messages if heading in (m.text or "")]
        assert HOUSING in shown and "Hilfe bei der Wohnungssuche" in shown
        assert CAFE not in shown  # no need in the social field

        # The caseworker opens the case's details and finds the same offer.
        await fake.wait_until(lambda: group.messages and "Fall #1" in group.messages[0].text)
        group.tap(olga, "📄 Details")
        await fake.wait_until(lambda: said(olga, "Passende Angebote:"))
        [details] = [t for t in olga.texts() if "Passende Angebote:" in t]
        offers = details[details.index("Passende Angebote:") :].splitlines()
        assert offers[1] == "Wohnen:"
        assert offers[2].startswith(f"• {HOUSING} – Brücke e. V.")
        assert CAFE not in details
    assert not fake.unanswered_callbacks()
