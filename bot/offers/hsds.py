"""The directory as an Open Referral HSDS 3.0 tabular data package: datapackage.json with
organizations.csv, services.csv, service_areas.csv, languages.csv and schedules.csv, in a folder
or a .zip.

Offers are HSDS services; a service's areas are its districts (a city-wide offer has one area,
the city). Ids are UUIDs derived (uuid5) from the city and the directory's own row ids, so the
same organisation or offer keeps its id in every export.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.core.config import Settings
from bot.core.i18n import english_name, german_name
from bot.core.vocabulary import ORGANISATION_KIND_NAMES
from bot.offers.model import Entry

Column = tuple[str, str, str]  # (column, type, format), as HSDS 3.0 names them


def _uuids(*names: str) -> tuple[Column, ...]:
    return tuple((name, "string", "uuid") for name in names)


def _texts(*names: str) -> tuple[Column, ...]:
    return tuple((name, "string", "default") for name in names)


EMAIL: Column = ("email", "string", "email")
# (resource name, file, columns), as HSDS 3.0 names them.
RESOURCES: tuple[tuple[str, str, tuple[Column, ...]], ...] = (
    (
        "organization",
        "organizations.csv",
        (
            *_uuids("id"),
            *_texts("name", "alternate_name", "description"),
            EMAIL,
            ("website", "string", "uri"),
            *_texts("legal_status"),
        ),
    ),
    (
        "service",
        "services.csv",
        (
            *_uuids("id", "organization_id"),
            *_texts("name", "alternate_name", "description"),
            ("url", "string", "uri"),
            EMAIL,
            *_texts("status", "application_process", "fees_description", "eligibility_description"),
            ("minimum_age", "number", "default"),
            ("maximum_age", "number", "default"),
            ("assured_date", "date", "default"),
        ),
    ),
    (
        "service_area",
        "service_areas.csv",
        (
            *_uuids("id", "service_id"),
            *_texts("name", "description", "extent", "extent_type", "uri"),
        ),
    ),
    (
        "language",
        "languages.csv",
        (
            *_uuids("id", "service_id", "location_id", "phone_id"),
            *_texts("name", "code", "note"),
        ),
    ),
    ("schedule", "schedules.csv", (*_uuids("id", "service_id"), *_texts("description"))),
)
# What HSDS 3.0 requires of every row (its datapackage.json `constraints`), and its code lists.
REQUIRED = {
    "organization": ("id", "name", "description"),
    "service": ("id", "organization_id", "name", "status"),
    "service_area": ("id",),
    "language": ("id",),
    "schedule": ("id",),
}
ENUMS = {("service", "status"): ("active", "inactive", "defunct", "temporarily closed")}
FOREIGN_KEYS = {
    "service": ("organization_id", "organization"),
    "service_area": ("service_id", "service"),
    "language": ("service_id", "service"),
    "schedule": ("service_id", "service"),
}


def identifier(settings: Settings, *parts: object) -> str:
    """The stable UUID of a row: the same city and row ids give the same UUID."""
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:kim-intake:{settings.city}")
    return str(uuid.uuid5(namespace, ":".join(str(p) for p in parts)))


def tables(entries: Iterable[Entry], settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """Every resource's rows, by resource name."""
    found: dict[str, list[dict[str, Any]]] = {name: [] for name, _, _ in RESOURCES}
    for entry in entries:
        org = entry.organisation
        organisation_id = identifier(settings, "organisation", org.id)
        kind = ORGANISATION_KIND_NAMES[org.kind.value]
        found["organization"].append(
            {
                "id": organisation_id,
                "name": org.name,
                "description": kind,
                "email": _email(org.contact.email),
                "website": _uri(org.contact.website),
                "legal_status": kind,
            }
        )
        for offer in entry.offers:
            service_id = identifier(settings, "offer", offer.id)
            found["service"].append(
                {
                    "id": service_id,
                    "organization_id": organisation_id,
                    "name": offer.name,
                    "description": offer.description,
                    "url": _uri(org.contact.website),
                    "email": _email(org.contact.email),
                    "status": offer.status.value,
                    "application_process": "; ".join(p for p in (offer.address, offer.access) if p),
                    "fees_description": offer.costs,
                    "eligibility_description": offer.target_groups,
                    "minimum_age": offer.age_min,
                    "maximum_age": offer.age_max,
                    "assured_date": offer.last_confirmed and offer.last_confirmed.isoformat(),
                }
            )
            areas = sorted(offer.districts) or [None]
            for district in areas:
                found["service_area"].append(
                    {
                        "id": identifier(settings, "offer", offer.id, "district", district or ""),
                        "service_id": service_id,
                        "name": _area(settings, district),
                        "description": "ganze Stadt" if district is None else "Stadtteil",
                        "extent_type": "text",
                    }
                )
            for code in sorted(offer.languages):
                found["language"].append(
                    {
                        "id": identifier(settings, "offer", offer.id, "language", code),
                        "service_id": service_id,
                        "name": english_name(code) or german_name(code),
                        "code": code,
                        "note": german_name(code),
                    }
                )
            if offer.schedule:
                found["schedule"].append(
                    {
                        "id": identifier(settings, "offer", offer.id, "schedule"),
                        "service_id": service_id,
                        "description": offer.schedule,
                    }
                )
    return found


def _area(settings: Settings, district: str | None) -> str:
    return settings.city if district is None else settings.district_name(district)


def descriptor(settings: Settings, created: datetime) -> dict[str, Any]:
    """datapackage.json: the resources with their columns, keys and links."""
    resources = []
    for name, path, columns in RESOURCES:
        schema: dict[str, Any] = {
            "fields": [_field(name, c, t, f) for c, t, f in columns],
            "primaryKey": ["id"],
        }
        if name in FOREIGN_KEYS:
            column, target = FOREIGN_KEYS[name]
            schema["foreignKeys"] = [
                {"fields": [column], "reference": {"resource": target, "fields": ["id"]}}
            ]
        resources.append(
            {
                "name": name,
                "path": path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": schema,
            }
        )
    return {
        "name": "kim-intake-directory",
        "title": f"Angebote in {settings.city}",
        "profile": "tabular-data-package",
        "created": created.isoformat(timespec="seconds"),
        "homepage": "https://docs.openreferral.org/en/latest/",
        "keywords": ["HSDS", "Open Referral", "3.0"],
        "resources": resources,
    }


def _field(resource: str, column: str, kind: str, form: str) -> dict[str, Any]:
    constraints: dict[str, Any] = {"required": column in REQUIRED[resource]}
    if (resource, column) in ENUMS:
        constraints["enum"] = list(ENUMS[resource, column])
    return {"name": column, "type": kind, "format": form, "constraints": constraints}


def _uri(text: str) -> str:
    """A website as a URI: "www.awo.de" is written as people type it, HSDS wants a scheme."""
    text = text.strip()
    if not text or "://" in text:
        return text
    return f"https://{text}"


def _email(text: str) -> str:
    """An address HSDS can take as an email, or nothing."""
    text = text.strip()
    return text if "@" in text.strip("@") and not any(c.isspace() for c in text) else ""


def files(entries: Iterable[Entry], settings: Settings, created: datetime) -> dict[str, bytes]:
    """Every file of the package, by its name."""
    rows = tables(entries, settings)
    written = {
        "datapackage.json": json.dumps(
            descriptor(settings, created), ensure_ascii=False, indent=2
        ).encode()
    }
    for name, path, columns in RESOURCES:
        written[path] = _csv([c for c, _, _ in columns], rows[name])
    return written


def _csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row[c] for c in columns])
    return text.getvalue().encode("utf-8")


def write(path: Path, entries: Iterable[Entry], settings: Settings, created: datetime) -> Path:
    """A .zip holds the package; FILE.json is its descriptor with the CSV files beside it; any
    other path is a folder for the package. Returns the descriptor's or the archive's path."""
    package = files(entries, settings, created)
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in package.items():
                archive.writestr(name, data)
        return path
    folder, descriptor_name = path, "datapackage.json"
    if path.suffix.lower() == ".json":
        folder, descriptor_name = path.parent, path.name
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in package.items():
        (folder / (descriptor_name if name == "datapackage.json" else name)).write_bytes(data)
    return folder / descriptor_name
