"""What a provider's submission would change, in German lines a coordinator reads before
approving it: new, changed and dropped offers and cooperations, field by field."""

from __future__ import annotations

from typing import Any

from bot.core.config import Settings
from bot.core.vocabulary import OFFER_STATUS_NAMES, ORGANISATION_KIND_NAMES
from bot.offers.model import Entry, Offer, Organisation, organisation_texts
from storage.offers import natural_key

ORGANISATION_LABELS = {
    "name": "Name",
    "kind": "Art",
    "contact_name": "Kontakt",
    "email": "E-Mail",
    "phone": "Telefon",
    "website": "Website",
}
OFFER_LABELS = {
    "name": "Name",
    "description": "Beschreibung",
    "fields": "Handlungsfelder",
    "districts": "Stadtteile",
    "address": "Adresse",
    "languages": "Sprachen",
    "target_groups": "Zielgruppen",
    "age_min": "Alter von",
    "age_max": "Alter bis",
    "costs": "Kosten",
    "schedule": "Zeiten",
    "access": "Erreichbarkeit",
    "status": "Status",
}


def diff(current: Entry | None, proposed: Entry, settings: Settings) -> list[str]:
    """The changes from `current` (None: a new organisation) to `proposed`, one per line."""
    org = proposed.organisation
    if current is None:
        lines = [f"Neue Organisation: {org.name} ({ORGANISATION_KIND_NAMES[org.kind.value]})"]
        lines += [f"  {label}: {v}" for label, v in _organisation(org).items() if v]
        for offer in proposed.offers:
            lines += _new_offer(offer, settings)
        lines += [f"+ Kooperation mit {c.partner!r}" for c in proposed.cooperations]
        return lines
    lines = [f"Organisation #{current.organisation.id}: {current.organisation.name}"]
    before, after = _organisation(current.organisation), _organisation(org)
    lines += [
        f"  {label}: {_quoted(before[label])} → {_quoted(after[label])}"
        for label in before
        if before[label] != after[label]
    ]
    known = {o.id: o for o in current.offers}
    by_key = {natural_key(o.name): o for o in current.offers}
    kept = set()
    for offer in proposed.offers:
        old = known.get(offer.id) if offer.id else None
        old = old or by_key.get(natural_key(offer.name))
        if old is None:
            lines += _new_offer(offer, settings)
            continue
        kept.add(old.id)
        was, will = _offer(old, settings), _offer(offer, settings)
        changes = [
            f"    {label}: {_quoted(was[label])} → {_quoted(will[label])}"
            for label in was
            if was[label] != will[label]
        ]
        lines += [f"~ Angebot {old.name!r}", *changes] if changes else []
    lines += [
        f"- Angebot {o.name!r} wird inaktiv"
        for o in current.offers
        if o.id not in kept and o.status.value == "active"
    ]
    partners_before = {c.partner: c for c in current.cooperations}
    partners_after = {c.partner.strip(): c for c in proposed.cooperations}
    lines += [f"+ Kooperation mit {p!r}" for p in partners_after if p not in partners_before]
    lines += [f"- Kooperation mit {p!r}" for p in partners_before if p not in partners_after]
    if len(lines) == 1:
        lines.append("  (keine Änderung; die Angebote werden als heute bestätigt vermerkt)")
    return lines


def _organisation(org: Organisation) -> dict[str, str]:
    values = organisation_texts(org)
    return {ORGANISATION_LABELS[k]: " ".join(v.split()) for k, v in values.items()}


def _offer(offer: Offer, settings: Settings) -> dict[str, str]:
    field_names = sorted(settings.field_name(f) for f in offer.fields)
    districts = sorted(settings.district_name(d) for d in offer.districts)
    values: dict[str, Any] = {
        "name": offer.name,
        "description": offer.description,
        "fields": ", ".join(field_names),
        "districts": ", ".join(districts) or "ganze Stadt",
        "address": offer.address,
        "languages": ", ".join(sorted(offer.languages)),
        "target_groups": offer.target_groups,
        "age_min": "" if offer.age_min is None else str(offer.age_min),
        "age_max": "" if offer.age_max is None else str(offer.age_max),
        "costs": offer.costs,
        "schedule": offer.schedule,
        "access": offer.access,
        "status": OFFER_STATUS_NAMES[offer.status.value],
    }
    return {OFFER_LABELS[k]: " ".join(str(v).split()) for k, v in values.items()}


def _new_offer(offer: Offer, settings: Settings) -> list[str]:
    shown = _offer(offer, settings)
    details = [
        f"    {label}: {value}" for label, value in shown.items() if value and label != "Name"
    ]
    return [f"+ Angebot {offer.name!r} (neu)", *details]


def _quoted(value: str, limit: int = 80) -> str:
    if not value:
        return "(leer)"
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")
