"""Needs beside offers in the report: per district and field, the protected count of people
with a need against the active offers that reach the district; a need without offer marked."""

from __future__ import annotations

from bot.offers.model import Entry, Offer, Organisation
from bot.reports.coverage import NO_OFFER
from bot.reports.html import render_html
from storage.types import OfferStatus, OrganisationKind
from tests.reports.test_reports import NOW, flow, seed, settings

__all__ = ["flow", "settings"]  # fixtures shared with the report tests

CARITAS = Organisation(0, "Caritas Troisdorf", OrganisationKind.welfare)
OFFERS = (
    Offer(0, 0, "Sprachtreff Eschmar", fields=frozenset({"language"}), districts={"eschmar"}),
    Offer(0, 0, "Bewerbungshilfe", fields=frozenset({"work"})),  # city-wide
    Offer(0, 0, "Wohnberatung", fields=frozenset({"housing"}), districts={"sieglar"},
          status=OfferStatus.inactive),
)  # fmt: skip


async def report_with_offers(services, sessions, flow, clock):
    await seed(sessions, flow)
    clock.set(NOW)
    await services.directory.put([Entry(CARITAS, OFFERS)], by="cli")
    return await services.reports.report()


def cells(report) -> dict[str, dict[str, str]]:
    fields = [f.id for f in report.coverage.fields]
    return {
        row.district: {
            field: f"{c.people} / {c.offers}{' !' if c.gap else ''}"
            for field, c in zip(fields, row.cells, strict=True)
        }
        for row in report.coverage.rows
    }


async def test_needs_stand_beside_the_offers_that_reach_each_district(
    services, sessions, flow, clock
):
    report = await report_with_offers(services, sessions, flow, clock)
    table = cells(report)
    assert len(table) == 12  # the configured districts; "keine Angabe" has no place to reach
    # Sieglar: 6 need language, reached from Eschmar next door; 5 need housing and the only
    # housing offer is inactive: marked. Work: city-wide reaches everyone.
    assert table["Sieglar"]["language"] == "6 / 1"
    assert table["Sieglar"]["housing"] == "5 / 0 !"
    assert table["Sieglar"]["work"] == "< 5 / 1"
    # Spich is not next to Eschmar; its 2 with a language need stay "< 5", unmarked.
    assert table["Spich"]["language"] == "< 5 / 0"
    assert report.coverage.gaps == 1


async def test_the_page_has_a_section_needs_and_offers_with_the_gap_marked(
    services, sessions, flow, clock
):
    html = render_html(await report_with_offers(services, sessions, flow, clock))
    section = html[html.index("<h2>Bedarfe und Angebote</h2>") :]
    section = section[: section.index("</section>")]
    assert f"5 / 0 – {NO_OFFER}" in section
    assert section.count(NO_OFFER) == 2  # the gap, and the note that explains the mark


async def test_without_the_directory_the_report_has_no_such_section(services, sessions, flow):
    services.reports.offers = None
    await seed(sessions, flow)
    report = await services.reports.report()
    assert report.coverage is None
    assert "Bedarfe und Angebote" not in render_html(report)
