"""The report's needs beside offers, checked cell by cell against hand counts on a small seed
with the real needs questionnaire: per district and field, and per language.

  Sieglar, housing help (6):   s1-s5 speak Arabic; s6 Arabic and Kurdish, and wants language help
  Spich, language help (3):    speak Ukrainian
  Oberlar, no need (1):        speaks Farsi and "another language"
  Sieglar, unfinished (1):     Arabic, housing help: not counted

Offers: housing advice in Sieglar (German, Turkish), a city-wide language café (German,
Ukrainian), and an inactive housing advice in Spich in Farsi (counted nowhere).
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.i18n import german_name
from bot.offers.model import Entry, Offer, Organisation
from bot.reports.coverage import NO_OFFER
from bot.reports.html import render_html
from storage.types import OfferStatus, OrganisationKind
from tests.reports.test_reports import Sitting, Someone, seed

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
EARLY = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)


def person(district: str, languages: set[str], *, housing: bool, language: bool, done=True):
    answers = {
        "district": district,
        "languages": frozenset(languages),
        "language_help": "yes" if language else "no",
        "housing_help": "yes" if housing else "no",
    }
    return Someone("de", [Sitting(EARLY, answers, finished=done)])


PEOPLE = [
    *(person("sieglar", {"ar"}, housing=True, language=False) for _ in range(5)),
    person("sieglar", {"ar", "ku"}, housing=True, language=True),
    *(person("spich", {"uk"}, housing=False, language=True) for _ in range(3)),
    person("oberlar", {"fa", "other"}, housing=False, language=False),
    person("sieglar", {"ar"}, housing=True, language=False, done=False),
]
AWO = Organisation(0, "AWO Troisdorf", OrganisationKind.welfare)
OFFERS = (
    Offer(0, 0, "Wohnberatung Sieglar", fields=frozenset({"housing"}),
          districts=frozenset({"sieglar"}), languages=frozenset({"de", "tr"})),
    Offer(0, 0, "Sprachcafé", fields=frozenset({"language"}), languages=frozenset({"de", "uk"})),
    Offer(0, 0, "Wohnberatung Spich", fields=frozenset({"housing"}),
          districts=frozenset({"spich"}), languages=frozenset({"fa"}),
          status=OfferStatus.inactive),
)  # fmt: skip
# Sieglar and the districts next to it, which the Sieglar offer reaches.
NEAR_SIEGLAR = {"Sieglar", "Eschmar", "Kriegsdorf", "Müllekoven", "Oberlar"}


async def seeded_report(services, sessions, flow, clock):
    await seed(sessions, flow, PEOPLE)
    clock.set(NOW)
    await services.directory.put([Entry(AWO, OFFERS)], by="cli")
    return await services.reports.report()


async def test_every_district_cell_is_the_hand_count_beside_the_offers_reaching_it(
    services, sessions, flow, clock, settings
):
    report = await seeded_report(services, sessions, flow, clock)
    fields = [f.id for f in report.coverage.fields]
    got = {
        row.district: {
            f: (str(c.people), c.offers, c.gap) for f, c in zip(fields, row.cells, strict=True)
        }
        for row in report.coverage.rows
    }
    expected = {}
    for district in settings.districts:
        cells = {f: ("< 5", 0, False) for f in fields}  # nobody or a small count, never marked
        cells["language"] = ("< 5", 1, False)  # the city-wide café reaches every district
        if district.name in NEAR_SIEGLAR:
            cells["housing"] = ("< 5", 1, False)
        expected[district.name] = cells
    expected["Sieglar"]["housing"] = ("6", 1, False)  # s1-s6; the unfinished one not
    assert got == expected
    assert report.coverage.gaps == 0


async def test_every_language_row_is_the_hand_count_beside_the_active_offers_in_it(
    services, sessions, flow, clock
):
    report = await seeded_report(services, sessions, flow, clock)
    got = {row.code: (str(row.people), row.offers, row.gap) for row in report.languages.rows}
    assert got == {
        "ar": ("6", 0, True),  # s1-s6 need something; no active offer speaks Arabic: marked
        "kmr": ("< 5", 0, False),  # s6's Kurdish counts as both Kurdish languages, hidden
        "ckb": ("< 5", 0, False),
        "uk": ("< 5", 1, False),  # Spich's three, and the café
        "tr": ("< 5", 1, False),  # nobody with a need, one offer: 0 shows as "< 5"
    }  # Farsi: only a person without a need and an inactive offer; German is left out
    labels = [row.label for row in report.languages.rows]
    assert labels == sorted(german_name(code) for code in got)
    assert report.languages.gaps == 1


async def test_the_page_lists_the_languages_with_the_gap_marked(services, sessions, flow, clock):
    html = render_html(await seeded_report(services, sessions, flow, clock))
    section = html[html.index("<h2>Sprachen: Bedarfe und Angebote</h2>") :]
    section = section[: section.index("</section>")]
    assert f"<td>Arabisch</td><td>6</td><td>0 – {NO_OFFER}</td>" in section
    assert "<td>Ukrainisch</td><td>&lt; 5</td><td>1</td>" in section
    assert "Persisch" not in section and "Deutsch</td>" not in section
