"""The provider survey end to end: the real bot over HTTP against the fake Bot API server. A
provider redeems a code, answers the survey with two offers (a repeat group in Telegram: round
headings, "add another?"), a coordinator approves the entry with /review, the offers are in the
directory, and the provider hears of it."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.core.i18n import Msg
from bot.flows import engine
from bot.flows.loader import PROVIDER_FLOW, flow_path, load_flow
from bot.flows.schema import Flow, QuestionType
from bot.intake.screens import DONE, SKIP_LABELS
from bot.providers.texts import REFUSAL
from bot.ui.labels import choice_label
from bot.ui.text import label_text
from tests.fakebot import FakeTelegram, Person
from tests.fixtures.bot import e2e_settings, outbox_sent, running_bot
from tests.offers.test_provider_survey import ANSWERS


def said(person: Person, text: str) -> bool:
    return any(text in shown for shown in person.texts())


def label(flow: Flow, question, choice_id: str) -> str:
    return label_text(choice_label(flow, question, choice_id), "de")


async def answer_survey(fake: FakeTelegram, provider: Person, flow: Flow, offers: list[str]):
    """Answer on the phone as ANSWERS says, one round per offer name; the round headings seen."""
    answers: dict[str, Any] = {"org_name": "Brücke e. V."}
    headings: list[str] = []
    while (step := engine.next_step(flow, answers)) is not None:
        question = step.question
        await fake.wait_until(lambda q=question: q.text in (provider.last.text or ""))
        shown = provider.last.text or ""
        if step.group is not None and not step.another:
            headings += [line for line in shown.splitlines() if line.startswith("Angebot ")]
        if step.another:
            value: Any = "yes" if step.round < len(offers) else "no"
        elif question.id == "offer_name":
            value = offers[step.round - 1]
        else:
            value = ANSWERS[question.id]
        if value is None:
            provider.tap(label_text(Msg(SKIP_LABELS[question.skip]), "de"))
            parsed: Any = engine.SKIPPED
        elif question.type is QuestionType.multiple:
            for choice_id in value:
                name = label(flow, question, choice_id)
                provider.tap(name)
                await fake.wait_until(lambda n=name: "✓ " + n in provider.buttons())
            provider.tap(label_text(Msg(DONE), "de"))
            parsed = frozenset(value)
        elif question.has_choices:
            provider.tap(label(flow, question, value))
            parsed = value
        else:
            provider.send(value)
            accepted = engine.parse_input(question, value, today=date.today())
            assert isinstance(accepted, engine.Accepted), (step.key, accepted)
            parsed = accepted.value
        answers = engine.apply_answer(flow, answers, step.key, parsed)
    return headings


async def test_a_provider_enters_two_offers_and_a_coordinator_approves_them(
    fake_telegram, database_url, services
):
    provider = fake_telegram.person("Amal", "de")
    coordinator = fake_telegram.person("Carla", "de")
    stranger = fake_telegram.person("Ben", "de")
    settings = e2e_settings(fake_telegram, database_url)
    flow = load_flow(flow_path(PROVIDER_FLOW), settings.districts, settings.field_ids)
    code, _ = await services.providers.invite("Brücke e. V.", hours=72)
    async with running_bot(fake_telegram, database_url, coordinators=[coordinator.user_id]) as app:
        provider.send("/provider WRONG-CODE")
        await fake_telegram.wait_until(lambda: said(provider, "gilt nicht"))
        provider.send(f"/provider {code}")
        await fake_telegram.wait_until(lambda: said(provider, "Brücke e. V."))
        headings = await answer_survey(fake_telegram, provider, flow, ["Sprechstunde", "Nähcafé"])
        assert "Angebot 1" in headings and "Angebot 2" in headings
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
