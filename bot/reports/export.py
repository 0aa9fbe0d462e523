"""The answers as a pseudonymised table (.xlsx or .csv) with a codebook, for analysis elsewhere.

One row per interview. Ids are replaced by HMAC-SHA256 pseudonyms under a secret made for this
export and then forgotten, so two exports cannot be linked and nobody can go back to a person.
Free-text answers, phone numbers, names and Telegram ids are never exported (data minimisation).
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.core.config import FieldOfAction
from bot.core.i18n import translator
from bot.flows import engine
from bot.flows.needs import Answers
from bot.flows.schema import Flow, Question, QuestionType
from bot.reports.service import Record
from bot.ui.labels import answer_labels

PSEUDONYM_LENGTH = 16  # hex characters of the HMAC: 64 bits, no collisions at city scale
SKIPPED_CODE = "skipped"
CODEBOOK_HEAD = ("Spalte", "Text", "Typ", "Antwortcodes", "Abschnitt", "Handlungsfeld")
META_COLUMNS = (
    ("interview", "Pseudonym des Fragebogens (nur innerhalb dieses Exports gültig)", "Pseudonym"),
    ("person", "Pseudonym der Person (nur innerhalb dieses Exports gültig)", "Pseudonym"),
    ("sprache", "Sprache, in der geantwortet wurde (Sprachcode)", "Code"),
    ("status", "Stand des Fragebogens", "Code"),
    ("begonnen_am", "Datum des Beginns (Ortszeit)", "Datum"),
    ("abgeschlossen_am", "Datum des Abschlusses (Ortszeit); leer: nicht abgeschlossen", "Datum"),
)
LABEL_COLUMN = "<Frage-ID>_label"
STATUS_CODES = (
    "finished = abgeschlossen; in_progress = angefangen, nicht abgeschlossen; "
    "abandoned = aufgegeben (neu begonnen)"
)
ANSWER_NOTE = f"leer = nicht gefragt; {SKIPPED_CODE} = übersprungen (keine Angabe)"

Value = str | int | None


@dataclass(frozen=True)
class ExportOptions:
    finished_only: bool = False
    start: date | None = None  # interviews begun on or after this day (city's time zone)
    end: date | None = None  # … and on or before this day


@dataclass(frozen=True)
class ExportTable:
    header: tuple[str, ...]
    rows: tuple[tuple[Value, ...], ...]
    codebook: tuple[tuple[str, ...], ...]  # rows under CODEBOOK_HEAD


def exported_questions(flow: Flow) -> list[Question]:
    """Every question but free text and phone numbers."""
    return [q for q in flow.questions if not q.personal]


def pseudonym(secret: bytes, kind: str, number: int) -> str:
    digest = hmac.new(secret, f"{kind}:{number}".encode(), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_LENGTH]


def selected(records: Iterable[Record], options: ExportOptions, zone: ZoneInfo) -> list[Record]:
    chosen = []
    for record in records:
        day = record.started_at.astimezone(zone).date()
        if options.finished_only and not record.finished:
            continue
        if (options.start and day < options.start) or (options.end and day > options.end):
            continue
        chosen.append(record)
    return chosen


def build_export(
    flow: Flow,
    records: Sequence[Record],
    options: ExportOptions,
    zone: ZoneInfo,
    fields: Sequence[FieldOfAction],
    secret: bytes | None = None,
) -> ExportTable:
    """The rows and the codebook, a need column per field of action (the deployment's);
    `secret` only for tests, else a fresh random one."""
    secret = secret or secrets.token_bytes(32)
    questions = exported_questions(flow)
    header = [c for c, _, _ in META_COLUMNS] + [f"bedarf_{f.id}" for f in fields]
    for q in questions:
        header += [q.id, f"{q.id}_label"]
    rows = []
    for record in selected(records, options, zone):
        row: list[Value] = [
            pseudonym(secret, "interview", record.interview_id),
            pseudonym(secret, "person", record.respondent_id),
            record.language,
            record.status,
            record.started_at.astimezone(zone).date().isoformat(),
            record.finished_at.astimezone(zone).date().isoformat() if record.finished_at else None,
            *(int(f.id in record.needs) for f in fields),
        ]
        for q in questions:
            row += answer_cells(flow, q, record.answers)
        rows.append(tuple(row))
    return ExportTable(tuple(header), tuple(rows), codebook(flow, fields))


def answer_cells(flow: Flow, question: Question, answers: Answers) -> list[Value]:
    """The answer's code and its German label; both empty when the question was not asked."""
    if question.id not in answers:
        return [None, None]
    value = answers[question.id]
    de = translator("de")
    label = "; ".join(de(part) for part in answer_labels(flow, question, value))
    if isinstance(value, engine.Skipped):
        return [SKIPPED_CODE, label]
    return [answer_code(question, value), label]


def answer_code(question: Question, value: engine.AnswerValue) -> Value:
    """The engine's storage code; numbers and years as numbers, for spreadsheets."""
    code = engine.encode_answer(question, value)
    return int(code) if question.type in (QuestionType.number, QuestionType.year) else code


def codebook(flow: Flow, fields: Sequence[FieldOfAction]) -> tuple[tuple[str, ...], ...]:
    de = translator("de")
    rows: list[tuple[str, ...]] = []
    for column, text, kind in META_COLUMNS:
        codes = STATUS_CODES if column == "status" else ""
        rows.append((column, text, kind, codes, "", ""))
    rows.append((LABEL_COLUMN, "Die Antwort auf Deutsch, neben ihrem Code", "Text", "", "", ""))
    for field in fields:
        rows.append(
            (
                f"bedarf_{field.id}",
                f"Bedarf im Handlungsfeld {field.name}",
                "0/1",
                "1 = Bedarf (löst eine Weitergaberegel aus); 0 = kein Bedarf",
                "",
                field.id,
            )
        )
    for q in flow.questions:
        section = flow.section_of(q.id)
        if q.personal:
            kind = "Telefonnummer" if q.type is QuestionType.phone else "Freitext"
            codes = f"{kind} – nicht exportiert (Datenminimierung)"
        elif q.has_choices:
            choices = [f"{code} = {de(label)}" for code, label in _choices(flow, q)]
            codes = "; ".join([*choices, ANSWER_NOTE])
        else:
            codes = _bounds(q) + ANSWER_NOTE
        rows.append((q.id, q.text, q.type.value, codes, section.title, section.field or ""))
    return tuple(rows)


def _choices(flow: Flow, question: Question) -> list[tuple[str, object]]:
    if question.type is QuestionType.yes_no:
        ids = ["yes", "no"]
    else:
        ids = [c.id for c in question.choices]
    return [(code, answer_labels(flow, question, _one(question, code))[0]) for code in ids]


def _one(question: Question, code: str) -> object:
    return frozenset({code}) if question.type is QuestionType.multiple else code


def _bounds(question: Question) -> str:
    if question.type is QuestionType.month_year:
        return "JJJJ-MM; "
    if question.min is not None or question.max is not None:
        low = "" if question.min is None else str(question.min)
        high = "" if question.max is None else str(question.max)
        return f"ganze Zahl {low}–{high}; "
    return "ganze Zahl; "


# --- Files ----------------------------------------------------------------------------------------


def _safe(value: Value) -> Value:
    """A text that a spreadsheet would run as a formula is kept as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_xlsx(table: ExportTable, path: Path) -> list[Path]:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    data = workbook.active
    data.title = "Daten"
    book = workbook.create_sheet("Codebuch")
    for sheet, header, rows in (
        (data, table.header, table.rows),
        (book, CODEBOOK_HEAD, table.codebook),
    ):
        sheet.append(list(header))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_safe(v) for v in row])
        sheet.freeze_panes = "A2"
    workbook.save(path)
    return [path]


def codebook_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.codebook.csv")


def write_csv(table: ExportTable, path: Path) -> list[Path]:
    """The data, and the codebook beside it as FILE.codebook.csv (UTF-8, `;` as German Excel)."""
    written = []
    for target, header, rows in (
        (path, table.header, table.rows),
        (codebook_path(path), CODEBOOK_HEAD, table.codebook),
    ):
        with target.open("w", encoding="utf-8-sig", newline="") as file:
            writer = csv.writer(file, delimiter=";")
            writer.writerow(header)
            writer.writerows([("" if v is None else _safe(v)) for v in row] for row in rows)
        written.append(target)
    return written


def write_export(table: ExportTable, path: Path) -> list[Path]:
    """Write by the file's ending (.xlsx or .csv); returns the files written."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return write_xlsx(table, path)
    if suffix == ".csv":
        return write_csv(table, path)
    raise ValueError(f"unknown export format {path.suffix!r}: use .xlsx or .csv")
