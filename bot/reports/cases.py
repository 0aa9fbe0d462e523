"""Cases in the report: per priority and status, and the hours from the flag to a claim, every
count protected (bot/reports/privacy.py)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.vocabulary import CASE_STATUS_NAMES
from bot.flows.schema import Priority
from bot.reports.privacy import Count, ProtectedTable, protect_table


@dataclass(frozen=True)
class CaseFacts:
    priority: str
    status: str
    created_at: datetime
    claimed_at: datetime | None


@dataclass(frozen=True)
class CaseTable:
    """Cases per priority and status, and the hours from the flag to a caseworker's claim."""

    priorities: tuple[str, ...]
    statuses: tuple[str, ...]
    table: ProtectedTable
    claimed: tuple[Count, ...]  # per priority
    claimed_total: Count
    median_hours: tuple[float | None, ...]  # per priority; None when the count is hidden
    median_hours_total: float | None


def case_table(cases: Sequence[CaseFacts]) -> CaseTable:
    priorities = tuple(p.value for p in sorted(Priority, key=lambda p: -p.rank))
    known = tuple(CASE_STATUS_NAMES)
    statuses = known + tuple(sorted({c.status for c in cases} - set(known)))
    values = [
        [sum(c.priority == p and c.status == s for c in cases) for s in statuses]
        for p in priorities
    ]
    table = protect_table(values, row_totals=True, column_totals=True)
    hours = {
        p: [
            (c.claimed_at - c.created_at).total_seconds() / 3600
            for c in cases
            if c.priority == p and c.claimed_at is not None
        ]
        for p in priorities
    }
    claimed = protect_table(
        [[len(hours[p])] for p in priorities], row_totals=False, column_totals=True
    )
    assert claimed.column_totals is not None
    claimed_counts = tuple(cells[0] for cells in claimed.cells)
    every = [h for p in priorities for h in hours[p]]

    def median(values: list[float], shown: Count) -> float | None:
        return None if shown.suppressed or not values else statistics.median(values)

    return CaseTable(
        priorities=priorities,
        statuses=statuses,
        table=table,
        claimed=claimed_counts,
        claimed_total=claimed.column_totals[0],
        median_hours=tuple(
            median(hours[p], c) for p, c in zip(priorities, claimed_counts, strict=True)
        ),
        median_hours_total=median(every, claimed.column_totals[0]),
    )
