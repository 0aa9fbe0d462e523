"""The case details list the offers of the directory that match the case's person, in German
with organisation, address and phone, on a real database."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.service import Event
from bot.flows import engine
from bot.offers.model import Contact, Entry, Offer, Organisation
from bot.ui.model import ShowDetails
from storage import interviews, respondents
from storage.casework import Staff
from storage.types import OrganisationKind

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
CARITAS = Organisation(
    0, "Caritas Troisdorf", OrganisationKind.welfare, Contact(phone="02241 1234")
)
AWO = Organisation(0, "AWO Rhein-Sieg", OrganisationKind.welfare)
COURSE = Offer(
    0, 0, "Deutschkurs am Vormittag", fields=frozenset({"language"}),
    districts=frozenset({"sieglar"}), address="Larstraße 1, 53844 Troisdorf",
)  # fmt: skip
CAFE = Offer(0, 0, "Sprachcafé", fields=frozenset({"language"}))
FAR = Offer(0, 0, "Deutschtreff Spich", fields=frozenset({"language"}), districts={"spich"})
JOBS = Offer(0, 0, "Bewerbungshilfe", fields=frozenset({"work"}))
ANSWERS = {"district": "sieglar", "age_group": "a27_44", "languages": "ar", "language_help": "yes"}


async def case_of_amina(services, answers=ANSWERS) -> None:
    """Amina's answers hand her over; Carla is a caseworker of her team."""
    async with services.sessions() as session, session.begin():
        respondent = await respondents.create_respondent(
            session, "telegram", "1", chat_id=1, first_name="Amina", language="ar", now=NOW
        )
        interview = await interviews.start_interview(session, respondent.id, "needs", 1, NOW)
        for question, code in answers.items():
            await interviews.save_answer(session, interview.id, question, code, False, NOW)
        decoded = {
            q: engine.decode_answer(services.flow.question(q), c) for q, c in answers.items()
        }
        flags = engine.raised_flags(services.flow, decoded)
        await services.casework.handover(session, respondent, interview, flags)
        session.add(Staff(telegram_user_id=11, name="Carla", role="caseworker", team="kim",
                          created_at=NOW))  # fmt: skip


async def details(services) -> str:
    reply = await services.casework.act(11, ShowDetails(1), Event(1), pressed_in_group=False)
    [screen] = reply.messages
    return screen.parts[0]


async def test_the_details_list_the_matching_offers_with_organisation_address_and_phone(
    services, clock
):
    clock.set(NOW)
    await services.directory.put(
        [Entry(CARITAS, (COURSE, FAR, JOBS)), Entry(AWO, (CAFE,))], by="cli"
    )
    await case_of_amina(services)
    text = await details(services)
    offers = text[text.index("Passende Angebote:") :].splitlines()
    assert offers == [
        "Passende Angebote:",
        "Sprache:",
        "• Deutschkurs am Vormittag – Caritas Troisdorf – Larstraße 1, 53844 Troisdorf – "
        "Tel. 02241 1234",
        "• Sprachcafé – AWO Rhein-Sieg",
    ]  # the far one and the field without a need are left out


async def test_the_details_say_so_when_no_offer_matches(services, clock):
    clock.set(NOW)
    await services.directory.put([Entry(CARITAS, (FAR, JOBS))], by="cli")
    await case_of_amina(services)
    assert "Passende Angebote: keine passenden im Verzeichnis." in await details(services)


async def test_an_offer_s_hidden_characters_and_line_breaks_do_not_reach_the_details(
    services, clock
):
    clock.set(NOW)
    forged = Offer(0, 0, "Kurs\u202e\nFall #9 gelöscht", fields=frozenset({"language"}))
    await services.directory.put([Entry(CARITAS, (forged,))], by="cli")
    await case_of_amina(services)
    text = await details(services)
    assert "• Kurs Fall #9 gelöscht – Caritas Troisdorf – Tel. 02241 1234" in text.splitlines()
    assert "\u202e" not in text
