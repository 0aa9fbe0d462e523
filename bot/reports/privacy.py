"""Small-cell suppression for every published count: a count under 5 people reads "< 5", and no
suppressed count can be worked out from the totals published beside it.

Primary suppression hides every count under `MIN_COUNT` (totals included). Secondary suppression
then hides more counts until none of the hidden ones can be recovered: first the simple rule (a
row or column with exactly one hidden entry also hides its next smallest cell), then two checks an
adversary would try — solving the published sums as linear equations, and narrowing each hidden
entry's range from the sums and what its marker says (under 5, or at least 5). A count of 0
that can be worked out stands for nobody and needs no more protection.
Totals are always computed from all data, never from the cells left visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import inf

MIN_COUNT = 5
SMALL = "< 5"  # a count of 0 to 4 people
HIDDEN = "x"  # a count of 5 or more, hidden so that a small one cannot be worked out
LEGEND = (
    "„< 5“: weniger als 5 Personen. „x“: zum Schutz kleiner Zahlen nicht ausgewiesen. "
    "Summen sind aus allen Daten berechnet."
)


@dataclass(frozen=True)
class Count:
    """A published count: its value and whether (and why) it is hidden."""

    value: int
    small: bool = False  # primary: under MIN_COUNT
    hidden: bool = False  # secondary: protects a small count

    @property
    def suppressed(self) -> bool:
        return self.small or self.hidden

    @property
    def shown(self) -> int | None:
        return None if self.suppressed else self.value

    def __str__(self) -> str:
        if self.small:
            return SMALL
        return HIDDEN if self.hidden else str(self.value)


def count(value: int) -> Count:
    """A count published on its own, with no totals beside it."""
    return Count(value, small=value < MIN_COUNT)


def share(part: Count, whole: Count) -> float | None:
    """part / whole, or None when either is hidden (the share would give the hidden one away)."""
    if part.suppressed or whole.suppressed or whole.value == 0:
        return None
    return part.value / whole.value


def share_text(value: float | None) -> str:
    """A share as whole percent, halves rounded up as people expect (5/8 is 63 %)."""
    return "–" if value is None else f"{int(value * 100 + 0.5)} %"


@dataclass(frozen=True)
class ProtectedTable:
    """A table of counts with its published totals, every entry protected."""

    cells: tuple[tuple[Count, ...], ...]
    row_totals: tuple[Count, ...] | None
    column_totals: tuple[Count, ...] | None
    total: Count | None


# Entries are numbered: cells row by row, then row totals, then column totals, then the total.
# An equation is a list of (entry, sign) whose signed values sum to zero.
Equation = list[tuple[int, int]]


def protect_table(
    values: Sequence[Sequence[int]], *, row_totals: bool, column_totals: bool
) -> ProtectedTable:
    """Protect a table whose rows (and/or columns) add up to the published totals.

    Pass row_totals / column_totals = True only for sums that are true totals (the rows or columns
    partition the people); a count of people that is not the sum of its cells is a cell itself.
    """
    rows, columns = len(values), len(values[0]) if values else 0
    if any(len(row) != columns for row in values):
        raise ValueError("every row needs the same number of cells")
    cells = [v for row in values for v in row]
    n_cells = len(cells)
    row_sums = [sum(row) for row in values] if row_totals else []
    column_sums = [sum(row[j] for row in values) for j in range(columns)] if column_totals else []
    # The grand total is the total of the row totals' column; beside column totals alone it is
    # not published (their sum may mean nothing, e.g. people plus people with a need).
    grand = [sum(cells)] if row_totals else []
    entries = [*cells, *row_sums, *column_sums, *grand]
    first_row_total = n_cells
    first_column_total = first_row_total + len(row_sums)
    grand_index = first_column_total + len(column_sums)

    equations: list[Equation] = []
    if row_totals:
        for i in range(rows):
            line = [(i * columns + j, 1) for j in range(columns)]
            equations.append([*line, (first_row_total + i, -1)])
        equations.append([*((first_row_total + i, 1) for i in range(rows)), (grand_index, -1)])
    if column_totals:
        for j in range(columns):
            line = [(i * columns + j, 1) for i in range(rows)]
            equations.append([*line, (first_column_total + j, -1)])
        if grand:
            equations.append(
                [*((first_column_total + j, 1) for j in range(columns)), (grand_index, -1)]
            )

    small = {k for k, v in enumerate(entries) if v < MIN_COUNT}
    hidden = _secondary(entries, n_cells, equations, small)

    def published(k: int) -> Count:
        return Count(entries[k], small=k in small, hidden=k in hidden)

    table = tuple(tuple(published(i * columns + j) for j in range(columns)) for i in range(rows))
    return ProtectedTable(
        cells=table,
        row_totals=tuple(published(first_row_total + i) for i in range(rows))
        if row_totals
        else None,
        column_totals=tuple(published(first_column_total + j) for j in range(columns))
        if column_totals
        else None,
        total=published(grand_index) if grand else None,
    )


def _secondary(
    entries: list[int], n_cells: int, equations: list[Equation], small: set[int]
) -> set[int]:
    """The further entries to hide so that no suppressed entry can be recovered."""
    hidden: set[int] = set()

    def candidate(equation: Equation) -> int | None:
        """The smallest visible entry of an equation, cells before totals."""
        visible = [k for k, _ in equation if k not in small and k not in hidden]
        if not visible:
            return None
        return min(visible, key=lambda k: (k >= n_cells, entries[k], k))

    while True:
        changed = False
        for equation in equations:
            suppressed = [k for k, _ in equation if k in small or k in hidden]
            if len(suppressed) == 1 and (k := candidate(equation)) is not None:
                hidden.add(k)
                changed = True
        if changed:
            continue
        # A count of 0 that can be worked out tells nothing about anyone; every other can't be.
        exposed = {k for k in recoverable(entries, equations, small, hidden) if entries[k] > 0}
        if not exposed:
            return hidden
        target = min(exposed)
        options = [
            k
            for equation in equations
            if any(e == target for e, _ in equation) and (k := candidate(equation)) is not None
        ]
        if not options:  # everything around it is hidden already; nothing more can help
            return hidden
        hidden.add(min(options, key=lambda k: (k >= n_cells, entries[k], k)))


def recoverable(
    entries: list[int], equations: list[Equation], small: set[int], hidden: set[int]
) -> set[int]:
    """Suppressed entries whose exact value follows from what is published."""
    suppressed = sorted(small | hidden)
    return _solvable(equations, suppressed) | _pinned(entries, equations, small, hidden)


def _solvable(equations: list[Equation], unknown: list[int]) -> set[int]:
    """Unknowns fixed by the linear equations alone (exact elimination over the rationals)."""
    column = {k: c for c, k in enumerate(unknown)}
    rows = []
    for equation in equations:
        row = [Fraction(0)] * len(unknown)
        for k, sign in equation:
            if k in column:
                row[column[k]] += sign
        if any(row):
            rows.append(row)
    pivots: list[tuple[int, list[Fraction]]] = []
    for c in range(len(unknown)):
        pivot = next((r for r in rows if r[c] != 0), None)
        if pivot is None:
            continue
        rows.remove(pivot)
        pivot = [v / pivot[c] for v in pivot]
        for other in (*rows, *(p for _, p in pivots)):
            factor = other[c]
            if factor:
                for i, v in enumerate(pivot):
                    other[i] -= factor * v
        pivots.append((c, pivot))
    # In reduced row echelon form an unknown is determined iff its pivot row is a unit vector.
    return {unknown[c] for c, row in pivots if sum(1 for v in row if v) == 1}


def _pinned(
    entries: list[int], equations: list[Equation], small: set[int], hidden: set[int]
) -> set[int]:
    """Suppressed entries whose range, narrowed by the sums and their markers, is one value."""
    low: dict[int, float] = {}
    high: dict[int, float] = {}
    for k, v in enumerate(entries):
        if k in small:
            low[k], high[k] = 0, MIN_COUNT - 1
        elif k in hidden:
            low[k], high[k] = MIN_COUNT, inf
        else:
            low[k] = high[k] = v
    for _ in range(4 * len(entries) + 4):
        changed = False
        for equation in equations:
            for k, sign in equation:
                rest = [(e, s) for e, s in equation if e != k]
                # sign * x_k = -sum(s * x_e)
                lo = -sum(s * (high[e] if s > 0 else low[e]) for e, s in rest)
                hi = -sum(s * (low[e] if s > 0 else high[e]) for e, s in rest)
                if sign < 0:
                    lo, hi = -hi, -lo
                if lo > low[k]:
                    low[k], changed = lo, True
                if hi < high[k]:
                    high[k], changed = hi, True
        if not changed:
            break
    return {k for k in small | hidden if low[k] == high[k]}
