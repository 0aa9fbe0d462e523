"""German texts of the provider desk: what coordinators and providers read about an entry."""

from __future__ import annotations

from babel.dates import format_datetime

from bot.core.vocabulary import ORGANISATION_KIND_NAMES
from bot.offers.model import Entry, Offer
from bot.ui.staff_text import for_staff

REFUSAL = "Dieser Befehl ist nur für die Koordination des Integrationsmanagements."
NOTHING_PENDING = "Keine Einträge von Anbietern warten auf Freigabe."
PENDING = "{count} Eintrag/Einträge von Anbietern warten auf Freigabe:"
MORE = "… und {count} weitere. Nach diesen Entscheidungen zeigt /review die nächsten."
APPROVE, REJECT = "✅ Freigeben", "❌ Ablehnen"
APPROVED = "✅ Freigegeben."
REJECTED = "❌ Abgelehnt."
# What the provider reads, through the outbox.
TO_PROVIDER_APPROVED = (
    "Ihr Eintrag ist freigegeben. Vielen Dank! Ihre Angebote stehen jetzt im Verzeichnis der "
    "Angebote. Ändert sich etwas, bitten Sie die Koordination um einen neuen Code."
)
TO_PROVIDER_REJECTED = (
    "Ihr Eintrag wurde nicht freigegeben. Die Koordination des Integrationsmanagements meldet "
    "sich bei Ihnen; mit einem neuen Code können Sie ihn noch einmal einreichen."
)
DESCRIPTION_SHOWN = 120  # characters of an offer's description in the summary


def entry_summary(
    number: int, entry: Entry, organisation_id: int | None, when: object, zone: str
) -> str:
    """A German summary of a submitted entry, every provider's text made safe to show."""
    org = entry.organisation
    at = format_datetime(when, "dd.MM.yyyy, HH:mm", tzinfo=zone, locale="de")
    kind = ORGANISATION_KIND_NAMES.get(org.kind, org.kind)
    update = f" (ändert Eintrag #{organisation_id})" if organisation_id else " (neu)"
    lines = [f"📋 Einreichung {number} vom {at} Uhr{update}", f"{_safe(org.name)} – {kind}"]
    reach = org.contact
    contact = [_safe(v) for v in (reach.name, reach.phone, reach.email, reach.website) if v]
    if contact:
        lines.append("Kontakt: " + ", ".join(contact))
    lines.append(f"Angebote ({len(entry.offers)}):")
    lines += [f"{n}. {_offer_line(offer)}" for n, offer in enumerate(entry.offers, start=1)]
    if entry.cooperations:
        partners = ", ".join(_safe(c.partner) for c in entry.cooperations)
        lines.append(f"Kooperationen: {partners}")
    return "\n".join(lines)


def _offer_line(offer: Offer) -> str:
    where = "ganze Stadt" if offer.city_wide else ", ".join(sorted(offer.districts))
    parts = [_safe(offer.name), f"Handlungsfelder: {', '.join(sorted(offer.fields)) or '–'}"]
    parts.append(f"Ort: {where}")
    if offer.languages:
        parts.append(f"Sprachen: {', '.join(sorted(offer.languages))}")
    description = _safe(offer.description)
    if description:
        shown = description[:DESCRIPTION_SHOWN]
        parts.append(shown + ("…" if len(description) > DESCRIPTION_SHOWN else ""))
    return " · ".join(parts)


def _safe(text: str) -> str:
    return for_staff(text)
