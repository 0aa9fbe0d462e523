"""Needs beside offers: per district and field of action, the people with a need (the protected
counts of the need table) and the active offers that reach them, by the rule people's
suggestions follow (bot/offers/matching.py: in the district, city-wide or next door); and the
languages of the people with a need beside the languages the active offers are given in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.config import FieldOfAction
from bot.core.i18n import german_name
from bot.offers.matching import iso_languages
from bot.offers.model import Offer
from bot.reports.privacy import Count, protect_table
from storage.types import OfferStatus

if TYPE_CHECKING:
    from bot.reports.service import NeedTable

NO_OFFER = "kein Angebot"
GERMAN = "de"


@dataclass(frozen=True)
class CoverageCell:
    people: Count  # with a need in the field, protected as in the need table
    offers: int  # active offers of the field that reach the district

    @property
    def gap(self) -> bool:
        """People need it and nothing reaches them. A hidden count is never marked: the mark
        would tell a small count of 1 to 4 from 0."""
        return self.offers == 0 and bool(self.people.shown)


@dataclass(frozen=True)
class CoverageRow:
    district: str  # its name
    cells: tuple[CoverageCell, ...]  # per field, in the order of Coverage.fields


@dataclass(frozen=True)
class Coverage:
    fields: tuple[FieldOfAction, ...]
    rows: tuple[CoverageRow, ...]

    @property
    def gaps(self) -> int:
        return sum(cell.gap for row in self.rows for cell in row.cells)


def reaching(offer: Offer, district: str, near: frozenset[str]) -> bool:
    return offer.city_wide or district in offer.districts or bool(offer.districts & near)


def coverage_of(
    table: NeedTable, offers: Sequence[Offer], neighbours: Mapping[str, frozenset[str]]
) -> Coverage:
    """The district need table (its rows of configured districts) beside the offers."""
    active = [o for o in offers if o.status == OfferStatus.active]
    rows = []
    for row in table.rows:
        if row.key not in neighbours:  # "keine Angabe", or a district no longer configured
            continue
        near = neighbours[row.key]
        cells = tuple(
            CoverageCell(
                people,
                sum(field.id in o.fields and reaching(o, row.key, near) for o in active),
            )
            for field, people in zip(table.fields, row.needs, strict=True)
        )
        rows.append(CoverageRow(row.label, cells))
    return Coverage(table.fields, tuple(rows))


# --- Languages --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LanguageRow:
    code: str  # ISO 639, as offers give their languages
    label: str  # its German name
    people: Count  # people with a need who speak it well, protected
    offers: int  # active offers given in it

    @property
    def gap(self) -> bool:
        """Marked as the district cells are: shown people, no offer (a hidden count never)."""
        return self.offers == 0 and bool(self.people.shown)


@dataclass(frozen=True)
class LanguageCoverage:
    """The languages people with a need speak (the questionnaire's `languages` question, read
    as matching reads it) beside the languages of the active offers. German is left out: the
    question asks for the other languages, and nearly every offer is given in German. A person
    who speaks several languages counts in each, so the rows add up to nothing and no total
    is published beside them."""

    rows: tuple[LanguageRow, ...]

    @property
    def gaps(self) -> int:
        return sum(row.gap for row in self.rows)


def languages_of(
    people: Iterable[tuple[frozenset[str], frozenset[str]]], offers: Sequence[Offer]
) -> LanguageCoverage:
    """`people`: the needs and the ticked `languages` answer of each finished person. Rows: every
    language somebody with a need speaks or an active offer is given in, by German name."""
    speaking: Counter[str] = Counter()
    for needs, ticked in people:
        if needs:
            speaking.update(iso_languages(ticked))
    given: Counter[str] = Counter()
    for offer in offers:
        if offer.status == OfferStatus.active:
            given.update(offer.languages)
    codes = sorted((set(speaking) | set(given)) - {GERMAN}, key=lambda c: (german_name(c), c))
    if not codes:
        return LanguageCoverage(())
    protected = protect_table([[speaking[c]] for c in codes], row_totals=False, column_totals=False)
    return LanguageCoverage(
        tuple(
            LanguageRow(code, german_name(code), cells[0], given[code])
            for code, cells in zip(codes, protected.cells, strict=True)
        )
    )
