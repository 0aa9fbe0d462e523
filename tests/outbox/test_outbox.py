"""The outbox on a real database: unique rows, claims and leases, segments, texts, schedules."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.broadcasts.audience import Segment
from bot.broadcasts.service import LATE_LIMIT, Broadcasts, Draft
from bot.broadcasts.texts import ENGLISH_LINE
from bot.core.config import load_settings
from bot.flows import engine
from storage import broadcasts as broadcast_store
from storage import deliveries, interviews, jobs, respondents
from storage.deliveries import Delivery
from storage.models import Respondent
from tests.fixtures.flows import data_flow

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class Someone:
    name: str
    language: str
    district: str | None = None
    answers: tuple[tuple[str, object], ...] = ()
    finished: bool = False
    opted_out: bool = False
    unreachable: bool = False


PEOPLE = (
    Someone("ana", "de", "spich", (("housing_problems", frozenset({"notice"})),), finished=True),
    Someone("ben", "en", "sieglar"),
    Someone("cem", "ar", "spich", (("job_search", "no"),)),
    Someone("dara", "uk"),
    Someone("eva", "de", None, (("job_search", "yes"),), finished=True),
    Someone("fil", "en", "spich", (("housing_problems", frozenset({"notice"})),), opted_out=True),
    Someone("gul", "ar", "sieglar", (("job_search", "yes"),), finished=True, unreachable=True),
    Someone(
        "hana", "ar", "sieglar", (("housing_problems", frozenset({"small"})), ("job_search", "yes"))
    ),
)


@pytest.fixture
def settings(database_url):
    return load_settings(
        ROOT / "config.yaml", database_url=database_url, languages=["de", "en", "ar", "uk"]
    )


@pytest.fixture
def flow(settings):
    return data_flow("outbox", settings.districts)


@pytest.fixture
def broadcasts(sessions, settings, flow):
    return Broadcasts(sessions, settings, flow, clock=lambda: NOW)


async def add_people(sessions, flow, people=PEOPLE, first=1) -> dict[str, int]:
    """The people as the conversation would have stored them; returns respondent ids by name."""
    ids = {}
    async with sessions() as session, session.begin():
        for number, someone in enumerate(people, start=first):
            respondent = await respondents.create_respondent(
                session,
                "telegram",
                str(5000 + number),
                chat_id=5000 + number,
                first_name=someone.name,
                language=someone.language,
                now=NOW,
            )
            respondent.broadcasts_opt_out = someone.opted_out
            respondent.unreachable = someone.unreachable
            interview = await interviews.start_interview(
                session, respondent.id, flow.id, flow.version, NOW
            )
            answers = list(someone.answers)
            if someone.district:
                answers.insert(0, ("district", someone.district))
            for question_id, value in answers:
                code = engine.encode_answer(flow.question(question_id), value)
                await interviews.save_answer(session, interview.id, question_id, code, False, NOW)
            if someone.finished:
                interview.status = "finished"
                interview.finished_at = NOW
            ids[someone.name] = respondent.id
    return ids


async def names_in(broadcasts, ids, segment: Segment) -> set[str]:
    by_id = {rid: name for name, rid in ids.items()}
    async with broadcasts.transaction() as session:
        return {by_id[m.respondent_id] for m in await broadcasts.members(session, segment)}


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        (Segment(), {"ana", "ben", "cem", "dara", "eva", "hana"}),
        (Segment(languages=("ar",)), {"cem", "hana"}),
        (Segment(languages=("de", "uk")), {"ana", "dara", "eva"}),
        (Segment(districts=("spich",)), {"ana", "cem"}),
        (Segment(statuses=("not_started",)), {"dara"}),
        (Segment(statuses=("unfinished",)), {"ben", "cem", "hana"}),
        (Segment(statuses=("finished",)), {"ana", "eva"}),
        (Segment(fields=("housing",)), {"ana"}),
        (Segment(fields=("work",)), {"eva", "hana"}),
        (Segment(fields=("housing", "work")), {"ana", "eva", "hana"}),
        (Segment(fields=("health",)), set()),
        (Segment(districts=("sieglar",), fields=("work",)), {"hana"}),
        (Segment(languages=("de",), statuses=("finished",), fields=("work",)), {"eva"}),
    ],
)
async def test_segments_select_exactly_the_right_people(
    broadcasts, sessions, flow, segment, expected
):
    ids = await add_people(sessions, flow)
    assert await names_in(broadcasts, ids, segment) == expected


async def test_a_person_is_enqueued_once_per_broadcast_however_often_it_is_enqueued(
    broadcasts, sessions, flow
):
    ids = await add_people(sessions, flow)
    view = await broadcasts.send_now(Draft(text_de="Hallo"), "test")
    assert view.counts.total == 6
    async with sessions() as session, session.begin():
        total = await broadcast_store.enqueue_broadcast(session, view.id, list(ids.values()), NOW)
    assert total == len(ids)  # the two not reachable are added only when asked for directly
    async with sessions() as session:
        rows = (await session.execute(select(Delivery.respondent_id))).scalars().all()
    assert sorted(rows) == sorted(set(rows))


async def claim(sessions, worker, now=NOW, limit=100):
    async with sessions() as session, session.begin():
        return await deliveries.claim_due(session, now, limit, worker, LEASE)


async def test_a_claimed_row_is_not_claimed_again_until_its_lease_runs_out(
    broadcasts, sessions, flow
):
    await add_people(sessions, flow)
    await broadcasts.send_now(Draft(text_de="Hallo"), "test")
    first = await claim(sessions, "a")
    assert len(first) == 6 and all(c.attempts == 1 for c in first)
    assert await claim(sessions, "b", NOW + LEASE - timedelta(seconds=1)) == []
    taken_over = await claim(sessions, "b", NOW + LEASE)
    assert {c.id for c in taken_over} == {c.id for c in first}
    counts = await outbox_counts(broadcasts)
    assert counts.reclaimed == 6 and counts.sending == 6


async def outbox_counts(broadcasts, broadcast_id=1):
    view = await broadcasts.status(broadcast_id)
    assert view is not None
    return view.counts


async def test_a_sender_whose_lease_was_taken_over_cannot_settle_the_row(
    broadcasts, sessions, flow
):
    await add_people(sessions, flow, PEOPLE[:1])
    await broadcasts.send_now(Draft(text_de="Hallo"), "test")
    (mine,) = await claim(sessions, "a")
    await claim(sessions, "b", NOW + LEASE)
    async with sessions() as session, session.begin():
        assert not await deliveries.settle(session, mine.id, "a", "failed", NOW)
        assert await deliveries.settle(session, mine.id, "b", "sent", NOW)
    assert (await outbox_counts(broadcasts)).sent == 1


async def test_concurrent_claims_never_share_a_row(broadcasts, sessions, flow):
    await add_people(sessions, flow)
    await broadcasts.send_now(Draft(text_de="Hallo"), "test")
    batches = await asyncio.gather(*(claim(sessions, f"w{n}", limit=2) for n in range(5)))
    claimed = [c.id for batch in batches for c in batch]
    assert len(claimed) == 6
    assert len(set(claimed)) == 6


async def test_cancelling_a_broadcast_keeps_what_was_sent_and_cancels_the_rest(
    broadcasts, sessions, flow
):
    await add_people(sessions, flow)
    view = await broadcasts.send_now(Draft(text_de="Hallo"), "test")
    sent, *_ = await claim(sessions, "a", limit=1)
    async with sessions() as session, session.begin():
        await deliveries.settle(session, sent.id, "a", "sent", NOW)
    assert await broadcasts.cancel(view.id)
    assert not await broadcasts.cancel(view.id)
    counts = await outbox_counts(broadcasts, view.id)
    assert (counts.sent, counts.cancelled, counts.pending) == (1, 5, 0)
    assert (await broadcasts.status(view.id)).status == "cancelled"


async def test_erasing_a_person_removes_every_delivery_to_them(broadcasts, sessions, flow):
    ids = await add_people(sessions, flow)
    await broadcasts.send_now(Draft(text_de="Eins"), "test")
    await broadcasts.send_now(Draft(text_de="Zwei"), "test")
    async with sessions() as session, session.begin():
        await deliveries.erase_outbox(session, ids["ana"])
    async with sessions() as session:
        left = (await session.execute(select(Delivery.respondent_id))).scalars().all()
    assert ids["ana"] not in left
    assert len(left) == 2 * 5


async def test_a_broadcast_is_closed_when_nothing_is_left_to_send(broadcasts, sessions, flow):
    await add_people(sessions, flow, PEOPLE[:2])
    view = await broadcasts.send_now(Draft(text_de="Hallo"), "test")
    assert await broadcasts.close_finished() == []
    for c in await claim(sessions, "a"):
        async with sessions() as session, session.begin():
            await deliveries.settle(session, c.id, "a", "sent", NOW)
    assert await broadcasts.close_finished() == [view.id]
    done = await broadcasts.status(view.id)
    assert done is not None and done.status == "done" and done.finished_at == NOW


async def test_a_scheduled_broadcast_chooses_its_people_when_it_fires(broadcasts, sessions, flow):
    await add_people(sessions, flow, PEOPLE[:2])
    at = NOW + timedelta(hours=1)
    view = await broadcasts.schedule(Draft(text_de="Später"), at, "test")
    assert view.status == "scheduled" and view.counts.total == 0
    await add_people(sessions, flow, (Someone("newcomer", "de"),), first=100)
    assert await broadcasts.fire_due(at - timedelta(seconds=1)) == []
    assert await broadcasts.fire_due(at) == [view.id]
    assert await broadcasts.fire_due(at) == []  # fired once
    fired = await broadcasts.status(view.id)
    assert fired is not None and fired.status == "sending" and fired.counts.total == 3


async def test_a_scheduled_broadcast_found_too_late_is_missed_not_sent(broadcasts, sessions, flow):
    await add_people(sessions, flow, PEOPLE[:2])
    view = await broadcasts.schedule(Draft(text_de="Heute Abend"), NOW, "test")
    assert await broadcasts.fire_due(NOW + LATE_LIMIT + timedelta(minutes=1)) == []
    missed = await broadcasts.status(view.id)
    assert missed is not None and missed.status == "missed" and missed.counts.total == 0


def test_each_language_reads_its_own_text_and_the_others_german_with_an_english_line(
    broadcasts, settings
):
    draft = Draft(text_de="Sprechstunde am Montag", texts=(("ar", "نص عربي"),))
    assert broadcasts.text_for(draft, "de") == "Sprechstunde am Montag"
    assert broadcasts.text_for(draft, "ar") == "نص عربي"
    english_line = ENGLISH_LINE.format(city=settings.city)
    assert broadcasts.text_for(draft, "uk") == f"Sprechstunde am Montag\n\n{english_line}"
    with_english = Draft(text_de="Sprechstunde", texts=(("en", "Office hours"),))
    assert broadcasts.text_for(with_english, "uk") == "Sprechstunde\n\nOffice hours"


def test_a_prepared_message_carries_the_details_in_every_language(broadcasts):
    draft = Draft(text_de="Montag, 7. Dezember, 17 Uhr, Rathaus", template="info_event")
    for language in ("de", "en", "ar", "uk"):
        text = broadcasts.text_for(draft, language)
        assert text.endswith("Montag, 7. Dezember, 17 Uhr, Rathaus")
        assert "Troisdorf" in text


def test_a_draft_names_every_problem(settings):
    draft = Draft(text_de="", texts=(("fr", "x" * 4000),), segment=Segment(districts=("mars",)))
    problems = " ".join(draft.problems(settings))
    for expected in ("leer", "fr", "Zeichen", "mars"):
        assert expected in problems


async def test_each_periodic_tick_is_claimed_by_one_caller_only(sessions):
    async def try_tick(tick):
        async with sessions() as session, session.begin():
            return await jobs.claim_tick(session, "due_broadcasts", tick)

    assert await try_tick(7)
    assert not await try_tick(7)
    assert not await try_tick(6)
    assert await try_tick(8)


async def test_a_blocked_person_has_their_pending_deliveries_blocked(broadcasts, sessions, flow):
    ids = await add_people(sessions, flow, PEOPLE[:2])
    await broadcasts.send_now(Draft(text_de="Eins"), "test")
    async with sessions() as session, session.begin():
        await deliveries.mark_unreachable(session, ids["ana"])
    async with sessions() as session:
        ana = await session.get(Respondent, ids["ana"])
        rows = (await session.execute(select(Delivery.respondent_id, Delivery.status))).all()
    assert ana is not None and ana.unreachable
    assert dict(rows) == {ids["ana"]: "blocked", ids["ben"]: "pending"}


def test_german_and_english_together_never_outgrow_one_message(broadcasts, settings):
    draft = Draft(text_de="D" * 2500, texts=(("en", "E" * 2500),))
    text = broadcasts.text_for(draft, "uk")
    assert text == "D" * 2500 + "\n\n" + ENGLISH_LINE.format(city=settings.city)
