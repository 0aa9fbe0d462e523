"""Offers for the person at the end of the questionnaire and on /offers, from the directory, on
a real database: the nearest first, in their language where the directory has it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from bot.core.i18n import translator
from bot.core.service import Event, Person
from bot.flows import engine
from bot.flows.needs import needs_of
from bot.flows.schema import QuestionType
from bot.intake.offers import (
    FIELD_HEADING,
    INTRO,
    NO_SUGGESTIONS,
    offer_screens,
)
from bot.offers.matching import Seeker
from bot.offers.model import Contact, Entry, Offer, Organisation
from bot.ui.model import Choose, Consent, Navigate, PickLanguage, Reply, Review, Toggle
from bot.ui.text import screen_text
from storage.models import Interview
from storage.tables import import_all
from storage.types import OfferStatus, OrganisationKind
from tests.fixtures.bot import default_answer

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
AMINA = Person("telegram", "2001", chat_id=2001, first_name="Amina", device_language="ar")
CARITAS = Organisation(
    0, "Caritas Troisdorf", OrganisationKind.welfare, Contact(phone="02241 1234")
)
COURSE = Offer(
    0,
    0,
    "Deutschkurs am Vormittag",
    description="Kurs mit Kinderbetreuung.",
    fields=frozenset({"language"}),
    districts=frozenset({"sieglar"}),
    address="Larstraße 1, 53844 Troisdorf",
    languages=frozenset({"de", "ar"}),
    translations={"ar": "دورة مع رعاية الأطفال."},
)
CAFE = Offer(0, 0, "Sprachcafé", fields=frozenset({"language"}), languages=frozenset({"de"}))
NEARBY = Offer(0, 0, "Lerntreff Eschmar", fields=frozenset({"language"}), districts={"eschmar"})
FAR = Offer(0, 0, "Deutschtreff Spich", fields=frozenset({"language"}), districts={"spich"})
YOUTH = Offer(0, 0, "Jugendkurs", fields=frozenset({"language"}), age_max=17)
CLOSED = Offer(0, 0, "Alter Kurs", fields=frozenset({"language"}), status=OfferStatus.inactive)
JOBS = Offer(0, 0, "Bewerbungshilfe", fields=frozenset({"work"}), languages=frozenset({"ar"}))


def wants_help_with(*fields: str):
    """Answers: Sieglar, 27 to 44, Arabic and Kurdish; counselling only in these fields."""
    chosen = {"district": "sieglar", "age_group": "a27_44", "languages": ["ar", "ku"]}

    def choose(question):
        if question.id in chosen:
            return chosen[question.id]
        if question.id.endswith("_help"):
            return "yes" if question.id.removesuffix("_help") in fields else "no"
        if question.type is QuestionType.yes_no:
            return "no"
        return default_answer(question)

    return choose


class Walk:
    """A person answering the needs questionnaire through the conversation service."""

    def __init__(self, conversation, person: Person = AMINA, language: str = "ar") -> None:
        self.conversation, self.person, self.language = conversation, person, language
        self.update = 0
        self.answers: dict = {}

    def event(self) -> Event:
        self.update += 1
        return Event(self.update)

    async def press(self, action) -> Reply:
        return await self.conversation.press(self.person, action, self.event())

    async def begin(self, sessions) -> int:
        await self.conversation.start(self.person, self.event())
        await self.conversation.pick_language(
            self.person, PickLanguage(self.language), self.event()
        )
        await self.conversation.consent(self.person, Consent(self.language, True), self.event())
        async with sessions() as session:
            return (await session.execute(select(Interview.id))).scalar_one()

    async def finish(self, sessions, choose) -> Reply:
        iid = await self.begin(sessions)
        flow = self.conversation.flow
        while (step := engine.next_step(flow, self.answers)) is not None:
            question, value = step.question, choose(step.question)
            if question.type is QuestionType.multiple:
                for choice in value:
                    await self.press(Toggle(iid, step.key, choice))
                await self.press(Navigate(iid, step.key, "done"))
                value = frozenset(value)
            elif question.has_choices:
                await self.press(Choose(iid, step.key, value))
            else:
                await self.conversation.text(self.person, value, self.event())
                value = engine.decode_answer(question, value)
            self.answers = engine.apply_answer(flow, self.answers, step.key, value)
        return await self.press(Review(iid, "finish"))


def texts(reply: Reply) -> list[str]:
    return [screen_text(screen, reply.language) for screen in reply.messages]


async def rows_everywhere(sessions) -> dict[str, int]:
    import_all()
    metadata = SQLModel.metadata
    async with sessions() as session:
        return {
            table.name: (await session.execute(select(func.count()).select_from(table))).scalar()
            for table in metadata.sorted_tables
        }


@pytest.fixture
async def directory(services, clock):
    clock.set(NOW)
    entry = Entry(CARITAS, (JOBS, FAR, CAFE, YOUTH, NEARBY, CLOSED, COURSE))
    await services.directory.put([entry], by="cli")
    return services.directory


async def test_finishing_shows_the_nearest_offers_per_need_in_the_person_s_language(
    services, directory, sessions
):
    walk = Walk(services.conversation)
    reply = await walk.finish(sessions, wants_help_with("language", "work"))
    assert {"language", "work"} <= needs_of(services.flow, walk.answers)
    tr = translator("ar")
    shown = "\n\n".join(texts(reply))
    assert tr(INTRO).split("{")[0] in shown
    language, work = texts(reply)[2:4]
    assert language.startswith(tr(FIELD_HEADING).split("{")[0])
    assert "تعلّم اللغة الألمانية" in language  # the title of the flow's section, translated
    # Own district, then city-wide, then the neighbour; too far, too young, closed: left out.
    assert language.index("Deutschkurs am Vormittag") < language.index("Sprachcafé")
    assert language.index("Sprachcafé") < language.index("Lerntreff Eschmar")
    for absent in ("Deutschtreff Spich", "Jugendkurs", "Alter Kurs", "Bewerbungshilfe"):
        assert absent not in language
    assert "Larstraße 1, 53844 Troisdorf" in language
    assert "دورة مع رعاية الأطفال." in language and "Kinderbetreuung" not in language
    assert "اللغات:" in language and "العربية" in language
    assert "Bewerbungshilfe" in work


async def test_offers_shows_them_again_and_stores_nothing(services, directory, sessions):
    walk = Walk(services.conversation)
    finished = await walk.finish(sessions, wants_help_with("language"))
    before = await rows_everywhere(sessions)
    again = await services.conversation.show_offers(AMINA)
    assert texts(again) == texts(finished)[1:]
    assert "Bewerbungshilfe" not in "".join(texts(again))  # no need in that field
    assert await rows_everywhere(sessions) == before


async def test_offers_before_the_end_says_when_they_come(services, directory, sessions):
    await Walk(services.conversation).begin(sessions)
    reply = await services.conversation.show_offers(AMINA)
    assert texts(reply) == [translator("ar")(NO_SUGGESTIONS["not_finished"])]


async def test_a_need_without_a_fitting_offer_is_told_kindly_on_offers_only(services, sessions):
    walk = Walk(services.conversation)
    finished = await walk.finish(sessions, wants_help_with("residence"))
    assert len(finished.messages) == 1  # the thanks, and no list of nothing
    reply = await services.conversation.show_offers(AMINA)
    assert texts(reply) == [translator("ar")(NO_SUGGESTIONS["no_offers"])]


def test_a_person_without_needs_gets_a_sentence_instead_of_offers(flow):
    nobody = Seeker(district="sieglar", needs=frozenset(), languages=frozenset(), age_group=None)
    [screen] = offer_screens(flow, "de", nobody, {}, city="Troisdorf", field_names={})
    assert screen_text(screen, "de") == translator("de")(NO_SUGGESTIONS["no_needs"])
