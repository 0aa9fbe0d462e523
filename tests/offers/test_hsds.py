"""The directory as an HSDS 3.0 data package: the resources, their columns and stable ids."""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from datetime import UTC, datetime

from bot.offers import hsds
from bot.offers.model import Contact, Entry, Offer, Organisation
from storage.types import OrganisationKind

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
ENTRY = Entry(
    Organisation(
        0, "Caritas Troisdorf", OrganisationKind.welfare, Contact(email="info@caritas.de")
    ),
    (
        Offer(
            0,
            0,
            "Deutschkurs",
            districts=frozenset({"sieglar", "spich"}),
            languages=frozenset({"de", "ar"}),
            schedule="montags 10-12 Uhr",
            age_min=18,
        ),
        Offer(0, 0, "Migrationsberatung", costs="kostenlos"),
    ),
)


def unpacked(path) -> dict[str, object]:
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        package = json.loads(archive.read("datapackage.json"))
        tables = {
            name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))
            for name in names
            if name.endswith(".csv")
        }
    return {"package": package, "tables": tables}


async def test_the_package_holds_the_hsds_resources_with_their_columns(services, clock, tmp_path):
    clock.set(NOW)
    directory = services.directory
    await directory.put([ENTRY], by="cli")
    path = hsds.write(tmp_path / "hsds.zip", await directory.entries(), services.settings, NOW)
    found = unpacked(path)
    package, tables = found["package"], found["tables"]

    resources = {r["name"]: r for r in package["resources"]}
    assert {name: r["path"] for name, r in resources.items()} == {
        "organization": "organizations.csv",
        "service": "services.csv",
        "service_area": "service_areas.csv",
        "language": "languages.csv",
        "schedule": "schedules.csv",
    }
    for resource in resources.values():
        columns = [f["name"] for f in resource["schema"]["fields"]]
        assert list(tables[resource["path"]][0]) == columns
    [organisation] = tables["organizations.csv"]
    services_rows = {s["name"]: s for s in tables["services.csv"]}
    assert {s["organization_id"] for s in services_rows.values()} == {organisation["id"]}
    course = services_rows["Deutschkurs"]
    assert (course["status"], course["minimum_age"]) == ("active", "18")
    assert services_rows["Migrationsberatung"]["fees_description"] == "kostenlos"
    areas = [(a["service_id"], a["name"]) for a in tables["service_areas.csv"]]
    assert sorted(areas) == sorted(
        [
            (course["id"], "Sieglar"),
            (course["id"], "Spich"),
            (services_rows["Migrationsberatung"]["id"], "Troisdorf"),
        ]
    )
    assert sorted((x["code"], x["service_id"]) for x in tables["languages.csv"]) == [
        ("ar", course["id"]),
        ("de", course["id"]),
    ]
    assert [s["description"] for s in tables["schedules.csv"]] == ["montags 10-12 Uhr"]
    every_id = [row["id"] for rows in tables.values() for row in rows]
    assert len(set(every_id)) == len(every_id)
    assert all(uuid.UUID(value).version == 5 for value in every_id)


async def test_ids_stay_the_same_in_every_export(services, clock, tmp_path):
    clock.set(NOW)
    directory = services.directory
    await directory.put([ENTRY], by="cli")
    first = hsds.write(tmp_path / "a", await directory.entries(), services.settings, NOW)
    second = hsds.write(tmp_path / "b.json", await directory.entries(), services.settings, NOW)
    assert first == tmp_path / "a" / "datapackage.json"
    for name in ("organizations.csv", "services.csv", "service_areas.csv", "languages.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / name).read_bytes()
    assert json.loads(second.read_text())["profile"] == "tabular-data-package"
