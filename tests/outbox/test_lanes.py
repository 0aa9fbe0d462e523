"""The outbox's two lanes and the bot's one rate budget."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest

from bot.core.config import FREE_RATE
from bot.core.service import utc_now
from bot.outbox.pacing import CLOSEST, MOST_AHEAD, PAID_RATE, TELEGRAM_RATE, ChatGaps, RateBudget
from storage import deliveries, respondents
from storage.types import Lane


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def slots_within(budget: RateBudget, clock: Clock, lane: Lane, seconds: float) -> int:
    """How many messages of `lane` the budget lets go within `seconds`, each sent on time."""
    end, count = clock.now + seconds, 0
    while True:
        at = clock.now + budget.reserve(lane)
        if at >= end:
            return count
        clock.now, count = at, count + 1


@pytest.mark.parametrize(("lane", "expected"), [(Lane.BULK, 25), (Lane.INTERACTIVE, 29)])
def test_the_bulk_lane_keeps_to_its_rate_and_the_interactive_lane_to_telegrams(lane, expected):
    clock = Clock()
    budget = RateBudget(bulk_rate=25, clock=clock)
    assert slots_within(budget, clock, lane, 10.0) == pytest.approx(10 * expected, abs=1)


def test_the_free_budget_stays_below_telegrams_limit_even_at_a_configured_30():
    clock = Clock()
    budget = RateBudget(bulk_rate=FREE_RATE, clock=clock)
    assert TELEGRAM_RATE < FREE_RATE
    assert slots_within(budget, clock, Lane.BULK, 10.0) == pytest.approx(10 * TELEGRAM_RATE, abs=1)


def test_paid_broadcasts_keep_to_their_own_rate_and_leave_the_free_budget_to_the_others():
    clock = Clock()
    budget = RateBudget(bulk_rate=500, clock=clock, paid=True)
    start, bulk, interactive = clock.now, 0, 0
    while clock.now < start + 10:
        bulk_at = clock.now + budget.reserve(Lane.BULK)
        bulk += 1
        if bulk % 40 == 0:  # now and then a case notice
            interactive_at = clock.now + budget.reserve(Lane.INTERACTIVE)
            assert interactive_at - clock.now < 1 / TELEGRAM_RATE + 1e-9
            interactive += 1
        clock.now = bulk_at
    assert bulk == pytest.approx(10 * 500, abs=2)
    assert interactive == bulk // 40


@pytest.mark.parametrize("lane", [Lane.BULK, Lane.INTERACTIVE])
async def test_a_free_message_whose_timer_fired_late_keeps_the_next_one_an_interval_away(
    lane, monkeypatch
):
    clock = Clock()
    budget = RateBudget(bulk_rate=25, clock=clock)

    async def late_sleep(seconds: float) -> None:
        clock.now += seconds + 0.06  # the process was busy: the timer fires 60 ms late

    monkeypatch.setattr("bot.outbox.pacing.asyncio.sleep", late_sleep)
    departures = []
    for _ in range(5):
        await budget.slot(lane)
        departures.append(clock.now)
    gaps = [b - a for a, b in itertools.pairwise(departures)]
    assert min(gaps) >= CLOSEST / TELEGRAM_RATE - 1e-9


def test_paid_broadcasts_keep_below_telegrams_paid_limit_even_at_a_configured_1000():
    clock = Clock()
    budget = RateBudget(bulk_rate=1000, clock=clock, paid=True)
    assert PAID_RATE < 1000
    assert slots_within(budget, clock, Lane.BULK, 10.0) == pytest.approx(10 * PAID_RATE, abs=1)


def test_a_paid_broadcast_late_by_a_timer_catches_up_only_a_little():
    clock = Clock()
    budget = RateBudget(bulk_rate=1000, clock=clock, paid=True)
    budget.reserve(Lane.BULK)
    clock.now += 1.0  # a second without sending: no second's worth of credit
    waits = [budget.reserve(Lane.BULK) for _ in range(30)]
    assert sum(1 for wait in waits if wait <= 0) <= 11  # the slack of 10 ms, then spaced
    assert waits[-1] > 0


def test_direct_replies_take_their_slots_at_once_and_the_bulk_lane_gives_way():
    clock = Clock()
    budget = RateBudget(bulk_rate=25, clock=clock)
    start, bulk, direct = clock.now, 0, 0
    while clock.now < start + 10:
        if direct < 20 * (clock.now - start):  # people answering: 20 replies a second
            budget.spend()
            direct += 1
            continue
        clock.now += budget.reserve(Lane.BULK)
        bulk += 1
    assert 195 <= direct <= 205
    assert bulk + direct <= 10 * 30 + 2  # together within Telegram's 30 a second
    assert bulk >= 80  # and the broadcast still moves


def test_a_flood_of_replies_pushes_the_outbox_back_by_a_second_at_most():
    clock = Clock()
    budget = RateBudget(bulk_rate=25, clock=clock)
    for _ in range(500):
        budget.spend()
    assert budget.reserve(Lane.INTERACTIVE) <= MOST_AHEAD


async def test_interactive_messages_are_claimed_before_the_bulk_ones_put_in_earlier(sessions):
    now = utc_now()
    async with sessions() as session, session.begin():
        person = await respondents.create_respondent(
            session, "telegram", "1", chat_id=1, first_name="A", language="de", now=now
        )
        for number in range(20):
            await deliveries.enqueue_message(session, person.id, "reminder", str(number), now, now)
        later = now + timedelta(seconds=1)
        await deliveries.enqueue(session, "note", "n", later, respondent_id=person.id, due=now)
    async with sessions() as session, session.begin():
        claims = await deliveries.claim_due(session, later, 5, "w", timedelta(minutes=2))
    assert [(c.kind, c.lane) for c in claims] == [("note", Lane.INTERACTIVE)] + [
        ("reminder", Lane.BULK)
    ] * 4


async def test_a_second_message_to_a_chat_waits_for_the_first_ones_answer_and_then_the_interval():
    gaps = ChatGaps(0.2)
    assert gaps.wait(7) == 0.0
    gaps.sending(7)
    second = asyncio.create_task(gaps.turn(7))
    await asyncio.sleep(0.4)  # longer than the interval: the first is still not answered
    assert not second.done()  # however long the first takes, the second waits for its answer
    await gaps.turn(8)  # other chats are not held up
    gaps.mark(7)
    assert 0 < gaps.wait(7) <= 0.2  # and then the interval, from the answer on
    await second
    assert gaps.wait(7) <= 0.0 and not gaps.on_its_way(7)
