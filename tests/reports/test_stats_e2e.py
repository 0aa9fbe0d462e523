"""/stats end to end: the real application talks to the fake Bot API server over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from bot.offers.model import Entry, Offer, Organisation
from bot.reports.gapmap import CAPTION
from bot.telegram.routers.stats import REFUSAL
from storage.casework import AuditEntry
from storage.types import OrganisationKind
from tests.fixtures.bot import running_bot
from tests.fixtures.flows import FLOWS_DIR
from tests.reports.test_reports import NOW, flow, seed, settings

__all__ = ["flow", "settings"]  # fixtures shared with the report tests


@pytest.fixture
async def people(fake_telegram):
    return fake_telegram.person("Carla"), fake_telegram.person("Amina", language_code="ar")


@pytest.fixture
async def bot_running(
    fake_telegram, people, database_url, sessions, flow, monkeypatch
) -> AsyncIterator[None]:
    coordinator, _ = people
    await seed(sessions, flow)
    monkeypatch.setenv("KIM_FLOWS_DIR", str(FLOWS_DIR))  # rep.yaml, the `flow` fixture's
    async with running_bot(
        fake_telegram,
        database_url,
        clock=lambda: NOW,
        flow="rep",
        coordinators=[coordinator.user_id],
    ):
        yield


async def test_coordinators_get_the_summary_and_heat_map_and_others_a_polite_refusal(
    fake_telegram, people, bot_running, sessions
):
    coordinator, respondent = people
    respondent.send("/stats")
    assert (await respondent.next_message()).text == REFUSAL

    coordinator.send("/stats")
    # The first report of a process loads the charting library: slow on a busy machine.
    summary = await coordinator.next_message(within=60)
    # The seeded figures (see test_reports): 27 agreed, 25 began, 18 finished; of the 18,
    # 12 have a language need (67 %), 6 a housing need (33 %).
    assert "Einwilligung: 27 · begonnen: 25 · abgeschlossen: 18" in summary.text
    assert "• Sprache: 12 (67 %)\n• Wohnen: 6 (33 %)\n• Bildung: < 5" in summary.text
    picture = await coordinator.next_message(within=60)
    assert picture.photo is not None and picture.photo.startswith(b"\x89PNG\r\n\x1a\n")
    assert picture.caption.startswith("Bedarf nach Stadtteil und Handlungsfeld")

    # The refusal was all the other person got: no figures, no picture.
    assert [m.text for m in fake_telegram.messages_in(respondent.chat_id)] == [REFUSAL]
    gaps = await coordinator.next_message(within=60)
    assert gaps.caption.startswith(CAPTION)
    photos = [int(call.params["chat_id"]) for call in fake_telegram.calls_to("sendPhoto")]
    assert photos == [coordinator.chat_id] * 2
    async with sessions() as session:
        logged = (await session.execute(sa.select(AuditEntry.actor, AuditEntry.action))).all()
    assert logged == [(f"telegram:{coordinator.user_id}", "report")]  # the refusal showed nothing


async def test_coordinators_get_the_gap_map_of_needs_beside_the_offers_that_reach_them(
    fake_telegram, people, bot_running, services
):
    coordinator, _ = people
    caritas = Organisation(0, "Caritas Troisdorf", OrganisationKind.welfare)
    course = Offer(0, 0, "Sprachtreff", fields=frozenset({"language"}), districts={"eschmar"})
    await services.directory.put([Entry(caritas, (course,))], by="cli")

    coordinator.send("/stats")
    await coordinator.next_message(within=60)  # the summary
    heat = await coordinator.next_message(within=60)  # the heat map of needs
    gaps = await coordinator.next_message(within=60)
    assert gaps.photo is not None and gaps.photo.startswith(b"\x89PNG\r\n\x1a\n")
    assert gaps.caption.startswith(CAPTION) and "Bedarf ohne Angebot" in gaps.caption
    assert gaps.photo != heat.photo
    assert len(fake_telegram.calls_to("sendPhoto")) == 2
