"""The gap map: districts × fields of action as a picture for /stats, each cell coloured by the
people with a need and labelled "people / offers"; a need that no active offer reaches is framed
in red. matplotlib is loaded only when a map is drawn (it takes a while to import)."""

from __future__ import annotations

import io

from bot.reports.coverage import Coverage

GAP_COLOUR = "#c0392b"
HIDDEN_COLOUR = "#d9d9d9"
SCALE = ("#f4f8fb", "#9ecae1", "#2171b5", "#08306b")
CAPTION = "Lücken: Bedarf und aktive Angebote je Stadtteil und Handlungsfeld"


def gap_map_png(coverage: Coverage) -> bytes:
    """The map as PNG; hidden counts grey and never framed (the frame would tell 1 to 4 from 0)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    heat = LinearSegmentedColormap.from_list("kim-gaps", list(SCALE))
    rows, fields = coverage.rows, coverage.fields
    most = max((c.people.shown or 0 for row in rows for c in row.cells), default=0) or 1
    figure = Figure(figsize=(1.1 * len(fields) + 2.6, 0.42 * max(len(rows), 1) + 1.8))
    axes = figure.subplots()
    for i, row in enumerate(rows):
        for j, cell in enumerate(row.cells):
            shown = cell.people.shown
            colour = HIDDEN_COLOUR if shown is None else heat(shown / most)
            frame = {"edgecolor": GAP_COLOUR, "linewidth": 2.5} if cell.gap else {}
            square = {"facecolor": colour, "edgecolor": "white", "linewidth": 1.5, **frame}
            axes.add_patch(Rectangle((j + 0.04, i + 0.04), 0.92, 0.92, **square))
            label = f"{cell.people} / {cell.offers}" + ("\n!" if cell.gap else "")
            dark = shown is not None and shown / most > 0.55
            axes.text(
                j + 0.5,
                i + 0.5,
                label,
                ha="center",
                va="center",
                fontsize=7,
                color="white" if dark else "#222222",
            )
    axes.set_xlim(0, len(fields))
    axes.set_ylim(len(rows), 0)
    axes.set_xticks([j + 0.5 for j in range(len(fields))])
    axes.set_xticklabels([f.label for f in fields], rotation=30, ha="right", fontsize=8)
    axes.set_yticks([i + 0.5 for i in range(len(rows))])
    axes.set_yticklabels([row.district for row in rows], fontsize=8)
    axes.tick_params(length=0)
    for spine in axes.spines.values():
        spine.set_visible(False)
    axes.set_title(
        f"Personen mit Bedarf / aktive Angebote; rot umrandet: Bedarf ohne Angebot "
        f"({coverage.gaps})",
        fontsize=9,
    )
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)  # this figure's canvas only: no pyplot, safe in a worker thread
    figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
    return buffer.getvalue()
