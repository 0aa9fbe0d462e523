"""The pseudonymised export: one row per interview, codes beside German labels, a codebook."""

from __future__ import annotations

import csv
import hashlib
import hmac
from datetime import date

import openpyxl
import pytest

from bot.flows.loader import load_configured_flow
from bot.reports.export import (
    ExportOptions,
    build_export,
    codebook,
    exported_questions,
    write_csv,
    write_xlsx,
)
from tests.reports.test_reports import (
    FIRST_USER_ID,
    FREE_TEXT,
    NAMES,
    PEOPLE,
    flow,
    kim_intake,
    seed,
    settings,
)

__all__ = ["flow", "settings"]  # fixtures shared with the report tests

SECRET = b"s" * 32
# No "remarks": free text is never exported.
# fmt: off
HEADER = [
    "interview", "person", "sprache", "status", "begonnen_am", "abgeschlossen_am",
    "bedarf_language", "bedarf_education", "bedarf_work", "bedarf_housing", "bedarf_health",
    "bedarf_residence", "bedarf_social",
    "district", "district_label", "age_group", "age_group_label",
    "in_germany_since", "in_germany_since_label", "german_course", "german_course_label",
    "housing_problems", "housing_problems_label",
]
# fmt: on


@pytest.fixture
async def records(services, sessions, flow):
    await seed(sessions, flow)
    return await services.reports.records()


def export(flow, records, settings, options=None, secret=None):
    options = options or ExportOptions()
    return build_export(flow, records, options, settings.zone, settings.fields, secret)


def expected_pseudonym(kind: str, number: int) -> str:
    return hmac.new(SECRET, f"{kind}:{number}".encode(), hashlib.sha256).hexdigest()[:16]


def every_text(workbook: openpyxl.Workbook) -> list[str]:
    return [
        str(cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


async def test_the_workbook_has_headers_a_codebook_and_no_telegram_id_or_name(
    records, flow, settings, tmp_path
):
    path = tmp_path / "export.xlsx"
    write_xlsx(export(flow, records, settings, secret=SECRET), path)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Daten", "Codebuch"]
    data = [list(row) for row in workbook["Daten"].iter_rows(values_only=True)]
    assert data[0] == HEADER
    assert len(data) == 1 + 28  # 27 people, one of them (z) with two interviews
    codebook = {row[0]: row for row in workbook["Codebuch"].iter_rows(values_only=True)}
    assert codebook["Spalte"] == (
        "Spalte",
        "Text",
        "Typ",
        "Antwortcodes",
        "Abschnitt",
        "Handlungsfeld",
    )
    course = codebook["german_course"]
    assert course[1:3] == ("Suchen Sie einen Deutschkurs?", "yes_no")
    assert course[3].startswith("yes = Ja; no = Nein; ")
    assert codebook["housing_problems"][3].startswith(
        "small = Zu klein; notice = Kündigung; none = Keine; "
    )
    assert "sieglar = Sieglar" in codebook["district"][3]
    assert codebook["remarks"][3] == "Freitext – nicht exportiert (Datenminimierung)"
    # Every column is explained; each answer's label column by one row for all.
    assert {h for h in HEADER if not h.endswith("_label")} | {"<Frage-ID>_label"} <= set(codebook)
    texts = every_text(workbook)
    user_ids = [str(FIRST_USER_ID + n) for n in range(len(PEOPLE))]
    leaks = [t for t in texts if any(s in t for s in (*user_ids, *NAMES[: len(PEOPLE)]))]
    assert leaks == []
    assert not any(FREE_TEXT in t for t in texts)


async def test_a_row_gives_pseudonyms_codes_and_german_labels_side_by_side(records, flow, settings):
    table = export(flow, records, settings, secret=SECRET)
    by_interview = {row[0]: row for row in table.rows}
    people = sorted({r.respondent_id for r in records})
    first = min(r.interview_id for r in records if r.respondent_id == people[0])  # s1
    row = by_interview[expected_pseudonym("interview", first)]
    assert list(row) == [
        expected_pseudonym("interview", first),
        expected_pseudonym("person", people[0]),
        "en",
        "finished",
        "2026-11-10",
        "2026-11-10",  # began 23:30 UTC on the 9th: the 10th in Troisdorf
        1,
        0,
        0,
        1,
        0,
        0,
        0,  # needs: language and housing
        "sieglar",
        "Sieglar",
        "u27",
        "unter 27",
        2025,
        "2025",
        "yes",
        "Ja",
        "notice",
        "Kündigung",
    ]
    n1 = min(r.interview_id for r in records if r.respondent_id == people[17])
    skipped = by_interview[expected_pseudonym("interview", n1)]
    assert skipped[13:17] == ("skipped", "keine Angabe", "skipped", "keine Angabe")
    u7 = min(r.interview_id for r in records if r.respondent_id == people[24])
    unfinished = by_interview[expected_pseudonym("interview", u7)]
    assert unfinished[3:6] == ("in_progress", "2026-11-20", None)
    assert unfinished[17:] == (None,) * 6  # not asked yet: empty code and label


async def test_each_export_has_its_own_secret_so_pseudonyms_cannot_be_linked(
    records, flow, settings
):
    one = export(flow, records, settings)
    other = export(flow, records, settings)
    assert {row[0] for row in one.rows}.isdisjoint({row[0] for row in other.rows})
    assert len({row[1] for row in one.rows}) == 27  # one pseudonym per person within an export


async def test_only_finished_interviews_and_a_date_range_can_be_chosen(records, flow, settings):
    def rows(**options) -> int:
        return len(export(flow, records, settings, ExportOptions(**options)).rows)

    assert rows(finished_only=True) == 19  # 18 people, and z's earlier interview
    # Begun on 10 November (Troisdorf time): the 18 finished ones, s1's just after midnight.
    assert rows(start=date(2026, 11, 10), end=date(2026, 11, 10)) == 18
    assert rows(start=date(2026, 11, 11)) == 9  # the unfinished ones of 20 November
    assert rows(end=date(2026, 11, 9)) == 1  # z's earlier interview of 1 October


async def test_a_csv_export_writes_its_codebook_to_a_second_file(records, flow, settings, tmp_path):
    path = tmp_path / "antworten.csv"
    written = write_csv(export(flow, records, settings), path)
    assert written == [path, tmp_path / "antworten.codebook.csv"]
    with path.open(encoding="utf-8-sig", newline="") as file:
        data = list(csv.reader(file, delimiter=";"))
    assert data[0] == HEADER
    assert len(data) == 1 + 28
    with written[1].open(encoding="utf-8-sig", newline="") as file:
        codebook = {row[0]: row for row in csv.reader(file, delimiter=";")}
    assert codebook["age_group"][1:3] == ["Wie alt sind Sie?", "single"]
    text = path.read_text(encoding="utf-8-sig") + written[1].read_text(encoding="utf-8-sig")
    assert not any(name in text for name in NAMES[: len(PEOPLE)])
    assert FREE_TEXT not in text


async def test_kim_intake_export_writes_a_workbook_for_the_chosen_interviews(
    sessions, flow, database_url, tmp_path
):
    await seed(sessions, flow)
    out = tmp_path / "antworten.xlsx"
    code, printed, errors = await kim_intake(
        database_url,
        tmp_path,
        "export",
        "--out",
        str(out),
        "--finished-only",
        "--from",
        "2026-11-10",
        "--to",
        "2026-11-10",
    )
    assert (code, errors) == (0, "")
    assert printed == f"Export geschrieben: {out} (18 Fragebögen)\n"
    workbook = openpyxl.load_workbook(out)
    rows = list(workbook["Daten"].iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert {row[3] for row in rows[1:]} == {"finished"} and len(rows) == 1 + 18
    user_ids = {FIRST_USER_ID + n for n in range(len(PEOPLE))}
    texts = every_text(workbook)
    assert not [t for t in texts if t in {str(u) for u in user_ids}]
    assert not [t for t in texts if any(name in t for name in NAMES[: len(PEOPLE)])]


async def test_kim_intake_export_refuses_a_file_type_it_cannot_write(database_url, tmp_path, flow):
    code, _, errors = await kim_intake(database_url, tmp_path, "export", "--out", "a.pdf")
    assert code == 2 and "--out muss auf .xlsx oder .csv enden" in errors


async def test_free_text_answers_are_not_even_kept_in_the_records(records):
    with_remarks = [r for r in records if "remarks" in r.answered]
    assert len(with_remarks) == 19  # every finished interview answered or skipped it
    assert not [r for r in records if "remarks" in r.answers]


def test_phone_numbers_are_not_exported_and_the_codebook_says_so(settings):
    needs = load_configured_flow(settings)
    assert needs.question("phone").type.value == "phone"
    assert "phone" not in {q.id for q in exported_questions(needs)}
    rows = {row[0]: row for row in codebook(needs, settings.fields)}
    assert rows["phone"][2:4] == ("phone", "Telefonnummer – nicht exportiert (Datenminimierung)")
