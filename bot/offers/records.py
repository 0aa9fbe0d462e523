"""The directory's plain data to and from its stored shape: table rows, an entry as JSON (how a
submission keeps it), and the checks every entry passes before it is stored."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from datetime import date
from typing import Any, TypeVar

from bot.core.config import Settings
from bot.offers.model import CONTACT_COLUMNS, Contact, Cooperation, Entry, Offer, Organisation
from storage.offers import NAME_MAX, PHONE_MAX, TEXT_MAX, CooperationRow, OfferRow, OrganisationRow
from storage.types import OfferStatus, OrganisationKind

LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
AGE_MAX = 120
Plain = TypeVar("Plain", Organisation, Offer)
_LONG = ("description", "target_groups", "costs", "schedule", "access")


def _from_row(plain: type[Plain], row: Any, /, **converted: Any) -> Plain:
    """The `plain` data with the row's columns of the same names; the `converted` ones as given."""
    names = [f.name for f in dataclasses.fields(plain) if f.name not in converted]
    return plain(**{name: getattr(row, name) for name in names}, **converted)


def organisation_of(row: OrganisationRow) -> Organisation:
    contact = Contact(*(getattr(row, c) for c in CONTACT_COLUMNS))
    return _from_row(
        Organisation, row, id=row.id or 0, kind=OrganisationKind(row.kind), contact=contact
    )


def offer_of(row: OfferRow) -> Offer:
    return _from_row(
        Offer,
        row,
        id=row.id or 0,
        fields=frozenset(row.fields),
        districts=frozenset(row.districts),
        languages=frozenset(row.languages),
        status=OfferStatus(row.status),
        translations=dict(row.translations),
    )


def cooperation_of(row: CooperationRow) -> Cooperation:
    return Cooperation(row.organisation_id, row.partner, frozenset(row.fields))


def organisation_values(organisation: Organisation) -> dict[str, Any]:
    """The stored columns of an organisation (without its id)."""
    return {
        "name": " ".join(organisation.name.split()),
        "kind": str(organisation.kind),
        **{column: text.strip() for column, text in organisation.contact.columns().items()},
    }


def offer_values(offer: Offer) -> dict[str, Any]:
    """The stored columns of an offer (without its ids)."""
    return {
        "name": " ".join(offer.name.split()),
        "description": offer.description.strip(),
        "fields": sorted(offer.fields),
        "districts": sorted(offer.districts),
        "address": offer.address.strip(),
        "languages": sorted(offer.languages),
        "target_groups": offer.target_groups.strip(),
        "age_min": offer.age_min,
        "age_max": offer.age_max,
        "costs": offer.costs.strip(),
        "schedule": offer.schedule.strip(),
        "access": offer.access.strip(),
        "status": str(offer.status),
        "last_confirmed": offer.last_confirmed,
        "translations": dict(sorted(offer.translations.items())),
    }


# --- An entry as JSON ---------------------------------------------------------------------------


def entry_to_json(entry: Entry) -> dict[str, Any]:
    organisation = {"id": entry.organisation.id, **organisation_values(entry.organisation)}
    offers = []
    for offer in entry.offers:
        values = offer_values(offer)
        confirmed = values.pop("last_confirmed")
        offers.append(
            {"id": offer.id, **values, "last_confirmed": confirmed and confirmed.isoformat()}
        )
    cooperations = [{"partner": c.partner, "fields": sorted(c.fields)} for c in entry.cooperations]
    return {"organisation": organisation, "offers": offers, "cooperations": cooperations}


def entry_from_json(data: dict[str, Any]) -> Entry:
    org = data["organisation"]
    organisation = Organisation(
        int(org.get("id", 0) or 0), org["name"], OrganisationKind(org["kind"]), Contact.of(org)
    )
    offers = []
    for item in data.get("offers", ()):
        values = dict(item)
        confirmed = values.pop("last_confirmed", None)
        offers.append(
            Offer(
                id=int(values.pop("id", 0) or 0),
                organisation_id=organisation.id,
                **{
                    **values,
                    "fields": frozenset(values.get("fields", ())),
                    "districts": frozenset(values.get("districts", ())),
                    "languages": frozenset(values.get("languages", ())),
                    "status": OfferStatus(values.get("status", OfferStatus.active)),
                    "last_confirmed": date.fromisoformat(confirmed) if confirmed else None,
                },
            )
        )
    cooperations = tuple(
        Cooperation(organisation.id, c["partner"], frozenset(c.get("fields", ())))
        for c in data.get("cooperations", ())
    )
    return Entry(organisation, tuple(offers), cooperations)


# --- Checks -------------------------------------------------------------------------------------


def problems(entry: Entry, settings: Settings) -> list[str]:
    """What is wrong with an entry, in German; empty if it may be stored."""
    org = entry.organisation
    name = " ".join(org.name.split()) or "(ohne Namen)"
    found: list[str] = []
    if not org.name.strip():
        found.append("Eine Organisation hat keinen Namen.")
    if org.kind not in set(OrganisationKind):
        found.append(f"{name}: {org.kind!r} ist keine Art von Organisation.")
    values = organisation_values(org)
    found += _too_long(name, values, ("name", "contact_name", "email", "website"), NAME_MAX)
    found += _too_long(name, values, ("phone",), PHONE_MAX)
    names = Counter(" ".join(o.name.split()).casefold() for o in entry.offers)
    found += [f"{name}: das Angebot {n!r} steht zweimal da." for n, c in names.items() if c > 1]
    for offer in entry.offers:
        found += _offer_problems(name, offer, settings)
    partners = Counter(c.partner.strip() for c in entry.cooperations)
    for partner, count in partners.items():
        if not partner:
            found.append(f"{name}: eine Kooperation hat keinen Partner.")
        elif count > 1:
            found.append(f"{name}: die Kooperation mit {partner!r} steht zweimal da.")
    for cooperation in entry.cooperations:
        found += _unknown(name, "Handlungsfeld", cooperation.fields, settings.field_ids)
    return found


def _offer_problems(organisation: str, offer: Offer, settings: Settings) -> list[str]:
    where = f"{organisation}, Angebot {offer.name.strip() or '(ohne Namen)'!r}"
    found = [] if offer.name.strip() else [f"{organisation}: ein Angebot hat keinen Namen."]
    if offer.status not in set(OfferStatus):
        found.append(f"{where}: {offer.status!r} ist kein Status (active oder inactive).")
    values = offer_values(offer)
    found += _too_long(where, values, ("name", "address"), NAME_MAX)
    found += _too_long(where, values, _LONG, TEXT_MAX)
    found += _unknown(where, "Handlungsfeld", offer.fields, settings.field_ids)
    found += _unknown(where, "Stadtteil", offer.districts, [d.id for d in settings.districts])
    bad = sorted(code for code in offer.languages if not LANGUAGE_CODE.fullmatch(code))
    found += [f"{where}: {code!r} ist kein Sprachcode (z. B. de, ar, uk)." for code in bad]
    for age in (offer.age_min, offer.age_max):
        if age is not None and not 0 <= age <= AGE_MAX:
            found.append(f"{where}: das Alter {age} liegt nicht zwischen 0 und {AGE_MAX}.")
    if offer.age_min is not None and offer.age_max is not None and offer.age_min > offer.age_max:
        found.append(f"{where}: 'Alter von' ({offer.age_min}) ist größer als 'Alter bis'.")
    return found


def _too_long(where: str, values: dict[str, Any], names: tuple[str, ...], limit: int) -> list[str]:
    return [
        f"{where}: {name} ist länger als {limit} Zeichen."
        for name in names
        if len(values[name]) > limit
    ]


def _unknown(where: str, what: str, codes: frozenset[str], known: Any) -> list[str]:
    return [f"{where}: {code!r} ist kein {what}." for code in sorted(set(codes) - set(known))]
