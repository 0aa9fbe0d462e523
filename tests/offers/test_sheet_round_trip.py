"""A large spreadsheet through the directory and back loses nothing; a spreadsheet with mistakes
gets exactly one precise message per mistake and stores nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from openpyxl import Workbook

from bot.offers.sheet import read, write
from tests.cli.test_offers import done, offers, refused

HEADER = [
    "Organisation", "Art", "Angebot", "Beschreibung", "Handlungsfelder",
    "Stadtteile (leer = ganze Stadt)", "Adresse", "Sprachen", "Zielgruppen", "Alter von",
    "Alter bis", "Kosten", "Zeiten", "Erreichbarkeit", "Status", "Zuletzt bestätigt", "Kontakt",
    "E-Mail", "Telefon", "Website",
]  # fmt: skip
KINDS = ["Wohlfahrtsverband", "Migrantenselbstorganisation", "freier Träger", "sonstige"]
LANGUAGES = ["de", "ar", "uk", "fa", "tr", "ru", "ti", "kmr"]


def generated(settings, organisations: int = 20, per_organisation: int = 10) -> list[list]:
    """200 offers of 20 organisations, every column filled in varied ways."""
    fields = [f.name for f in settings.fields]
    districts = [d.name for d in settings.districts]
    rows = [HEADER]
    for o in range(organisations):
        for n in range(per_organisation):
            i = o * per_organisation + n
            ages = (None, None) if i % 3 == 0 else (i % 18, 18 + i % 50)
            rows.append(
                [
                    f"Träger {o:02d} e. V.",
                    KINDS[o % len(KINDS)],
                    f"Angebot {i:03d}" + (" – Café" if i % 7 == 0 else ""),
                    f"Zeile eins {i}\nZeile zwei" if i % 2 else "",
                    "; ".join({fields[i % len(fields)], fields[(i * 5) % len(fields)]}),
                    "; ".join(districts[(i + k) % len(districts)] for k in range(i % 4)),
                    f"Hauptstraße {i}, 53840 Troisdorf" if i % 5 else "",
                    "; ".join(sorted({"de", LANGUAGES[i % len(LANGUAGES)]})),
                    "Frauen" if i % 4 == 1 else "",
                    ages[0],
                    ages[1],
                    "kostenlos" if i % 2 else "5 € im Monat",
                    "montags 10-12 Uhr" if i % 3 else "",
                    "barrierefrei" if i % 6 == 0 else "",
                    "inaktiv" if i % 10 == 9 else "aktiv",
                    (date(2026, 1, 1) + timedelta(days=i)).strftime("%d.%m.%Y"),
                    f"Kontakt {o}",
                    f"info{o}@traeger.de",
                    f"02241 {1000 + o}",
                    f"https://traeger{o}.de",
                ]
            )
    return rows


def workbook(path, rows) -> None:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)


def plain(entries):
    """The entries without ids, which differ between databases."""
    return [
        (
            replace(e.organisation, id=0),
            sorted(
                (replace(o, id=0, organisation_id=0) for o in e.offers),
                key=lambda o: o.name,
            ),
        )
        for e in sorted(entries, key=lambda e: e.organisation.name)
    ]


async def test_two_hundred_offers_go_in_come_out_and_go_in_again_unchanged(
    tmp_path, services, settings
):
    workbook(tmp_path / "angebote.xlsx", generated(settings))
    first = read(tmp_path / "angebote.xlsx", settings)
    assert sum(len(e.offers) for e in first) == 200 and len(first) == 20
    created = await services.directory.put(first, by="cli")
    assert (created.created, created.organisations_created) == (200, 20)

    stored = await services.directory.entries()
    assert plain(stored) == plain(first)
    for suffix in (".xlsx", ".csv"):
        exported = tmp_path / f"export{suffix}"
        write(exported, stored, settings)
        again = read(exported, settings)
        assert plain(again) == plain(first)
        unchanged = await services.directory.put(again, by="cli")
        assert (unchanged.created, unchanged.updated, unchanged.unchanged) == (0, 0, 200)
        assert unchanged.organisations_created == unchanged.organisations_updated == 0
    assert plain(await services.directory.entries()) == plain(first)


def test_each_mistake_gets_one_message_and_nothing_is_stored(tmp_path, database_url, settings):
    good = generated(settings, organisations=2, per_organisation=3)
    workbook(tmp_path / "richtig.xlsx", good)
    done(offers(tmp_path, database_url, "import", "richtig.xlsx"))
    before = done(offers(tmp_path, database_url, "export", "--out", "vorher.csv"))
    assert "(2 Organisationen, 6 Angebote)" in before

    rows = [list(row) for row in good]
    rows[2][5] = "Sieglar; Oberdorf"  # unknown district
    rows[3][4] = "Wohnung"  # unknown field of action
    rows[5][2] = ""  # missing offer name
    rows[4][11] = "10 €"  # and a change that would be stored were the file right
    rows.append(list(rows[6]))  # the last row once more
    workbook(tmp_path / "fehler.xlsx", rows)

    assert refused(tmp_path, database_url, "fehler.xlsx") == [
        "  - Zeile 3, Spalte 'Stadtteile': 'Oberdorf' ist kein Stadtteil (meinten Sie 'Oberlar'?).",
        "  - Zeile 4, Spalte 'Handlungsfelder': 'Wohnung' ist kein Handlungsfeld "
        "(meinten Sie 'Wohnen'?).",
        "  - Zeile 6, Spalte 'Angebot': es ist leer.",
        "  - Zeile 8, Spalte 'Angebot': 'Angebot 005' steht schon in Zeile 7.",
    ]
    done(offers(tmp_path, database_url, "export", "--out", "nachher.csv"))
    assert (tmp_path / "nachher.csv").read_bytes() == (tmp_path / "vorher.csv").read_bytes()
