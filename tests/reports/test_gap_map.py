"""The gap map frames a need that no offer reaches in red, and nothing else."""

from __future__ import annotations

import io
from dataclasses import replace

from PIL import Image

from bot.reports.gapmap import GAP_COLOUR, gap_map_png
from tests.reports.test_coverage import report_with_offers
from tests.reports.test_reports import flow, settings

__all__ = ["flow", "settings"]  # fixtures shared with the report tests


def red_pixels(png: bytes) -> int:
    red = tuple(int(GAP_COLOUR[i : i + 2], 16) for i in (1, 3, 5))
    image = Image.open(io.BytesIO(png)).convert("RGB")
    colours = image.getcolors(maxcolors=image.width * image.height) or []
    return sum(n for n, colour in colours if colour == red)


async def test_the_one_gap_is_framed_and_a_map_without_gaps_has_no_frame(
    services, sessions, flow, clock
):
    coverage = (await report_with_offers(services, sessions, flow, clock)).coverage
    assert coverage.gaps == 1  # Sieglar, housing (see test_coverage)
    framed = gap_map_png(coverage)
    assert framed.startswith(b"\x89PNG")
    assert red_pixels(framed) > 100

    # The same map with the Sieglar housing cell reached by an offer: no frame anywhere.
    rows = tuple(
        replace(row, cells=tuple(replace(c, offers=max(c.offers, 1)) for c in row.cells))
        for row in coverage.rows
    )
    unframed = gap_map_png(replace(coverage, rows=rows))
    assert replace(coverage, rows=rows).gaps == 0
    assert red_pixels(unframed) == 0
