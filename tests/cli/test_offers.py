"""`kim-intake offers` as a process: spreadsheets in and out, HSDS, and deciding submissions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bot.offers.model import Contact, Entry, Offer, Organisation
from storage.types import OrganisationKind

ROOT = Path(__file__).resolve().parents[2]
SHEET = """\
Organisation;Art;Angebot;Beschreibung;Handlungsfelder;Stadtteile (leer = ganze Stadt);Sprachen;\
Alter von;Alter bis;Kosten;Status;Zuletzt bestätigt;E-Mail
Caritas Troisdorf;Wohlfahrtsverband;Deutschkurs für Frauen;mit Kinderbetreuung;Sprache;\
"Sieglar; Spich";"de; ar";18;;kostenlos;aktiv;01.12.2026;info@caritas.de
Caritas Troisdorf;;Migrationsberatung;;"residence; social";;de;;;;;;
Awo Troisdorf;welfare;Nähcafé;"=mittwochs; offen für alle";Soziales;Oberlar;"de, tr";;;;inaktiv;;
"""


def offers(cwd: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`kim-intake offers ARGS` on the test's database, seeing none of this machine's KIM_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIM_")}
    env.update(KIM_CONFIG=str(ROOT / "config.yaml"), KIM_DATABASE_URL=database_url)
    return subprocess.run(
        [sys.executable, "-m", "bot", "offers", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def done(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def refused(cwd: Path, database_url: str, name: str) -> list[str]:
    """The problems `kim-intake offers import NAME` names, one a line, after it stored nothing."""
    result = offers(cwd, database_url, "import", name)
    assert result.returncode == 1, result.stdout + result.stderr
    heading, *problems = result.stderr.splitlines()
    assert heading == f"{name} wurde nicht eingelesen, nichts gespeichert:"
    return problems


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    path = tmp_path / "angebote.csv"
    path.write_text(SHEET, encoding="utf-8")
    return path


def test_a_dry_run_stores_nothing_and_importing_twice_changes_nothing(
    tmp_path, database_url, sheet
):
    dry = done(offers(tmp_path, database_url, "import", str(sheet), "--dry-run"))
    assert dry.startswith("Probelauf, nichts gespeichert: 3 neu, 0 geändert, 0 unverändert")
    assert done(offers(tmp_path, database_url, "list")) == "Keine Angebote.\n"

    first = done(offers(tmp_path, database_url, "import", str(sheet)))
    assert first.startswith("Eingelesen: 3 neu, 0 geändert, 0 unverändert")
    second = done(offers(tmp_path, database_url, "import", str(sheet)))
    assert second.startswith("Eingelesen: 0 neu, 0 geändert, 3 unverändert")

    listed = done(offers(tmp_path, database_url, "list", "--district", "Spich"))
    assert "Deutschkurs für Frauen" in listed and "Migrationsberatung" in listed  # city-wide
    assert "Nähcafé" not in listed
    by_field = done(offers(tmp_path, database_url, "list", "--field", "social"))
    assert "Nähcafé" in by_field and "inaktiv" in by_field and "Deutschkurs" not in by_field
    unknown = offers(tmp_path, database_url, "list", "--district", "Spiche")
    assert unknown.returncode == 2
    assert "'Spiche' ist kein Stadtteil (meinten Sie 'Spich'?)" in unknown.stderr


def test_an_xlsx_with_errors_names_each_row_and_column_and_stores_nothing(tmp_path, database_url):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Organisation", "Art", "Angebot", "Stadtteile (leer = ganze Stadt)", "Alter von"])
    sheet.append(["Caritas", "Wohlfahrtsverband", "Deutschkurs", "Sieglar", 18])
    sheet.append(["Caritas", "Wohlfahrtsverband", "Beratung", "Sieglarr", None])
    sheet.append(["Awo", "Verband", "Nähcafé", None, "alt"])
    workbook.save(tmp_path / "angebote.xlsx")

    assert refused(tmp_path, database_url, "angebote.xlsx") == [
        "  - Zeile 3, Spalte 'Stadtteile': 'Sieglarr' ist kein Stadtteil (meinten Sie 'Sieglar'?).",
        "  - Zeile 4, Spalte 'Art': 'Verband' ist keine Art von Organisation (bekannt: "
        "Migrantenselbstorganisation, Wohlfahrtsverband, freier Träger, kommunale Einrichtung, "
        "sonstige).",
        "  - Zeile 4, Spalte 'Alter von': 'alt' ist keine ganze Zahl.",
    ]
    assert done(offers(tmp_path, database_url, "list")) == "Keine Angebote.\n"


def test_an_export_imported_into_an_empty_directory_exports_the_same(
    tmp_path, database_url, new_database, sheet
):
    done(offers(tmp_path, database_url, "import", str(sheet)))
    done(offers(tmp_path, database_url, "export", "--out", "first.xlsx"))
    done(offers(tmp_path, database_url, "export", "--out", "first.csv"))
    for suffix in ("xlsx", "csv"):
        other = new_database()
        imported = done(offers(tmp_path, other, "import", f"first.{suffix}"))
        assert imported.startswith("Eingelesen: 3 neu, 0 geändert, 0 unverändert")
        again = done(offers(tmp_path, other, "export", "--out", f"again-{suffix}.csv"))
        assert again.startswith(f"Geschrieben: again-{suffix}.csv (2 Organisationen, 3 Angebote)")
        assert (tmp_path / f"again-{suffix}.csv").read_text(encoding="utf-8-sig") == (
            tmp_path / "first.csv"
        ).read_text(encoding="utf-8-sig")
    assert "'=mittwochs; offen für alle" in (tmp_path / "first.csv").read_text(encoding="utf-8-sig")


def test_the_hsds_export_is_a_valid_package_with_the_expected_resources(
    tmp_path, database_url, sheet
):
    done(offers(tmp_path, database_url, "import", str(sheet)))
    done(offers(tmp_path, database_url, "export", "--out", "hsds.zip"))
    with zipfile.ZipFile(tmp_path / "hsds.zip") as archive:
        package = json.loads(archive.read("datapackage.json"))
        names = set(archive.namelist())
        services_csv = archive.read("services.csv").decode("utf-8")
    paths = {r["name"]: r["path"] for r in package["resources"]}
    assert {"organization", "service", "service_area", "language"} <= set(paths)
    assert set(paths.values()) | {"datapackage.json"} == names
    assert services_csv.count("\n") == 4  # the header and three offers
    done(offers(tmp_path, database_url, "export", "--out", "folder", "--format", "hsds"))
    assert json.loads((tmp_path / "folder" / "datapackage.json").read_text())["resources"]
    wrong = offers(tmp_path, database_url, "export", "--out", "angebote.txt")
    assert wrong.returncode == 2 and "--out muss auf" in wrong.stderr


async def test_review_shows_the_changes_and_a_decision_is_taken_once(
    tmp_path, database_url, sheet, services
):
    done(offers(tmp_path, database_url, "import", str(sheet)))
    [caritas] = [e for e in await services.directory.entries() if e.organisation.name[0] == "C"]
    changed = Entry(
        Organisation(
            0, "Caritas Troisdorf", OrganisationKind.welfare, Contact(email="neu@caritas.de")
        ),
        (
            Offer(0, 0, "Deutschkurs für Frauen", costs="5 Euro", fields=frozenset({"language"})),
            Offer(0, 0, "Sprachcafé", districts=frozenset({"mitte"})),
        ),
    )
    update = await services.directory.submit(
        changed, provider="telegram:77", organisation_id=caritas.organisation.id
    )
    await services.directory.submit(
        Entry(Organisation(0, "Neuer Verein", OrganisationKind.migrant_organisation)),
        provider="telegram:78",
    )

    listed = done(offers(tmp_path, database_url, "review"))

    assert f"Einreichung {update} von telegram:77" in listed
    assert "E-Mail: 'info@caritas.de' → 'neu@caritas.de'" in listed
    assert "~ Angebot 'Deutschkurs für Frauen'" in listed
    assert "Kosten: 'kostenlos' → '5 Euro'" in listed
    assert "+ Angebot 'Sprachcafé' (neu)" in listed and "Stadtteile: Troisdorf-Mitte" in listed
    assert "- Angebot 'Migrationsberatung' wird inaktiv" in listed
    assert "Neue Organisation: Neuer Verein (Migrantenselbstorganisation)" in listed

    approved = done(offers(tmp_path, database_url, "review", "--approve", str(update)))
    assert approved.startswith(f"Einreichung {update} angenommen")
    twice = offers(tmp_path, database_url, "review", "--approve", str(update))
    assert twice.returncode == 1
    assert f"Die Einreichung {update} ist schon angenommen." in twice.stderr
    rejected = offers(
        tmp_path, database_url, "review", "--reject", str(update + 1), "--reason", "x"
    )
    assert done(rejected).startswith(f"Einreichung {update + 1} abgelehnt")
    assert done(offers(tmp_path, database_url, "review")).startswith("Keine Einreichungen offen.")
    shown = {o.name for o in await services.directory.active_offers()}
    assert shown == {"Deutschkurs für Frauen", "Sprachcafé"}
