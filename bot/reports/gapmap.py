"""The gap map: districts × fields of action as a picture for /stats, each cell coloured by the
people with a need and labelled "people / offers"; a need that no active offer reaches is framed
in red. matplotlib is loaded only when a map is drawn (it takes a while to import)."""

from __future__ import annotations

from bot.reports.coverage import Coverage
from bot.reports.grid import GAP_COLOUR, Square, grid_png

__all__ = ["CAPTION", "GAP_COLOUR", "gap_map_png"]

CAPTION = "Lücken: Bedarf und aktive Angebote je Stadtteil und Handlungsfeld"


def gap_map_png(coverage: Coverage) -> bytes:
    """The map as PNG; hidden counts grey and never framed (the frame would tell 1 to 4 from 0)."""
    rows, fields = coverage.rows, coverage.fields
    most = max((c.people.shown or 0 for row in rows for c in row.cells), default=0) or 1
    squares = [
        Square(
            i,
            j,
            None if cell.people.shown is None else cell.people.shown / most,
            f"{cell.people} / {cell.offers}" + ("\n!" if cell.gap else ""),
            framed=cell.gap,
        )
        for i, row in enumerate(rows)
        for j, cell in enumerate(row.cells)
    ]
    title = (
        f"Personen mit Bedarf / aktive Angebote; rot umrandet: Bedarf ohne Angebot "
        f"({coverage.gaps})"
    )
    return grid_png(
        squares, [f.label for f in fields], [row.district for row in rows], title, height=1.8
    )
