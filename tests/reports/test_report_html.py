"""The HTML report: one self-contained German page with the heat map, no names, no free text."""

from __future__ import annotations

import base64
import re
from dataclasses import replace

from bot.reports.html import render_html
from bot.reports.service import case_table
from tests.reports.test_reports import (
    CASES,
    FREE_TEXT,
    NAMES,
    PEOPLE,
    flow,
    kim_intake,
    report,
    seed,
    settings,
)

__all__ = ["flow", "report", "settings"]  # fixtures shared with the report tests

IMAGE = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)">')


def test_the_page_is_self_contained_and_german(report):
    html = render_html(report, "Europe/Berlin")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="de">' in html
    # Nothing is fetched from elsewhere: no external src or href, no CSS url() or @import.
    assert re.findall(r"""(?:src|href)\s*=\s*["'](?!data:)""", html) == []
    assert "url(" not in html and "@import" not in html and "<script" not in html
    assert "Bedarf nach Stadtteil und Handlungsfeld" in html
    assert "@media print" in html  # A4 margins, no tables or charts cut across pages


def test_the_page_carries_the_heat_map_funnel_and_bars_as_png_images(report):
    images = {alt: base64.b64decode(data) for data, alt in IMAGE.findall(render_html(report))}
    assert sorted(alt.split(":")[0] for alt in images) == ["Balken", "Heatmap", "Trichter"]
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in images.values())


def test_the_page_shows_protected_counts_and_shares(report):
    html = render_html(report)
    # Sieglar: 8 people, 6 with a language need (75 %), 5 with a housing need (5/8 = 63 %).
    assert "<td>Sieglar</td><td>8</td><td>6 (75 %)</td><td>&lt; 5</td><td>&lt; 5</td>" in html
    assert "<td>5 (63 %)</td>" in html
    # English: the 9 is hidden so the small German count cannot be worked out.
    assert "<td>Englisch</td><td>11</td><td>x</td>" in html
    assert "„&lt; 5“: weniger als 5 Personen" in html


def test_the_page_holds_no_names_and_no_free_text(report):
    html = render_html(report)
    assert not [name for name in NAMES[: len(PEOPLE)] if name in html]
    assert FREE_TEXT not in html


def test_the_page_shows_cases_by_priority_and_status_and_the_time_to_claim(report):
    html = render_html(replace(report, cases=case_table(CASES)))
    # The figures of test_reports: urgent 1 open (small), 6 claimed and 5 closed (hidden), 12.
    assert "<td>dringend</td><td>&lt; 5</td><td>x</td><td>x</td><td>12</td>" in html
    assert "<td>dringend</td><td>11</td><td>2,0</td>" in html  # 11 claimed, median 2 hours
    assert "<td>Gesamt</td><td>41</td><td>12,0</td>" in html


def test_without_casework_the_page_says_there_are_no_case_figures(report):
    html = render_html(replace(report, cases=None))
    assert "Keine Fallstatistik" in html and "dringend" not in html


async def test_kim_intake_report_writes_the_page_and_says_so_in_one_line(
    sessions, flow, database_url, tmp_path
):
    await seed(sessions, flow)
    out = tmp_path / "bericht.html"
    code, printed, errors = await kim_intake(database_url, tmp_path, "report", "--out", str(out))
    assert (code, errors) == (0, "")
    assert printed == f"Bericht geschrieben: {out} (27 Personen, 18 abgeschlossen)\n"
    html = out.read_text(encoding="utf-8")
    assert "<td>Sieglar</td><td>8</td><td>6 (75 %)</td>" in html
    assert len(IMAGE.findall(html)) == 3
