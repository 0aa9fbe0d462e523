"""A deployment with nine fields of action, two of them its own: the report, the /stats summary,
the export and its codebook show all nine, in config.yaml's order and with its names."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.config import load_settings
from bot.flows.loader import load_flow
from bot.flows.needs import needs_of
from bot.reports.export import ExportOptions, build_export, codebook
from bot.reports.html import render_html
from bot.reports.service import Record, build_report
from bot.telegram.routers.stats import summary_text
from tests.fixtures.flows import FLOWS_DIR

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
CONFIG = """
city: Kreis Beispiel
languages: [de]
districts: [{id: nord, name: Nord}, {id: sued, name: Süd}]
fields:
  - {id: language, name: Sprache}
  - {id: education, name: Bildung}
  - {id: work, name: Arbeit}
  - {id: housing, name: Wohnen}
  - {id: health, name: Gesundheit}
  - {id: residence, name: Aufenthalt}
  - {id: social, name: Soziales}
  - {id: family, name: Familie und Kinderbetreuung, short: Familie}
  - {id: mobility, name: Mobilität}
"""


@pytest.fixture
def settings(tmp_path: Path):
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return load_settings(path, database_url="sqlite+aiosqlite:///" + str(tmp_path / "db"))


@pytest.fixture
def flow(settings):
    return load_flow(FLOWS_DIR / "nine.yaml", settings.districts, settings.field_ids)


@pytest.fixture
def records(flow):
    # Nord: 8 people, all need childcare, 6 of them help with buses; Süd: 6, none of either.
    answers = (
        [("nord", "yes", "yes")] * 6 + [("nord", "yes", "no")] * 2 + [("sued", "no", "no")] * 6
    )
    made = []
    for number, (district, childcare, ticket) in enumerate(answers, start=1):
        given = {"district": district, "childcare": childcare, "ticket": ticket}
        made.append(
            Record(
                number,
                number,
                "de",
                True,
                "finished",
                NOW,
                NOW,
                given,
                frozenset(given),
                needs_of(flow, given),
            )
        )
    return made


def test_the_report_has_a_column_for_each_of_the_nine_fields(flow, settings, records):
    report = build_report(flow, settings, records, None, NOW)
    table = report.by_district
    assert [f.id for f in table.fields] == list(settings.field_ids)
    figures = dict(zip(settings.field_ids, table.total.needs, strict=True))
    assert (figures["family"].value, figures["mobility"].value, figures["housing"].value) == (
        8, 6, 0,
    )  # fmt: skip
    html = render_html(report)
    assert "<th>Familie und Kinderbetreuung</th>" in html
    assert "<th>Mobilität</th>" in html
    summary = summary_text(report, settings.timezone)
    assert "• Familie und Kinderbetreuung: 8" in summary
    assert "• Mobilität: 6" in summary


def test_the_export_and_its_codebook_have_a_need_column_per_field(flow, settings, records):
    table = build_export(flow, records, ExportOptions(), settings.zone, settings.fields)
    columns = [c for c in table.header if c.startswith("bedarf_")]
    assert columns == [f"bedarf_{f}" for f in settings.field_ids]
    by_column = [dict(zip(table.header, row, strict=True)) for row in table.rows]
    assert sum(row["bedarf_family"] for row in by_column) == 8
    assert sum(row["bedarf_mobility"] for row in by_column) == 6
    rows = {row[0]: row for row in codebook(flow, settings.fields)}
    assert rows["bedarf_family"][1] == "Bedarf im Handlungsfeld Familie und Kinderbetreuung"
    assert rows["bedarf_mobility"][1] == "Bedarf im Handlungsfeld Mobilität"
    assert rows["childcare"][5] == "family"
