"""Needs beside offers: per district and field of action, the people with a need (the protected
counts of the need table) and the active offers that reach them, by the rule people's
suggestions follow (bot/offers/matching.py: in the district, city-wide or next door)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.config import FieldOfAction
from bot.offers.model import Offer
from bot.reports.privacy import Count
from storage.types import OfferStatus

if TYPE_CHECKING:
    from bot.reports.service import NeedTable

NO_OFFER = "kein Angebot"


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
