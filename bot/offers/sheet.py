"""The directory as a spreadsheet (CSV or XLSX): one row per offer, the organisation's columns
repeated on each of its rows, German headers (COLUMNS). Lists (Handlungsfelder, Stadtteile,
Sprachen) are separated by ";"; fields of action and districts are given by id or German name,
languages by code (de, ar, uk) or German name. Cooperations are not part of the sheet.

Reading checks every cell and reports all problems of a file at once, each naming its row and
column ("Zeile 7, Spalte 'Stadtteile': 'Sieglarr' ist kein Stadtteil (meinten Sie 'Sieglar'?)");
nothing is returned, so nothing is stored, while any row is wrong.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.core.config import Settings
from bot.core.vocabulary import OFFER_STATUS_NAMES, ORGANISATION_KIND_NAMES
from bot.offers.cells import Bad, Lookup, as_text, parse_age, parse_date, parse_languages, suggest
from bot.offers.model import Contact, Entry, Offer, Organisation, organisation_texts
from storage.offers import NAME_MAX, PHONE_MAX, TEXT_MAX, natural_key
from storage.types import OfferStatus, OrganisationKind

MAX_ROWS = 5000
MAX_BYTES = 20 * 1024 * 1024
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as written in an export
    organisation: bool = False  # repeated on every row of the organisation
    limit: int = NAME_MAX

    @property
    def name(self) -> str:
        """The header without its hint: how errors name the column."""
        return self.header.split(" (")[0]


COLUMNS = (
    Column("organisation", "Organisation", organisation=True),
    Column("kind", "Art", organisation=True),
    Column("name", "Angebot"),
    Column("description", "Beschreibung", limit=TEXT_MAX),
    Column("fields", "Handlungsfelder", limit=TEXT_MAX),
    Column("districts", "Stadtteile (leer = ganze Stadt)", limit=TEXT_MAX),
    Column("address", "Adresse"),
    Column("languages", "Sprachen", limit=TEXT_MAX),
    Column("target_groups", "Zielgruppen", limit=TEXT_MAX),
    Column("age_min", "Alter von"),
    Column("age_max", "Alter bis"),
    Column("costs", "Kosten", limit=TEXT_MAX),
    Column("schedule", "Zeiten", limit=TEXT_MAX),
    Column("access", "Erreichbarkeit", limit=TEXT_MAX),
    Column("status", "Status"),
    Column("last_confirmed", "Zuletzt bestätigt"),
    Column("contact_name", "Kontakt", organisation=True),
    Column("email", "E-Mail", organisation=True),
    Column("phone", "Telefon", organisation=True, limit=PHONE_MAX),
    Column("website", "Website", organisation=True),
)
_BY_NAME = {c.name.casefold(): c for c in COLUMNS}
_REQUIRED = ("Organisation", "Angebot")
_ORGANISATION_KEYS = tuple(c.key for c in COLUMNS if c.organisation)


class SheetError(Exception):
    """A file that cannot be read as the directory; `problems` lists every one, in German."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


# --- Reading ------------------------------------------------------------------------------------


def read(path: Path, settings: Settings, format: str | None = None) -> list[Entry]:
    """The entries of a CSV or XLSX file (by its suffix, or `format`); raises SheetError."""
    kind = format or path.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise SheetError([f"{path.name}: nur .csv und .xlsx können eingelesen werden."])
    try:
        size = path.stat().st_size
    except OSError as error:
        raise SheetError([f"{path}: {error.strerror or error}"]) from None
    if size > MAX_BYTES:
        raise SheetError([f"{path.name}: die Datei ist größer als {MAX_BYTES // 2**20} MB."])
    try:
        rows = _csv_rows(path.read_bytes()) if kind == "csv" else _xlsx_rows(path)
    except OSError as error:
        raise SheetError([f"{path}: {error.strerror or error}"]) from None
    return entries_of(rows, settings)


def _csv_rows(data: bytes) -> list[list[Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # as German Excel saves "CSV"
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _xlsx_rows(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is no workbook
        raise SheetError([f"{path.name}: die Datei ist keine XLSX-Tabelle."]) from None
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()


def entries_of(rows: Iterable[Sequence[Any]], settings: Settings) -> list[Entry]:
    """The entries of a table whose first non-empty row is the header; raises SheetError."""
    table = [(number, list(row)) for number, row in enumerate(rows, start=1) if _filled(row)]
    if not table:
        raise SheetError(["Die Tabelle ist leer."])
    header_number, header = table[0]
    columns = _header(header_number, header)
    if len(table) - 1 > MAX_ROWS:
        raise SheetError([f"Die Tabelle hat mehr als {MAX_ROWS} Zeilen."])
    reader = _Reader(settings)
    for number, row in table[1:]:
        reader.row(number, {c: row[i] if i < len(row) else None for i, c in columns.items()})
    if reader.problems:
        raise SheetError(reader.problems)
    return reader.entries()


def _filled(row: Sequence[Any]) -> bool:
    return any(as_text(cell) for cell in row)


def _header(number: int, header: Sequence[Any]) -> dict[int, Column]:
    found: dict[int, Column] = {}
    problems = []
    for index, cell in enumerate(header):
        text = as_text(cell)
        if not text:
            continue
        column = _BY_NAME.get(text.split("(")[0].strip().casefold())
        if column is None:
            hint = suggest(text, [c.name for c in COLUMNS])
            problems.append(f"Zeile {number}, Spalte {text!r}: unbekannte Spalte{hint}.")
        elif column in found.values():
            problems.append(f"Zeile {number}: die Spalte {column.name!r} steht zweimal da.")
        else:
            found[index] = column
    names = {c.name for c in found.values()}
    problems += [f"Zeile {number}: die Spalte {n!r} fehlt." for n in _REQUIRED if n not in names]
    if problems:
        raise SheetError(problems)
    return found


class _Reader:
    """Rows become entries; problems are collected, not raised."""

    def __init__(self, settings: Settings) -> None:
        self.problems: list[str] = []
        self.fields = Lookup("Handlungsfeld", {f.id: (f.name, f.short) for f in settings.fields})
        self.districts = Lookup("Stadtteil", {d.id: (d.name,) for d in settings.districts})
        kinds = {k.value: (ORGANISATION_KIND_NAMES[k.value],) for k in OrganisationKind}
        self.kinds = Lookup("Art von Organisation", kinds, article="keine")
        statuses = {s.value: (OFFER_STATUS_NAMES[s.value],) for s in OfferStatus}
        self.statuses = Lookup("Status", statuses)
        self.organisations: dict[str, tuple[int, dict[str, Any]]] = {}
        self.offers: dict[str, list[tuple[int, Offer]]] = {}

    def row(self, number: int, cells: dict[Column, Any]) -> None:
        values: dict[str, Any] = {}
        for column in COLUMNS:
            raw = cells.get(column)
            try:
                values[column.key] = self._value(column, raw)
            except Bad as bad:
                self.problems.append(f"Zeile {number}, Spalte {column.name!r}: {bad}")
                values[column.key] = None
        if values["organisation"] == "":
            self.problems.append(f"Zeile {number}, Spalte 'Organisation': sie ist leer.")
        if not values["organisation"]:
            return
        young, old = values["age_min"], values["age_max"]
        if young is not None and old is not None and young > old:
            self.problems.append(
                f"Zeile {number}, Spalte 'Alter bis': {old} ist kleiner als 'Alter von' ({young})."
            )
        key = natural_key(values["organisation"])
        self._organisation(number, key, values)
        offer_cells = [c for c in COLUMNS if not c.organisation and as_text(cells.get(c))]
        if values["name"] is None:
            return
        if not values["name"]:
            if any(c.key not in ("status", "name") for c in offer_cells):
                self.problems.append(f"Zeile {number}, Spalte 'Angebot': es ist leer.")
            return
        for earlier, offer in self.offers.get(key, ()):
            if natural_key(offer.name) == natural_key(values["name"]):
                self.problems.append(
                    f"Zeile {number}, Spalte 'Angebot': {values['name']!r} steht schon in "
                    f"Zeile {earlier}."
                )
                return
        given = {c.key: values[c.key] for c in COLUMNS if not c.organisation}
        given["status"] = given["status"] or OfferStatus.active
        offer = Offer(id=0, organisation_id=0, **given)
        self.offers.setdefault(key, []).append((number, offer))

    def _value(self, column: Column, raw: Any) -> Any:
        if column.key == "last_confirmed":
            return parse_date(raw)
        text = as_text(raw)
        if len(text) > column.limit:
            raise Bad(f"der Text ist länger als {column.limit} Zeichen.")
        if column.key in ("age_min", "age_max"):
            return parse_age(text)
        if column.key == "fields":
            return self.fields.many(text)
        if column.key == "districts":
            return self.districts.many(text)
        if column.key == "languages":
            return parse_languages(text)
        if column.key == "kind":
            return OrganisationKind(self.kinds.one(text)) if text else None
        if column.key == "status":
            return OfferStatus(self.statuses.one(text)) if text else None
        if column.key == "email" and text and "@" not in text:
            raise Bad(f"{text!r} ist keine E-Mail-Adresse.")
        return text

    def _organisation(self, number: int, key: str, values: dict[str, Any]) -> None:
        mine = {k: values[k] for k in _ORGANISATION_KEYS}
        if key not in self.organisations:
            self.organisations[key] = (number, mine)
            return
        first, known = self.organisations[key]
        for column in COLUMNS:
            if not column.organisation or column.key == "organisation":
                continue
            value, before = mine[column.key], known[column.key]
            if value in (None, "") or value == before:
                continue
            if before in (None, ""):
                known[column.key] = value
                continue
            self.problems.append(
                f"Zeile {number}, Spalte {column.name!r}: {_shown(value)!r} weicht von Zeile "
                f"{first} ab ({_shown(before)!r})."
            )

    def entries(self) -> list[Entry]:
        found = []
        for key, (_, values) in self.organisations.items():
            kind = values["kind"] or OrganisationKind.other
            organisation = Organisation(0, values["organisation"], kind, Contact.of(values))
            offers = tuple(offer for _, offer in self.offers.get(key, ()))
            found.append(Entry(organisation, offers))
        return found


def _shown(value: Any) -> str:
    return ORGANISATION_KIND_NAMES.get(str(value), str(value))


# --- Writing ------------------------------------------------------------------------------------


def rows_of(entries: Iterable[Entry], settings: Settings) -> list[list[Any]]:
    """The header and one row per offer (an organisation without offers: one row of its own).
    Dates stay dates; lists are joined by "; " in the order of config.yaml."""
    field_order = {f.id: i for i, f in enumerate(settings.fields)}
    district_order = {d.id: i for i, d in enumerate(settings.districts)}
    rows: list[list[Any]] = [[c.header for c in COLUMNS]]
    for entry in entries:
        org = entry.organisation
        shared = organisation_texts(org)
        shared["organisation"] = shared.pop("name")  # "name" is the offer's column
        for offer in entry.offers or (None,):
            values = dict(shared)
            if offer is not None:
                fields = sorted(offer.fields, key=lambda f: field_order.get(f, len(field_order)))
                districts = sorted(offer.districts, key=lambda d: district_order.get(d, 0))
                # The offer's columns as they are, but for the lists and the status.
                values.update(
                    {c.key: getattr(offer, c.key) for c in COLUMNS if not c.organisation},
                    fields="; ".join(settings.field_name(f) for f in fields),
                    districts="; ".join(settings.district_name(d) for d in districts),
                    languages="; ".join(sorted(offer.languages)),
                    status=OFFER_STATUS_NAMES[offer.status.value],
                )
            rows.append([values.get(c.key) for c in COLUMNS])
    return rows


def write(path: Path, entries: Iterable[Entry], settings: Settings, format: str | None = None):
    """Write the entries as CSV (UTF-8, ";" as German Excel) or XLSX, by suffix or `format`."""
    kind = format or path.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise SheetError([f"{path.name}: nur .csv und .xlsx können geschrieben werden."])
    rows = rows_of(entries, settings)
    if kind == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as file:
            writer = csv.writer(file, delimiter=";")
            for row in rows:
                writer.writerow([_csv_cell(v) for v in row])
        return
    _write_xlsx(path, rows)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return _safe(str(value))


def _safe(value: str) -> str:
    """A text that a spreadsheet would run as a formula is kept as text (read back unchanged)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _write_xlsx(path: Path, rows: list[list[Any]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Angebote"
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a text, never a formula, even if it begins with "="
            elif isinstance(cell.value, datetime | date):
                cell.number_format = "DD.MM.YYYY"
    sheet.freeze_panes = "A2"
    workbook.save(path)
