"""A grid of coloured, labelled squares as PNG: the needs heat map of the report and /stats, and
the gap map. matplotlib is loaded only when a grid is drawn (it takes a while to import)."""

from __future__ import annotations

import io
from dataclasses import dataclass

SCALE = ("#f4f8fb", "#9ecae1", "#2171b5", "#08306b")
HIDDEN_COLOUR = "#d9d9d9"  # a count kept back (small-cell suppression)
GAP_COLOUR = "#c0392b"


@dataclass(frozen=True)
class Square:
    """One cell: its place, its shade (0..1, None: hidden), its label, and a red frame?"""

    row: int
    column: int
    shade: float | None
    label: str
    framed: bool = False


def grid_png(
    squares: list[Square], columns: list[str], rows: list[str], title: str, height: float = 1.6
) -> bytes:
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    heat = LinearSegmentedColormap.from_list("kim", list(SCALE))
    figure = Figure(figsize=(1.1 * len(columns) + 2.6, 0.42 * max(len(rows), 1) + height))
    axes = figure.subplots()
    for square in squares:
        colour = HIDDEN_COLOUR if square.shade is None else heat(square.shade)
        frame = {"edgecolor": GAP_COLOUR, "linewidth": 2.5} if square.framed else {}
        style = {"facecolor": colour, "edgecolor": "white", "linewidth": 1.5, **frame}
        place = (square.column + 0.04, square.row + 0.04)
        axes.add_patch(Rectangle(place, 0.92, 0.92, **style))
        dark = square.shade is not None and square.shade > 0.55
        axes.text(
            square.column + 0.5,
            square.row + 0.5,
            square.label,
            ha="center",
            va="center",
            fontsize=7,
            color="white" if dark else "#222222",
        )
    axes.set_xlim(0, len(columns))
    axes.set_ylim(len(rows), 0)
    axes.set_xticks([j + 0.5 for j in range(len(columns))])
    axes.set_xticklabels(columns, rotation=30, ha="right", fontsize=8)
    axes.set_yticks([i + 0.5 for i in range(len(rows))])
    axes.set_yticklabels(rows, fontsize=8)
    axes.tick_params(length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)
    axes.set_title(title, fontsize=9)
    return png(figure)


def png(figure) -> bytes:
    """The figure as PNG through its own Agg canvas: no pyplot, safe in a worker thread."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
    return buffer.getvalue()
