"""The coordinators' figures, computed on seeded interviews and checked against hand counts.

The seed (also used by the export and HTML tests) is 27 people in a small flow:

  Sieglar, English, finished (8):  age   stay  German course  housing
      s1-s3                        u27   2025  yes            notice
      s4                           u27   2018  yes            notice
      s5                           27-64 2018  yes            notice
      s6                           27-64 2018  yes            too small
      s7-s8                        27-64 2018  no             too small
  Spich, German, finished (6):     27-64 2018  yes (p1-p2), no (p3-p6); too small
  Oberlar, English, finished (3):  65+   —     yes            none
  no district, German, finished:   —     2026  yes            notice
  unfinished, German (9):  u1-u6 stopped after the year of arrival, u7 after the age group,
                           u8 answered nothing, z answered nothing in a new interview (an
                           earlier one, finished in Spich with "notice", no longer counts).

A need in "language" is a yes to the German course, in "housing" a notice; the flags say so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.core.config import load_settings
from bot.flows import engine
from bot.flows.loader import load_configured_flow
from bot.flows.needs import needs_of
from bot.reports.privacy import ProtectedTable, count, protect_table, share
from bot.reports.service import (
    AGE_QUESTION,
    STAY_QUESTION,
    CaseFacts,
    NeedTable,
    build_report,
    case_table,
)
from storage import interviews, respondents
from storage.casework import Case
from storage.models import Respondent
from tests.fixtures.command import bot_process
from tests.fixtures.flows import FLOWS_DIR, data_flow

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
EARLY = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
LATE = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
FIRST_USER_ID = 7_100_000
FREE_TEXT = "Bitte rufen Sie mich abends an"
SKIP = engine.SKIPPED


# fmt: off
NAMES = ("Amina", "Bogdana", "Tesfaye", "Rahimullah", "Olena", "Yusuf", "Zainab", "Mehmet",
         "Dilnoza", "Anastasiia", "Kofi", "Leyla", "Nargis", "Oksana", "Samira", "Tigist", "Walid",
         "Hamida", "Ibrahim", "Jamila", "Karim", "Lamiya", "Mustafa", "Nadia", "Omid", "Parwin",
         "Qasim")
# fmt: on


@dataclass
class Sitting:
    started: datetime
    answers: dict[str, object]
    finished: bool


@dataclass
class Someone:
    language: str
    sittings: list[Sitting] = field(default_factory=list)


def done(started: datetime = EARLY, **answers: object) -> Sitting:
    return Sitting(started, {"remarks": SKIP, **answers}, finished=True)


def left(**answers: object) -> Sitting:
    return Sitting(LATE, answers, finished=False)


def general(district: object, age: object, since: object) -> dict[str, object]:
    return {"district": district, "age_group": age, "in_germany_since": since}


def needs(course: str, *housing: str) -> dict[str, object]:
    return {"german_course": course, "housing_problems": frozenset(housing)}


NIGHT_BEFORE = datetime(2026, 11, 9, 23, 30, tzinfo=UTC)  # 10 November, 00:30 in Troisdorf

# fmt: off
PEOPLE: list[Someone] = [
    # Sieglar, English, finished
    Someone("en", [done(NIGHT_BEFORE, **general("sieglar", "u27", 2025), **needs("yes", "notice"),
                        remarks=FREE_TEXT)]),
    *(Someone("en", [done(**general("sieglar", "u27", 2025), **needs("yes", "notice"))])
      for _ in range(2)),
    Someone("en", [done(**general("sieglar", "u27", 2018), **needs("yes", "notice"))]),
    Someone("en", [done(**general("sieglar", "a27_64", 2018), **needs("yes", "notice"))]),
    Someone("en", [done(**general("sieglar", "a27_64", 2018), **needs("yes", "small"))]),
    *(Someone("en", [done(**general("sieglar", "a27_64", 2018), **needs("no", "small"))])
      for _ in range(2)),
    # Spich, German, finished
    *(Someone("de", [done(**general("spich", "a27_64", 2018), **needs("yes", "small"))])
      for _ in range(2)),
    *(Someone("de", [done(**general("spich", "a27_64", 2018), **needs("no", "small"))])
      for _ in range(4)),
    # Oberlar, English, finished
    *(Someone("en", [done(**general("oberlar", "o65", SKIP), **needs("yes", "none"))])
      for _ in range(3)),
    # no district, German, finished
    Someone("de", [done(**general(SKIP, SKIP, 2026), **needs("yes", "notice"))]),
    # unfinished
    *(Someone("de", [left(**general("sieglar", "u27", 2025))]) for _ in range(6)),
    Someone("de", [left(district="sieglar", age_group="u27")]),
    Someone("de", [left()]),
    Someone("de", [done(datetime(2026, 10, 1, 9, 0, tzinfo=UTC),
                        **general("spich", "a27_64", 2018), **needs("yes", "notice")), left()]),
]
# fmt: on


@pytest.fixture
def settings(database_url):
    # The seeded people speak German and English; the tables list the enabled languages.
    return load_settings(ROOT / "config.yaml", database_url=database_url, languages=["de", "en"])


@pytest.fixture
def flow(settings):
    return data_flow("rep", settings.districts)


async def seed(sessions, flow, people: list[Someone] = PEOPLE) -> None:
    """The people, stored through the storage functions the conversation uses."""
    async with sessions() as session, session.begin():
        for number, someone in enumerate(people):
            user_id = FIRST_USER_ID + number
            first = someone.sittings[0].started
            respondent = await respondents.create_respondent(
                session,
                "telegram",
                str(user_id),
                chat_id=user_id,
                first_name=NAMES[number],
                language=someone.language,
                now=first,
            )
            respondent.consent_version = "1"
            respondent.consent_at = first
            for sitting in someone.sittings:
                interview = await interviews.start_interview(
                    session, respondent.id, flow.id, flow.version, sitting.started
                )
                for qid, value in sitting.answers.items():
                    skipped = value is SKIP
                    code = None if skipped else engine.encode_answer(flow.question(qid), value)
                    await interviews.save_answer(
                        session, interview.id, qid, code, skipped, sitting.started
                    )
                if sitting.finished:
                    interview.status = "finished"
                    interview.finished_at = interview.updated_at = sitting.started
                    interview.position = None
                await session.flush()


async def kim_intake(database_url: str, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    """Run the real command line on the test database, with the test flow as the configured one."""
    config = (ROOT / "config.yaml").read_text(encoding="utf-8").replace("flow: needs", "flow: rep")
    (tmp_path / "config.yaml").write_text(config, encoding="utf-8")
    env = {
        **os.environ,
        "KIM_CONFIG": str(tmp_path / "config.yaml"),
        "KIM_FLOWS_DIR": str(FLOWS_DIR),  # rep.yaml, the `flow` fixture's
        "KIM_DATABASE_URL": database_url,
    }
    process = await bot_process(*args, cwd=ROOT, env=env)
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


@pytest.fixture
async def report(services, sessions, flow, clock):
    await seed(sessions, flow)
    clock.set(NOW)
    return await services.reports.report()


def counts(table: NeedTable) -> dict[str, list[str]]:
    """Each row's people and needs per field as published, by row label; the totals as Gesamt."""
    return {
        row.label: [str(row.people), *map(str, row.needs)] for row in (*table.rows, table.total)
    }


SMALL_ROW = ["< 5"] * 8  # people, then language education work housing health residence social


async def test_the_funnel_counts_each_person_once_by_their_latest_interview(report):
    # 27 people agreed; all but u8 and z (whose latest interview is empty) answered something:
    # 25; finished: 8 + 6 + 3 + 1 = 18 (z's earlier finished interview does not count).
    assert (str(report.funnel.consented), str(report.funnel.started)) == ("27", "25")
    assert str(report.funnel.finished) == "18"
    assert str(report.base) == "18"


async def test_drop_off_counts_people_by_the_last_question_they_answered(report):
    # Not finished: 9. Last answered: none (u8, z) = 2, the age group (u7) = 1, the year of
    # arrival (u1-u6) = 6. The 2 and the 1 are small; 2 + 1 = 3 leaves each 0-3: not recoverable.
    rows = [(qid, str(people)) for qid, _, people in report.drop_off.rows]
    assert rows == [("", "< 5"), ("age_group", "< 5"), ("in_germany_since", "6")]
    assert str(report.drop_off.total) == "9"


async def test_needs_per_district_and_field_count_finished_people_with_a_raised_flag(report):
    # Sieglar: 8 people; course yes s1-s6 = 6; notice s1-s5 = 5. Spich: 6 people, 2 with a
    # course (under 5), no notice (z's old one does not count). Oberlar: 3 people. No district:
    # n1. Totals over all 18: language 6 + 2 + 3 + 1 = 12, housing 5 + 1 = 6.
    table = counts(report.by_district)
    assert table["Sieglar"] == ["8", "6", "< 5", "< 5", "5", "< 5", "< 5", "< 5"]
    assert table["Spich"] == ["6", *["< 5"] * 7]
    assert table["Oberlar"] == SMALL_ROW
    assert table["keine Angabe"] == SMALL_ROW
    assert table["Altenrath"] == SMALL_ROW  # a district nobody named is listed, all under 5
    assert table["Gesamt"] == ["18", "12", "< 5", "< 5", "6", "< 5", "< 5", "< 5"]
    # The 12 districts of config.yaml, then "keine Angabe".
    assert len(report.by_district.rows) == 13
    sieglar = next(row for row in report.by_district.rows if row.key == "sieglar")
    assert share(sieglar.needs[0], sieglar.people) == 6 / 8  # 75 %
    assert share(sieglar.needs[3], sieglar.people) == 5 / 8  # 62.5 %
    spich = next(row for row in report.by_district.rows if row.key == "spich")
    assert share(spich.needs[0], spich.people) is None  # 2 of 6: the share would reveal the 2


async def test_needs_by_language_hide_a_large_cell_that_would_reveal_a_small_one(report):
    # German: p1-p6 + n1 = 7 people; course p1, p2, n1 = 3; notice n1 = 1.
    # English: s1-s8 + o1-o3 = 11; course 6 + 3 = 9; notice 5.
    # Column "language": 3 (small) + 9 = 12 published, so the 9 is hidden ("x"); likewise the
    # housing 5 beside the small 1 (total 6).
    table = counts(report.by_language)
    assert table["Deutsch"] == ["7", *["< 5"] * 7]
    assert table["Englisch"] == ["11", "x", "< 5", "< 5", "x", "< 5", "< 5", "< 5"]
    assert table["Gesamt"] == ["18", "12", "< 5", "< 5", "6", "< 5", "< 5", "< 5"]


async def test_needs_by_age_group_use_the_choices_of_the_age_question(report):
    # under 27: s1-s4 = 4. 27-64: s5-s8 + p1-p6 = 10, course s5, s6, p1, p2 = 4, notice s5 = 1.
    # 65+: o1-o3 = 3. Not said: n1.
    table = counts(report.by_age)
    assert table["unter 27"] == SMALL_ROW
    assert table["27 bis 64"] == ["10", *["< 5"] * 7]
    assert table["65 und älter"] == SMALL_ROW
    assert table["keine Angabe"] == SMALL_ROW
    assert table["Gesamt"] == ["18", "12", "< 5", "< 5", "6", "< 5", "< 5", "< 5"]


async def test_needs_by_length_of_stay_count_whole_years_since_arrival(report):
    # On 25.11.2026: 2026 is 0 years (n1), 2025 is 1 (s1-s3), 2018 is 8 (s4-s8, p1-p6 = 11,
    # course s4, s5, s6, p1, p2 = 5, notice s4, s5 = 2). Oberlar skipped the question.
    table = counts(report.by_stay)
    assert table["unter 1 Jahr"] == SMALL_ROW
    assert table["1 bis unter 3 Jahre"] == SMALL_ROW
    assert table["3 bis unter 6 Jahre"] == SMALL_ROW
    assert table["6 Jahre und länger"] == ["11", "5", *["< 5"] * 6]
    assert table["keine Angabe"] == SMALL_ROW
    six = next(row for row in report.by_stay.rows if row.key == "6")
    assert share(six.needs[0], six.people) == 5 / 11


def test_the_needs_questionnaire_has_the_questions_the_report_groups_by(settings):
    needs_flow = load_configured_flow(settings)  # bot/flows/needs.yaml
    report = build_report(needs_flow, settings, [], None, NOW)
    assert [row.key for row in report.by_district.rows] == [d.id for d in settings.districts]
    for table, question_id in ((report.by_age, AGE_QUESTION), (report.by_stay, STAY_QUESTION)):
        assert table is not None, question_id
        choices = [c.id for c in needs_flow.question(question_id).choices]
        assert [row.key for row in table.rows] == choices
    assert str(report.funnel.consented) == "< 5" and report.drop_off.rows == ()


def test_a_need_is_a_field_of_action_in_which_the_answers_raise_a_flag(flow):
    base = {"district": "spich", "age_group": "u27", "in_germany_since": 2020}
    assert (
        needs_of(flow, {**base, "german_course": "no", "housing_problems": frozenset({"small"})})
        == frozenset()
    )
    both = {**base, "german_course": "yes", "housing_problems": frozenset({"small", "notice"})}
    assert needs_of(flow, both) == {"language", "housing"}
    assert needs_of(flow, both) == {flag.field for flag in engine.raised_flags(flow, both)}


# --- Cases ------------------------------------------------------------------------------------


def cases_of(priority: str, status: str, hours: list[float | None]) -> list[CaseFacts]:
    """One case per entry: flagged at NOW - 100 h, claimed that many hours later (None: not)."""
    flagged = NOW - timedelta(hours=100)
    return [
        CaseFacts(priority, status, flagged, None if h is None else flagged + timedelta(hours=h))
        for h in hours
    ]


CASES = [
    *cases_of("urgent", "new", [None]),
    *cases_of("urgent", "claimed", [1, 1, 2, 2, 3, 30]),
    *cases_of("urgent", "closed", [1, 2, 2, 4, 5]),
    *cases_of("high", "claimed", [4, 4, 6, 8, 10]),
    *cases_of("high", "closed", [2, 5, 6, 6, 9, 12, 48]),
    *cases_of("normal", "new", [None] * 6),
    *cases_of("normal", "claimed", [20] * 8),
    *cases_of("normal", "closed", [30] * 10),
]


def test_cases_per_priority_and_status_are_protected_across_rows_and_columns():
    #             new claimed closed | total
    #   urgent      1       6      5 |    12   1 and 0 are small. Row "urgent" then has one, so
    #   high        0       5      7 |    12   its smallest other cell, 5 (closed), is hidden; row
    #   normal      6       8     10 |    24   "high" hides its 5 (claimed). Column "claimed" now
    #   total       7      19     22 |    48   has one hidden, so 6 goes; column "closed" hides 7.
    table = case_table(CASES)
    assert (table.priorities, table.statuses) == (
        ("urgent", "high", "normal"),
        ("new", "claimed", "closed"),
    )
    assert shown(table.table) == [
        ["< 5", "x", "x", "12"],
        ["< 5", "x", "x", "12"],
        ["6", "8", "10", "24"],
        ["7", "19", "22", "48"],
    ]
    # urgent 1→0 and high 0→1 in "new", urgent 5→6 and high 7→6 in "closed"; and urgent
    # 6→5, high 5→6 in "claimed" with urgent 5→6, high 7→6 in "closed". All totals hold.
    assert unrecoverable(
        table.table,
        [
            [[0, 6, 6], [1, 5, 6], [6, 8, 10]],
            [[1, 5, 6], [0, 6, 6], [6, 8, 10]],
        ],
    )


def test_time_from_flag_to_claim_is_the_median_in_hours_per_priority():
    # urgent, 11 claimed: 1 1 1 2 2 [2] 2 3 4 5 30 → 2. high, 12: 2 4 4 5 6 [6 6] 8 9 10 12 48
    # → 6. normal, 18: eight of 20 h, ten of 30 h → 9th and 10th are 30. All 41 sorted: the
    # 21st is 12 (1×3, 2×5, 3, 4×3, 5×2, 6×3, 8, 9, 10, then 12).
    table = case_table(CASES)
    assert [str(c) for c in table.claimed] == ["11", "12", "18"]
    assert str(table.claimed_total) == "41"
    assert table.median_hours == (2, 6, 30)
    assert table.median_hours_total == 12


def test_no_median_is_given_for_fewer_than_five_claimed_cases():
    # urgent: 3 claimed (small), high: none, normal: 9 claimed after 10 h. All 12: 1 2 3 and
    # nine times 10: the 6th and 7th are 10.
    cases = [*cases_of("urgent", "claimed", [1, 2, 3]), *cases_of("normal", "closed", [10] * 9)]
    table = case_table(cases)
    assert [str(c) for c in table.claimed] == ["< 5", "< 5", "9"]
    assert table.median_hours == (None, None, 10)
    assert table.median_hours_total == 10


# --- Suppression ------------------------------------------------------------------------------


def shown(table: ProtectedTable) -> list[list[str]]:
    """The table as printed: cells with their row total, then the column totals and the total."""
    assert table.column_totals is not None
    rows = [
        [str(c) for c in cells] + ([str(table.row_totals[i])] if table.row_totals else [])
        for i, cells in enumerate(table.cells)
    ]
    last = [str(c) for c in table.column_totals] + ([str(table.total)] if table.row_totals else [])
    return [*rows, last]


def consistent(table: ProtectedTable, candidate: list[list[int]]) -> bool:
    """Could `candidate` be the true table, judging by everything the publication says?"""
    for cells, values in zip(table.cells, candidate, strict=True):
        for cell, value in zip(cells, values, strict=True):
            if cell.small and not 0 <= value < 5:
                return False
            if cell.hidden and value < 5:
                return False
            if not cell.suppressed and value != cell.value:
                return False
    sums = []
    if table.row_totals is not None:
        sums += zip(table.row_totals, (sum(row) for row in candidate), strict=True)
    assert table.column_totals is not None
    sums += zip(
        table.column_totals, (sum(col) for col in zip(*candidate, strict=True)), strict=True
    )
    if table.total is not None:
        sums.append((table.total, sum(map(sum, candidate))))
    return all(total.value == value for total, value in sums)


def unrecoverable(table: ProtectedTable, alternatives: list[list[list[int]]]) -> bool:
    """Each alternative fits the publication, and every suppressed cell differs in one of them."""
    assert all(consistent(table, alternative) for alternative in alternatives)
    for i, cells in enumerate(table.cells):
        for j, cell in enumerate(cells):
            if cell.suppressed and all(alt[i][j] == cell.value for alt in alternatives):
                return False
    return True


def test_a_count_under_five_reads_less_than_five_and_five_reads_five():
    assert [str(count(n)) for n in (0, 1, 4, 5, 17)] == ["< 5", "< 5", "< 5", "5", "17"]


def test_the_only_small_cell_of_a_column_takes_the_next_smallest_with_it():
    # 12 + 3 + 9 = 24. Hiding only the 3 would give it away as 24 - 12 - 9, so the next smallest
    # cell (9) is hidden too; it reads "x" because it is not under 5.
    table = protect_table([[12], [3], [9]], row_totals=False, column_totals=True)
    assert shown(table) == [["12"], ["< 5"], ["x"], ["24"]]
    # 3 + 9 = 4 + 8 = 0 + 12: the published figures fit several truths.
    assert unrecoverable(table, [[[12], [4], [8]], [[12], [0], [12]]])


def test_a_suppressed_cell_cannot_be_recovered_from_row_and_column_totals():
    # Cases per priority (rows) and status (columns), both totals published.
    #   7  2  9 | 18      the 2 is small; row 1 then has one suppressed cell, so its next
    #   6  8 10 | 24      smallest, 7, goes too; column 2 has one (the 2), so 8 goes; column 1
    #  12 15 20 | 47      now has one (the 7), so 6 goes; row 2 has two (6, 8): every line has
    #  25 25 39 | 89      none or two.
    table = protect_table(
        [[7, 2, 9], [6, 8, 10], [12, 15, 20]], row_totals=True, column_totals=True
    )
    assert shown(table) == [
        ["x", "< 5", "9", "18"],
        ["x", "x", "10", "24"],
        ["12", "15", "20", "47"],
        ["25", "25", "39", "89"],
    ]
    # Move one person around the cycle of hidden cells: 7→6, 2→3, 8→7, 6→7. Every total holds.
    assert unrecoverable(table, [[[6, 3, 9], [7, 7, 10], [12, 15, 20]]])


def test_suppressed_cells_two_to_a_line_that_could_still_be_solved_are_protected():
    # Nine small cells, two or more in every row and column, so the simple rule adds nothing:
    #   1  2  9 10 | 22
    #   3  4  1 11 | 19     the 1 in row 2, column 3 joins the two blocks of small cells: rows 3+4
    #   8 12  2  3 | 25     minus column 4 leave column 3's cells of rows 3 and 4, and column 3's
    #  13 14  4  1 | 32     total then gives it (16 - 9 - 6 = 1). Of the cells beside it, 9 (row 1,
    #  25 32 16 25 | 98     column 3) is the smallest, so it is hidden.
    values = [[1, 2, 9, 10], [3, 4, 1, 11], [8, 12, 2, 3], [13, 14, 4, 1]]
    table = protect_table(values, row_totals=True, column_totals=True)
    assert shown(table) == [
        ["< 5", "< 5", "x", "10", "22"],
        ["< 5", "< 5", "< 5", "11", "19"],
        ["8", "12", "< 5", "< 5", "25"],
        ["13", "14", "< 5", "< 5", "32"],
        ["25", "32", "16", "25", "98"],
    ]
    alternatives = [
        # around rows 1-2 × columns 1 and 3: 1→2, 9→8, 1→2, 3→2
        [[2, 2, 8, 10], [2, 4, 2, 11], [8, 12, 2, 3], [13, 14, 4, 1]],
        # around rows 1-2 × columns 1-2: 1→0, 2→3, 4→3, 3→4
        [[0, 3, 9, 10], [4, 3, 1, 11], [8, 12, 2, 3], [13, 14, 4, 1]],
        # around rows 3-4 × columns 3-4: 2→3, 3→2, 1→2, 4→3
        [[1, 2, 9, 10], [3, 4, 1, 11], [8, 12, 3, 2], [13, 14, 3, 2]],
    ]
    assert unrecoverable(table, alternatives)


def test_two_small_cells_whose_sum_gives_them_away_are_protected():
    # 8 + 4 + 4 = 16: two small cells, so the simple rule is met, but together they are 8 and
    # each is under 5, so both must be 4. The 8 is hidden too; "x" is at least 5, and the two
    # small ones are now anything from 0 to 4.
    table = protect_table([[8], [4], [4]], row_totals=False, column_totals=True)
    assert shown(table) == [["x"], ["< 5"], ["< 5"], ["16"]]
    assert unrecoverable(table, [[[10], [3], [3]], [[12], [4], [0]]])


def test_a_count_of_zero_that_can_be_worked_out_needs_no_more_protection():
    # 0 + 0 + 12 + 9 = 21: both zeros follow from the total, but they stand for nobody, so
    # nothing else is hidden for them.
    table = protect_table([[0], [0], [12], [9]], row_totals=False, column_totals=True)
    assert shown(table) == [["< 5"], ["< 5"], ["12"], ["9"], ["21"]]


def test_a_small_total_is_suppressed_like_any_other_count():
    # Column 1 is 1 + 2 = 3: both cells and the total are small. Column 2: 9 + 30 = 39.
    table = protect_table([[1, 9], [2, 30]], row_totals=False, column_totals=True)
    assert shown(table) == [["< 5", "9"], ["< 5", "30"], ["< 5", "39"]]


async def test_the_report_reads_the_cases_stored_by_casework(services, sessions, flow, clock):
    await seed(sessions, flow)
    async with sessions() as session, session.begin():
        people = (await session.execute(sa.select(Respondent.id).order_by(Respondent.id))).all()
        for (respondent_id,), facts in zip(people, CASES[:27], strict=False):
            session.add(
                Case(
                    respondent_id=respondent_id,
                    language="de",
                    priority=facts.priority,
                    team="kim",
                    status=facts.status,
                    created_at=facts.created_at,
                    updated_at=facts.created_at,
                    claimed_at=facts.claimed_at,
                )
            )
    clock.set(NOW)
    report = await services.reports.report()
    assert report.cases == case_table(CASES[:27])
    # The first 27: urgent 1 new, 6 claimed, 5 closed; high 5 claimed, 7 closed; normal 3 new.
    # Column totals 4 | 11 | 12 of 27: the 4 is small, so the 11 is hidden with it.
    assert shown(report.cases.table)[-1] == ["< 5", "x", "12", "27"]
    assert [str(c) for c in report.cases.claimed] == ["x", "12", "< 5"]  # the same rule
