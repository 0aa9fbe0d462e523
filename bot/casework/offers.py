"""The offers that match a case's person, as caseworkers read them in the case details: German,
with the organisation and how to reach it (the rule: bot/offers/matching.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.core.config import Settings
from bot.flows.needs import Stored, decode_stored
from bot.flows.schema import Flow
from bot.offers.matching import seeker_of, suggest
from bot.offers.model import Offer, Organisation
from bot.ui.staff_text import for_staff

NONE_FOUND = "keine passenden im Verzeichnis"


def offer_lines(
    settings: Settings,
    flow: Flow,
    answers: Stored,
    offers: Sequence[Offer],
    organisations: Mapping[int, Organisation],
) -> list[str]:
    """Per field of need, the matching offers: name, organisation, address, phone, each as
    the provider wrote it but without hidden characters or line breaks."""
    seeker = seeker_of(flow, decode_stored(flow, answers))
    ranked = suggest(offers, seeker, settings)
    if not ranked:
        return [f"Passende Angebote: {NONE_FOUND}."]
    lines = ["Passende Angebote:"]
    for field, found in ranked.items():
        lines.append(f"{settings.field_name(field)}:")
        for offer in found:
            organisation = organisations.get(offer.organisation_id)
            parts = [offer.name]
            if organisation is not None:
                parts.append(organisation.name)
            if offer.address:
                parts.append(offer.address)
            if organisation is not None and organisation.contact.phone:
                parts.append(f"Tel. {organisation.contact.phone}")
            lines.append("• " + " – ".join(for_staff(part) for part in parts))
    return lines
