"""The HSDS export checked column by column against Open Referral HSDS 3.0 (its tabular form,
datapackage.json of the specification's v3.0 tag): names, types, formats, required fields and
code lists of the five resources the export writes, and every value of every row."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from datetime import UTC, date, datetime
from urllib.parse import urlparse

from bot.offers import hsds
from bot.offers.model import Contact, Entry, Offer, Organisation
from storage.types import OfferStatus, OrganisationKind

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
S, UUID, EMAIL, URI = ("string", ""), ("string", "uuid"), ("string", "email"), ("string", "uri")
NUMBER, DATE = ("number", ""), ("date", "")
# resource: {column: (type, format, required)} for the columns the export may write; HSDS 3.0
# has more columns (and resources), none of them required here.
SPEC: dict[str, dict[str, tuple[str, str, bool]]] = {
    "organization": {
        "id": (*UUID, True), "name": (*S, True), "alternate_name": (*S, False),
        "description": (*S, True), "email": (*EMAIL, False), "website": (*URI, False),
        "tax_status": (*S, False), "tax_id": (*S, False), "year_incorporated": (*NUMBER, False),
        "legal_status": (*S, False), "logo": (*S, False), "uri": (*URI, False),
        "parent_organization_id": (*UUID, False),
    },
    "service": {
        "id": (*UUID, True), "organization_id": (*UUID, True), "program_id": (*UUID, False),
        "name": (*S, True), "alternate_name": (*S, False), "description": (*S, False),
        "url": (*URI, False), "email": (*EMAIL, False), "status": (*S, True),
        "interpretation_services": (*S, False), "application_process": (*S, False),
        "fees_description": (*S, False), "wait_time": (*S, False), "fees": (*S, False),
        "accreditations": (*S, False), "eligibility_description": (*S, False),
        "minimum_age": (*NUMBER, False), "maximum_age": (*NUMBER, False),
        "assured_date": (*DATE, False), "assurer_email": (*EMAIL, False),
        "licenses": (*S, False), "alert": (*S, False), "last_modified": ("datetime", "", False),
    },
    "service_area": {
        "id": (*UUID, True), "service_id": (*UUID, False), "name": (*S, False),
        "description": (*S, False), "extent": (*S, False), "extent_type": (*S, False),
        "uri": (*S, False),
    },
    "language": {
        "id": (*UUID, True), "service_id": (*UUID, False), "location_id": (*UUID, False),
        "phone_id": (*UUID, False), "name": (*S, False), "code": (*S, False),
        "note": (*S, False),
    },
    "schedule": {
        "id": (*UUID, True), "service_id": (*UUID, False), "location_id": (*UUID, False),
        "service_at_location_id": (*UUID, False), "description": (*S, False),
        "notes": (*S, False),
    },
}  # fmt: skip
PATHS = {
    "organization": "organizations.csv",
    "service": "services.csv",
    "service_area": "service_areas.csv",
    "language": "languages.csv",
    "schedule": "schedules.csv",
}
ENUMS = {("service", "status"): ["active", "inactive", "defunct", "temporarily closed"]}

ENTRIES = [
    Entry(
        Organisation(
            3,
            "Awo Troisdorf",
            OrganisationKind.welfare,
            Contact("Frau Ay", "info@awo.de", "", "www.awo.de"),
        ),
        (
            Offer(
                5,
                3,
                "Nähcafé",
                description="mittwochs, offen für alle",
                fields=frozenset({"social"}),
                districts=frozenset({"oberlar", "sieglar"}),
                address="Kölner Str. 1",
                access="barrierefrei",
                languages=frozenset({"de", "tr", "kmr"}),
                target_groups="Frauen",
                age_min=16,
                age_max=99,
                costs="kostenlos",
                schedule="mittwochs 15-17 Uhr",
                status=OfferStatus.inactive,
                last_confirmed=date(2026, 12, 1),
            ),
            Offer(6, 3, "Beratung"),
        ),
    ),
    Entry(
        Organisation(
            4, "Verein", OrganisationKind.migrant_organisation, Contact(email="kein Eintrag")
        )
    ),
]


def valid(kind: str, form: str, value: str) -> bool:
    if form == "uuid":
        return str(uuid.UUID(value)) == value
    if form == "email":
        return re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value) is not None
    if form == "uri":
        parsed = urlparse(value)
        return bool(parsed.scheme and parsed.netloc)
    if kind == "number":
        return re.fullmatch(r"-?\d+(\.\d+)?", value) is not None
    if kind == "date":
        return date.fromisoformat(value).isoformat() == value
    if kind == "datetime":
        return datetime.fromisoformat(value) is not None
    return True


def test_every_column_and_value_is_as_hsds_3_0_defines_it(settings):
    files = hsds.files(ENTRIES, settings, NOW)
    package = json.loads(files["datapackage.json"])
    resources = {r["name"]: r for r in package["resources"]}
    assert set(resources) == set(SPEC)
    problems = []
    for name, spec in SPEC.items():
        resource = resources[name]
        assert resource["path"] == PATHS[name]
        fields = {f["name"]: f for f in resource["schema"]["fields"]}
        for column, field in fields.items():
            if column not in spec:
                problems.append(f"{name}.{column}: not in HSDS 3.0")
                continue
            kind, form, required = spec[column]
            if (field["type"], field["format"].replace("default", "")) != (kind, form):
                problems.append(f"{name}.{column}: {field['type']}/{field['format']}")
            constraints = field.get("constraints", {})
            if constraints.get("required", False) != required:
                problems.append(f"{name}.{column}: required should be {required}")
            if constraints.get("enum") != ENUMS.get((name, column)):
                problems.append(f"{name}.{column}: code list {constraints.get('enum')}")
        for column, (_, _, required) in spec.items():
            if required and column not in fields:
                problems.append(f"{name}.{column}: required, missing")

        rows = list(csv.DictReader(io.StringIO(files[PATHS[name]].decode("utf-8"))))
        assert rows, name  # every resource has rows to check
        for number, row in enumerate(rows, start=1):
            assert list(row) == list(fields)  # the header is the descriptor's columns
            for column, value in row.items():
                kind, form, required = spec.get(column, ("string", "", False))
                if not value:
                    if required:
                        problems.append(f"{name} row {number}: {column} is empty")
                    continue
                if not valid(kind, form, value):
                    problems.append(f"{name} row {number}: {column} = {value!r}")
                if (name, column) in ENUMS and value not in ENUMS[name, column]:
                    problems.append(f"{name} row {number}: {column} = {value!r} not in list")
    assert problems == []


def test_websites_typed_without_a_scheme_and_broken_emails_become_valid_or_empty(settings):
    files = hsds.files(ENTRIES, settings, NOW)
    organisations = list(csv.DictReader(io.StringIO(files["organizations.csv"].decode())))
    assert [(o["website"], o["email"]) for o in organisations] == [
        ("https://www.awo.de", "info@awo.de"),
        ("", ""),  # "kein Eintrag" is no address
    ]
    services = list(csv.DictReader(io.StringIO(files["services.csv"].decode())))
    assert {s["url"] for s in services} == {"https://www.awo.de"}
