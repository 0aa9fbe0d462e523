"""The directory: imports by name, providers' submissions and a coordinator's decision."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.core.service import Event, Person
from bot.offers.directory import Changes, DirectoryError, InvalidEntry
from bot.offers.model import Contact, Cooperation, Entry, Offer, Organisation
from bot.ui.model import Consent, PickLanguage
from storage.casework import AuditEntry
from storage.models import Respondent
from storage.offers import OfferRow, SubmissionRow
from storage.types import OfferStatus, OrganisationKind, SubmissionState

NOW = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)  # already 4 December in Troisdorf
CARITAS = Organisation(
    0, "Caritas Troisdorf", OrganisationKind.welfare, Contact(email="info@caritas.de")
)
COURSE = Offer(
    0,
    0,
    "Deutschkurs für Frauen",
    fields=frozenset({"language"}),
    districts=frozenset({"sieglar"}),
    languages=frozenset({"de", "ar"}),
    age_min=18,
)
ADVICE = Offer(0, 0, "Migrationsberatung", fields=frozenset({"residence", "social"}))
ENTRY = Entry(CARITAS, (COURSE, ADVICE), (Cooperation(0, "Stadt Troisdorf", frozenset({"work"})),))


@pytest.fixture
def directory(services, clock):
    clock.set(NOW)
    return services.directory


async def audit_actions(sessions) -> list[str]:
    async with sessions() as session:
        return list((await session.execute(select(AuditEntry.action))).scalars())


async def test_an_import_adds_new_entries_and_a_second_one_changes_nothing(directory, sessions):
    first = await directory.put([ENTRY], by="cli")
    assert first == Changes(created=2, organisations_created=1)
    second = await directory.put([ENTRY], by="cli")
    assert second == Changes(unchanged=2)
    assert second.summary().startswith("0 neu, 0 geändert, 2 unverändert")
    assert [o.name for o in await directory.active_offers()] == [
        "Deutschkurs für Frauen",
        "Migrationsberatung",
    ]
    assert await audit_actions(sessions) == ["offers_imported", "offers_imported"]


async def test_an_import_finds_organisations_and_offers_by_name_whatever_the_spaces_and_case(
    directory,
):
    await directory.put([ENTRY], by="cli")
    before = {o.name: o.id for o in await directory.active_offers()}
    renamed = replace(
        CARITAS, name="  caritas   TROISDORF ", contact=replace(CARITAS.contact, phone="02241 1234")
    )
    course = replace(COURSE, name="deutschkurs für frauen", costs="kostenlos")
    changes = await directory.put([Entry(renamed, (course,))], by="cli")
    assert changes == Changes(updated=1, organisations_updated=1)
    after = await directory.active_offers()
    assert {o.id for o in after} == set(before.values())
    assert [o.costs for o in after if o.id == before["Deutschkurs für Frauen"]] == ["kostenlos"]
    assert [o.contact.phone for o in (await directory.organisations()).values()] == ["02241 1234"]


async def test_a_dry_run_counts_but_stores_nothing(directory, sessions):
    changes = await directory.put([ENTRY], dry_run=True, by="cli")
    assert changes == Changes(created=2, organisations_created=1, dry_run=True)
    assert await directory.entries() == ()
    assert await audit_actions(sessions) == []


async def test_a_wrong_entry_is_refused_with_every_problem_and_nothing_is_stored(directory):
    wrong = replace(COURSE, districts=frozenset({"sieglarr"}), age_min=30, age_max=20)
    with pytest.raises(InvalidEntry) as refused:
        await directory.put([ENTRY, Entry(replace(CARITAS, name="Awo"), (wrong,))], by="cli")
    assert refused.value.problems == (
        "Awo, Angebot 'Deutschkurs für Frauen': 'sieglarr' ist kein Stadtteil.",
        "Awo, Angebot 'Deutschkurs für Frauen': 'Alter von' (30) ist größer als 'Alter bis'.",
    )
    assert await directory.entries() == ()


async def test_entries_are_filtered_by_district_with_city_wide_offers_and_by_field(directory):
    await directory.put([ENTRY], by="cli")
    in_spich = await directory.entries(district="spich")
    assert [o.name for e in in_spich for o in e.offers] == ["Migrationsberatung"]
    in_sieglar = await directory.entries(district="sieglar")
    assert len(in_sieglar[0].offers) == 2
    assert await directory.entries(field="housing") == ()
    [entry] = await directory.entries(field="language")
    assert [o.name for o in entry.offers] == ["Deutschkurs für Frauen"]
    assert entry.cooperations[0].partner == "Stadt Troisdorf"


async def test_a_pending_submission_is_not_shown_until_it_is_approved(directory, sessions):
    submission_id = await directory.submit(ENTRY, provider="telegram:77")
    assert await directory.active_offers() == ()
    [pending] = await directory.pending()
    assert (pending.id, pending.provider) == (submission_id, "telegram:77")
    assert pending.organisation_id is None
    assert pending.entry.organisation.name == "Caritas Troisdorf"
    assert pending.entry.offers[0].districts == frozenset({"sieglar"})

    approved = await directory.approve(submission_id, by="staff:1")

    assert {o.name for o in approved.offers} == {"Deutschkurs für Frauen", "Migrationsberatung"}
    offers = await directory.active_offers()
    assert {o.last_confirmed for o in offers} == {date(2026, 12, 4)}
    assert {o.organisation_id for o in offers} == {approved.organisation.id}
    assert await directory.pending() == ()
    assert await audit_actions(sessions) == ["offers_submitted", "offers_approved"]
    async with sessions() as session:
        row = await session.get(SubmissionRow, submission_id)
    assert (row.state, row.decided_by) == (SubmissionState.approved, "staff:1")
    assert row.organisation_id == approved.organisation.id


async def test_approving_twice_is_refused_with_a_clear_error(directory, sessions):
    submission_id = await directory.submit(ENTRY, provider="telegram:77")
    await directory.approve(submission_id, by="staff:1")
    with pytest.raises(DirectoryError, match=f"Einreichung {submission_id} ist schon angenommen"):
        await directory.approve(submission_id, by="staff:2")
    with pytest.raises(DirectoryError, match="ist schon angenommen"):
        await directory.reject(submission_id, by="staff:2")
    for unknown in (99, 0, -1, 2**40):
        with pytest.raises(DirectoryError, match=f"Eine Einreichung {unknown} gibt es nicht"):
            await directory.approve(unknown, by="staff:2")
    assert await audit_actions(sessions) == ["offers_submitted", "offers_approved"]


async def test_approving_an_update_keeps_the_ids_and_deactivates_what_it_leaves_out(
    directory, clock
):
    await directory.put([ENTRY], by="cli")
    [organisation_id] = await directory.organisations()
    ids = {o.name: o.id for o in await directory.active_offers()}
    changed = replace(COURSE, id=ids["Deutschkurs für Frauen"], name="Deutschkurs am Abend")
    update = Entry(
        replace(CARITAS, contact=replace(CARITAS.contact, website="https://caritas.de")), (changed,)
    )
    clock.advance(timedelta(days=30))
    submission_id = await directory.submit(
        update, provider="telegram:77", organisation_id=organisation_id
    )

    approved = await directory.approve(submission_id, by="staff:1")

    assert approved.organisation.id == organisation_id
    assert approved.organisation.contact.website == "https://caritas.de"
    assert approved.cooperations == ()
    [shown] = await directory.active_offers()
    assert (shown.id, shown.name) == (ids["Deutschkurs für Frauen"], "Deutschkurs am Abend")
    assert shown.last_confirmed == date(2027, 1, 3)
    statuses = {o.name: o.status for o in approved.offers}
    assert statuses == {
        "Deutschkurs am Abend": OfferStatus.active,
        "Migrationsberatung": OfferStatus.inactive,
    }


async def test_a_rejected_submission_changes_nothing_in_the_directory(directory, sessions):
    submission_id = await directory.submit(ENTRY, provider="telegram:77")
    await directory.reject(submission_id, by="staff:1", reason="Angaben unvollständig")
    assert await directory.pending() == ()
    assert await directory.entries() == ()
    async with sessions() as session:
        row = await session.get(SubmissionRow, submission_id)
    assert (row.state, row.decided_by, row.reason) == (
        SubmissionState.rejected,
        "staff:1",
        "Angaben unvollständig",
    )
    assert await audit_actions(sessions) == ["offers_submitted", "offers_rejected"]


async def test_a_submission_for_an_unknown_organisation_or_with_errors_is_refused(directory):
    for unknown in (5, 2**40):
        with pytest.raises(DirectoryError, match=f"Organisation {unknown} gibt es nicht"):
            await directory.submit(ENTRY, provider="telegram:77", organisation_id=unknown)
    twice = Entry(CARITAS, (COURSE, replace(COURSE, costs="5 Euro")))
    with pytest.raises(InvalidEntry, match="steht zweimal da"):
        await directory.submit(twice, provider="telegram:77")
    assert await directory.pending() == ()


async def test_a_person_s_erasure_leaves_the_directory_as_it_is(directory, services, sessions):
    await directory.put([ENTRY], by="cli")
    await directory.submit(ENTRY, provider="telegram:1001")
    person = Person("telegram", "1001", chat_id=1001, first_name="Amina", device_language="de")
    conversation = services.conversation
    await conversation.start(person, Event(1))
    await conversation.pick_language(person, PickLanguage("de"), Event(2))
    await conversation.consent(person, Consent("de", True), Event(3))

    await services.data_rights.delete(person, True, Event(4))

    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Respondent)) == 0
        assert await session.scalar(select(func.count()).select_from(OfferRow)) == 2
    assert len(await directory.active_offers()) == 2
    assert len(await directory.pending()) == 1


async def test_two_coordinators_approving_at_once_create_the_organisation_once(directory, sessions):
    submission_id = await directory.submit(ENTRY, provider="telegram:77")
    results = await asyncio.gather(
        directory.approve(submission_id, by="staff:1"),
        directory.approve(submission_id, by="staff:2"),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["DirectoryError", "Entry"]
    assert len(await directory.organisations()) == 1
    assert len(await directory.active_offers()) == 2
    assert (await audit_actions(sessions)).count("offers_approved") == 1
