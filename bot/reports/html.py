"""The report as one self-contained German HTML page, and its charts as PNG (matplotlib, Agg).

The page carries its images as base64 data and links to nothing, so it can be mailed, archived
and printed as it is. It holds counts only: no names, no free texts.
"""

from __future__ import annotations

import base64
from html import escape

from babel.dates import format_datetime

from bot.core.vocabulary import CASE_STATUS_NAMES, PRIORITY_NAMES
from bot.reports.coverage import NO_OFFER, Coverage, CoverageCell, LanguageCoverage
from bot.reports.grid import Square, grid_png, png
from bot.reports.privacy import LEGEND, Count, share, share_text
from bot.reports.service import (
    CaseTable,
    DropOff,
    Funnel,
    NeedRow,
    NeedTable,
    Report,
)

BAR_COLOUR = "#2171b5"


# --- Charts -----------------------------------------------------------------------------------


def heat_map_png(table: NeedTable) -> bytes:
    """Groups × fields of action, coloured by the share of people with a need; hidden grey."""
    squares = []
    for i, row in enumerate(table.rows):
        for j, cell in enumerate(row.needs):
            value = share(cell, row.people)
            label = str(cell) if value is None else f"{cell.value}\n{share_text(value)}"
            squares.append(Square(i, j, value, label))
    return grid_png(
        squares,
        [f.label for f in table.fields],
        [f"{r.label} ({r.people})" for r in table.rows],
        f"Personen mit Bedarf und ihr Anteil je {table.group} (in Klammern: Personen)",
    )


def _figure(width: float, height: float):
    from matplotlib.figure import Figure  # loaded when a chart is drawn, not at start

    return Figure(figsize=(width, height))


def funnel_png(funnel: Funnel) -> bytes:
    steps = _funnel_steps(funnel)
    figure = _figure(6.5, 1.9)
    axes = figure.subplots()
    labels = [label for label, _ in steps]
    values = [c.shown or 0 for _, c in steps]
    axes.barh(labels, values, color=BAR_COLOUR)
    for y, (_, c) in enumerate(steps):
        axes.text(c.shown or 0, y, f" {c}", va="center", fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("Personen", fontsize=8)
    axes.tick_params(labelsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    axes.margins(x=0.15)
    return png(figure)


def field_bars_png(table: NeedTable) -> bytes:
    """People with a need per field of action, over all groups."""
    total = table.total
    figure = _figure(6.5, 2.6)
    axes = figure.subplots()
    names = [f.label for f in table.fields]
    axes.bar(names, [c.shown or 0 for c in total.needs], color=BAR_COLOUR)
    for x, cell in enumerate(total.needs):
        value = share(cell, total.people)
        label = str(cell) if value is None else f"{cell.value} ({share_text(value)})"
        axes.text(x, cell.shown or 0, label, ha="center", va="bottom", fontsize=7)
    axes.set_ylabel("Personen mit Bedarf", fontsize=8)
    axes.tick_params(labelsize=8)
    axes.tick_params(axis="x", rotation=30)
    axes.spines[["top", "right"]].set_visible(False)
    axes.margins(y=0.2)
    return png(figure)


def _funnel_steps(funnel: Funnel) -> list[tuple[str, Count]]:
    return [
        ("Einwilligung gegeben", funnel.consented),
        ("Fragebogen begonnen", funnel.started),
        ("Fragebogen abgeschlossen", funnel.finished),
    ]


# --- The page ---------------------------------------------------------------------------------

CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; color: #222; margin: 2em auto;
       max-width: 60em; padding: 0 1em; line-height: 1.4; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.8em; }
.meta, .note { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.85em; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.5em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #eef3f8; } tr.total td { font-weight: bold; background: #f6f6f6; }
img { max-width: 100%; height: auto; display: block; margin: 0.6em 0; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  @page { size: A4; margin: 15mm; }
  section { break-inside: avoid-page; } h2 { break-after: avoid; }
  table, img { break-inside: avoid; } thead { display: table-header-group; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def render_html(report: Report, zone: str = "Europe/Berlin") -> str:
    """The whole report as one HTML document (UTF-8 text)."""
    when = format_datetime(report.generated_at, "dd.MM.yyyy, HH:mm", tzinfo=zone, locale="de")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="de"><head><meta charset="utf-8">',
        f"<title>Bedarfe – KIM {escape(report.city)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Bedarfe im Kommunalen Integrationsmanagement {escape(report.city)}</h1>",
        f'<p class="meta">Stand: {when} Uhr. Grundlage der Bedarfstabellen: {report.base} '
        "abgeschlossene Fragebögen, jede Person einmal gezählt.</p>",
        _funnel_section(report.funnel),
        _heat_section(report.by_district),
        _bars_section(report.by_district),
        _need_section(report.by_language),
    ]
    for table in (report.by_age, report.by_stay):
        if table is not None:
            parts.append(_need_section(table))
    parts += [
        _coverage_section(report.coverage),
        _language_section(report.languages),
        _drop_off_section(report.drop_off),
        _cases_section(report.cases),
    ]
    parts.append(
        '<section><h2>Lesehilfe</h2><p class="note">'
        "Ein Bedarf in einem Handlungsfeld liegt vor, wenn die Antworten einer Person eine "
        "Regel des Fragebogens für die Weitergabe an das Fallmanagement auslösen – dieselbe "
        "Regel, nach der Fälle eröffnet werden. Anteile beziehen sich auf die Personen der "
        f"jeweiligen Zeile. {escape(LEGEND)} Der Bericht enthält keine Namen und keine "
        "Freitexte.</p></section>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)


def _image(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}">'


def _table(head: list[str], rows: list[list[str]], total: list[str] | None = None) -> str:
    lines = ["<table><thead><tr>", *(f"<th>{escape(h)}</th>" for h in head), "</tr></thead>"]
    lines.append("<tbody>")
    for row in rows:
        lines.append("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>")
    if total is not None:
        cells = "".join(f"<td>{escape(cell)}</td>" for cell in total)
        lines.append(f'<tr class="total">{cells}</tr>')
    lines.append("</tbody></table>")
    return "".join(lines)


def _funnel_section(funnel: Funnel) -> str:
    steps = _funnel_steps(funnel)
    return (
        "<section><h2>Teilnahme</h2>"
        + _image(funnel_png(funnel), "Trichter: Einwilligung, begonnen, abgeschlossen")
        + _table(["Schritt", "Personen"], [[label, str(c)] for label, c in steps])
        + '<p class="note">Wer der Datenschutzerklärung nicht zustimmt, wird nicht gespeichert '
        "und daher nicht gezählt.</p></section>"
    )


def _need_rows(table: NeedTable) -> tuple[list[str], list[list[str]], list[str]]:
    head = [table.group, "Personen"] + [f.name for f in table.fields]

    def cells(row: NeedRow) -> list[str]:
        return [row.label, str(row.people)] + [
            f"{c} ({share_text(value)})" if (value := share(c, row.people)) is not None else str(c)
            for c in row.needs
        ]

    return head, [cells(row) for row in table.rows], cells(table.total)


def _heat_section(table: NeedTable) -> str:
    head, rows, total = _need_rows(table)
    return (
        "<section><h2>Bedarf nach Stadtteil und Handlungsfeld</h2>"
        + _image(heat_map_png(table), "Heatmap: Anteil mit Bedarf je Stadtteil und Handlungsfeld")
        + _table(head, rows, total)
        + "</section>"
    )


def _bars_section(table: NeedTable) -> str:
    return (
        "<section><h2>Bedarf je Handlungsfeld</h2>"
        + _image(field_bars_png(table), "Balken: Personen mit Bedarf je Handlungsfeld")
        + "</section>"
    )


def _need_section(table: NeedTable) -> str:
    head, rows, total = _need_rows(table)
    return f"<section><h2>{escape(table.title)}</h2>{_table(head, rows, total)}</section>"


def _drop_off_section(drop_off: DropOff) -> str:
    body = (
        _table(
            ["Zuletzt beantwortete Frage", "Personen"],
            [[text, str(c)] for _, text, c in drop_off.rows],
            ["Nicht abgeschlossen, gesamt", str(drop_off.total)],
        )
        if drop_off.rows
        else "<p>Alle, die begonnen haben, haben den Fragebogen abgeschlossen.</p>"
    )
    return (
        "<section><h2>Abbrüche: wo Menschen aufhören</h2>"
        '<p class="note">Personen, die nicht abgeschlossen haben, nach der letzten beantworteten '
        "Frage in der Reihenfolge des Fragebogens.</p>" + body + "</section>"
    )


def _cases_section(cases: CaseTable | None) -> str:
    if cases is None:
        return (
            "<section><h2>Fälle</h2><p>Keine Fallstatistik: Die Fallbearbeitung ist in dieser "
            "Installation nicht eingerichtet.</p></section>"
        )
    table = cases.table
    assert table.row_totals is not None and table.column_totals is not None
    assert table.total is not None
    head = ["Priorität", *(CASE_STATUS_NAMES.get(s, s) for s in cases.statuses), "Gesamt"]
    rows = [
        [PRIORITY_NAMES.get(p, p), *(str(c) for c in cells), str(total)]
        for p, cells, total in zip(cases.priorities, table.cells, table.row_totals, strict=True)
    ]
    total = ["Gesamt", *(str(c) for c in table.column_totals), str(table.total)]
    claim_rows = [
        [PRIORITY_NAMES.get(p, p), str(c), _hours(h)]
        for p, c, h in zip(cases.priorities, cases.claimed, cases.median_hours, strict=True)
    ]
    claim_total = ["Gesamt", str(cases.claimed_total), _hours(cases.median_hours_total)]
    return (
        "<section><h2>Fälle nach Priorität und Status</h2>"
        + _table(head, rows, total)
        + "<h2>Zeit bis zur Übernahme</h2>"
        + _table(["Priorität", "Übernommene Fälle", "Median (Stunden)"], claim_rows, claim_total)
        + '<p class="note">Vom Eröffnen des Falls (Weitergabe) bis zur Übernahme durch eine '
        "Fallmanagerin oder einen Fallmanager. Bei weniger als 5 Fällen wird kein Median "
        "ausgewiesen.</p></section>"
    )


def _hours(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}".replace(".", ",")


def _coverage_section(coverage: Coverage | None) -> str:
    if coverage is None:
        return ""

    def cell(item: CoverageCell) -> str:
        text = f"{item.people} / {item.offers}"
        return f"{text} – {NO_OFFER}" if item.gap else text

    head = ["Stadtteil", *(f.name for f in coverage.fields)]
    rows = [[row.district, *(cell(c) for c in row.cells)] for row in coverage.rows]
    return (
        "<section><h2>Bedarfe und Angebote</h2>"
        + _table(head, rows)
        + '<p class="note">Je Feld: Personen mit Bedarf / aktive Angebote, die den Stadtteil '
        "erreichen (im Stadtteil, stadtweit oder in einem Nachbarstadtteil, wie die Vorschläge "
        f"an die Personen). „{NO_OFFER}“: Bedarf ohne Angebot; bei „< 5“ wird das zum Schutz "
        "kleiner Zahlen nicht markiert.</p></section>"
    )


def _language_section(languages: LanguageCoverage | None) -> str:
    if languages is None:
        return ""
    rows = [
        [row.label, str(row.people), f"{row.offers}{f' – {NO_OFFER}' if row.gap else ''}"]
        for row in languages.rows
    ]
    return (
        "<section><h2>Sprachen: Bedarfe und Angebote</h2>"
        + _table(["Sprache", "Personen mit Bedarf", "aktive Angebote"], rows)
        + '<p class="note">Personen mit Bedarf nach den Sprachen, die sie gut sprechen (eine '
        "Person zählt bei jeder ihrer Sprachen), und die aktiven Angebote in der Sprache. Deutsch "
        f"ist nicht aufgeführt. „{NO_OFFER}“: wie oben.</p></section>"
    )
