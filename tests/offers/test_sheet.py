"""Reading and writing the directory as a spreadsheet: every problem named by row and column."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from bot.offers.model import Contact, Entry, Offer, Organisation
from bot.offers.sheet import COLUMNS, SheetError, entries_of, read, rows_of, write
from storage.types import OfferStatus, OrganisationKind

HEADER = ["Organisation", "Art", "Angebot", "Handlungsfelder", "Stadtteile", "Sprachen"]


def problems(rows, settings) -> tuple[str, ...]:
    with pytest.raises(SheetError) as refused:
        entries_of(rows, settings)
    return refused.value.problems


def test_fields_districts_and_languages_are_read_by_id_or_german_name(settings):
    rows = [
        [*HEADER, "Alter von", "Zuletzt bestätigt"],
        [
            "Caritas",
            "Wohlfahrtsverband",
            "Kurs",
            "Sprache; work",
            "Sieglar;spich",
            "de, Arabisch",
            "16",
            "01.12.2026",
        ],
        ["caritas", "", "Beratung", "", "", "", "", "2026-11-30"],
    ]
    [entry] = entries_of(rows, settings)
    assert entry.organisation.kind == OrganisationKind.welfare
    course, advice = entry.offers
    assert course.fields == {"language", "work"}
    assert course.districts == {"sieglar", "spich"}
    assert course.languages == {"de", "ar"}
    assert (course.age_min, course.last_confirmed) == (16, date(2026, 12, 1))
    assert advice.city_wide and advice.last_confirmed == date(2026, 11, 30)
    assert advice.status == OfferStatus.active


def test_every_wrong_cell_of_a_file_is_named_by_row_and_column_at_once(settings):
    rows = [
        [*HEADER, "Alter von", "Alter bis", "E-Mail"],
        ["Caritas", "Wohlfahrtsverband", "Kurs", "Sprache", "Sieglar", "de", "", "", "a@b.de"],
        [],
        ["Caritas", "", "Beratung", "", "Sieglarr", "", "", "", "c@d.de"],
        ["Awo", "Wohlfahrtverband", "Kurs", "Wohnenn", "", "xx", "30", "20", ""],
        ["Awo", "", "kurs", "", "", "", "zwölf", "", ""],
    ]
    assert problems(rows, settings) == (
        "Zeile 4, Spalte 'Stadtteile': 'Sieglarr' ist kein Stadtteil (meinten Sie 'Sieglar'?).",
        "Zeile 4, Spalte 'E-Mail': 'c@d.de' weicht von Zeile 2 ab ('a@b.de').",
        "Zeile 5, Spalte 'Art': 'Wohlfahrtverband' ist keine Art von Organisation "
        "(meinten Sie 'Wohlfahrtsverband'?).",
        "Zeile 5, Spalte 'Handlungsfelder': 'Wohnenn' ist kein Handlungsfeld "
        "(meinten Sie 'Wohnen'?).",
        "Zeile 5, Spalte 'Sprachen': 'xx' ist keine Sprache.",
        "Zeile 5, Spalte 'Alter bis': 20 ist kleiner als 'Alter von' (30).",
        "Zeile 6, Spalte 'Alter von': 'zwölf' ist keine ganze Zahl.",
        "Zeile 6, Spalte 'Angebot': 'kurs' steht schon in Zeile 5.",
    )


def test_a_wrong_header_is_refused_before_any_row(settings):
    rows = [["Organisation", "Stadtteil", "Angebot", "Angebot"], ["Caritas", "x", "Kurs"]]
    assert problems(rows, settings) == (
        "Zeile 1, Spalte 'Stadtteil': unbekannte Spalte (meinten Sie 'Stadtteile'?).",
        "Zeile 1: die Spalte 'Angebot' steht zweimal da.",
    )
    assert problems([["Organisation", "Art"]], settings) == (
        "Zeile 1: die Spalte 'Angebot' fehlt.",
    )
    assert problems([[], ["", None]], settings) == ("Die Tabelle ist leer.",)


def test_an_empty_organisation_or_offer_name_is_an_error_but_an_organisation_alone_is_not(
    settings,
):
    rows = [HEADER, ["", "", "Kurs", "", "", ""], ["Awo", "", "", "Sprache", "", ""]]
    assert problems(rows, settings) == (
        "Zeile 2, Spalte 'Organisation': sie ist leer.",
        "Zeile 3, Spalte 'Angebot': es ist leer.",
    )
    [alone] = entries_of([HEADER, ["Awo", "mso", "", "", "", ""]], settings)
    assert alone.offers == () and alone.organisation.kind == OrganisationKind.migrant_organisation


def test_huge_text_is_refused_with_its_limit(settings):
    rows = [HEADER, ["Awo", "", "x" * 201, "", "", ""]]
    assert problems(rows, settings) == (
        "Zeile 2, Spalte 'Angebot': der Text ist länger als 200 Zeichen.",
    )


ENTRIES = [
    Entry(
        Organisation(
            1, "Awo", OrganisationKind.welfare, Contact("Frau Ay", "a@awo.de", "02241 5", "")
        ),
        (
            Offer(
                1,
                1,
                "=Nähcafé",
                description="- montags\nmit Kaffee",
                fields=frozenset({"social", "language"}),
                districts=frozenset({"spich", "sieglar"}),
                languages=frozenset({"tr", "de"}),
                age_min=12,
                age_max=99,
                costs="kostenlos",
                status=OfferStatus.inactive,
                last_confirmed=date(2026, 12, 1),
            ),
            Offer(2, 1, "Beratung"),
        ),
    ),
    Entry(Organisation(2, "Verein ohne Angebot", OrganisationKind.other)),
]


def plain(entries):
    """Entries without ids: what a spreadsheet carries."""
    return [
        (
            replace(e.organisation, id=0),
            [replace(o, id=0, organisation_id=0) for o in e.offers],
        )
        for e in entries
    ]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_written_file_reads_back_as_the_same_entries(tmp_path, settings, suffix):
    path = tmp_path / f"angebote{suffix}"
    write(path, ENTRIES, settings)
    assert plain(read(path, settings)) == plain(ENTRIES)


def test_the_export_has_german_headers_and_names(settings):
    header, first, *_ = rows_of(ENTRIES, settings)
    assert header == [c.header for c in COLUMNS]
    assert header[5] == "Stadtteile (leer = ganze Stadt)"
    row = dict(zip(header, first, strict=True))
    assert row["Handlungsfelder"] == "Sprache; Soziales"
    assert row["Stadtteile (leer = ganze Stadt)"] == "Sieglar; Spich"
    assert (row["Art"], row["Status"], row["Sprachen"]) == (
        "Wohlfahrtsverband",
        "inaktiv",
        "de; tr",
    )


def test_a_file_of_another_kind_or_a_broken_workbook_is_refused(tmp_path, settings):
    other = tmp_path / "angebote.ods"
    other.write_text("x")
    with pytest.raises(SheetError, match=r"nur \.csv und \.xlsx"):
        read(other, settings)
    broken = tmp_path / "angebote.xlsx"
    broken.write_text("Organisation;Angebot")
    with pytest.raises(SheetError, match="keine XLSX-Tabelle"):
        read(broken, settings)


def test_a_csv_saved_by_german_excel_in_windows_1252_with_commas_is_read(tmp_path, settings):
    path = tmp_path / "angebote.csv"
    path.write_bytes(
        "Organisation,Angebot,Stadtteile\r\nAwo,Nähcafé,Müllekoven\r\n".encode("cp1252")
    )
    [entry] = read(path, settings)
    assert entry.offers[0].name == "Nähcafé"
    assert entry.offers[0].districts == {"muellekoven"}
