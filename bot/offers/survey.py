"""The provider survey's answers (bot/flows/providers.yaml) as one directory entry. Pure.

The organisation's questions give its name, kind and contacts; each round of the repeat group
`offers` gives an offer; the named partners give cooperations in the fields chosen (without
names, one per kind of partner). Framework conditions (staff, rooms, funding, the team's
languages) stay with the survey's answers: the directory has no place for them.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.flows import steps
from bot.flows.schema import Flow
from bot.offers.model import Contact, Cooperation, Entry, Offer, Organisation
from storage.types import OrganisationKind

OFFERS = "offers"  # the repeat group of the provider survey
CITY_WIDE = "city"  # the district choice "in the whole city"


def entry_of(
    flow: Flow, answers: Mapping[str, object], organisation_id: int | None = None
) -> Entry:
    """The entry the answers describe; `organisation_id` when it updates one in the directory."""
    org_id = organisation_id or 0
    kind = _text(answers, "org_kind")
    contact = Contact(
        name=_text(answers, "contact_name"),
        email=_text(answers, "contact_email"),
        phone=_text(answers, "contact_phone"),
        website=_text(answers, "website"),
    )
    organisation = Organisation(
        id=org_id,
        name=" ".join(_text(answers, "org_name").split()),
        kind=OrganisationKind(kind) if kind in set(OrganisationKind) else OrganisationKind.other,
        contact=contact,
    )
    rounds = steps.rounds(flow, answers, OFFERS)
    offers = tuple(_offer(answers, org_id, n) for n in range(1, rounds + 1))
    return Entry(organisation, offers, _cooperations(flow, answers, org_id))


def _offer(answers: Mapping[str, object], organisation_id: int, number: int) -> Offer:
    def key(question_id: str) -> str:
        return f"{OFFERS}.{number}.{question_id}"

    districts = _choices(answers, key("offer_districts"))
    return Offer(
        id=0,
        organisation_id=organisation_id,
        name=" ".join(_text(answers, key("offer_name")).split()),
        description=_text(answers, key("offer_description")),
        fields=_choices(answers, key("offer_fields")),
        districts=frozenset() if CITY_WIDE in districts else districts,
        address=_text(answers, key("offer_address")),
        languages=_choices(answers, key("offer_languages")),
        target_groups=_text(answers, key("offer_target_groups")),
        age_min=_number(answers, key("offer_age_min")),
        age_max=_number(answers, key("offer_age_max")),
        costs=_text(answers, key("offer_costs")),
        schedule=_text(answers, key("offer_schedule")),
        access=_text(answers, key("offer_access")),
    )


def _cooperations(
    flow: Flow, answers: Mapping[str, object], organisation_id: int
) -> tuple[Cooperation, ...]:
    if answers.get("cooperates") != "yes":
        return ()
    fields = _choices(answers, "partner_fields")
    names = [" ".join(part.split()) for part in _text(answers, "partner_names").split(",")]
    partners = list(dict.fromkeys(name for name in names if name))
    if not partners:
        chosen = _choices(answers, "partner_kinds")
        choices = flow.question("partner_kinds").choices
        partners = [choice.text for choice in choices if choice.id in chosen]
    return tuple(Cooperation(organisation_id, partner, fields) for partner in partners)


def _text(answers: Mapping[str, object], key: str) -> str:
    value = answers.get(key)
    return value.strip() if isinstance(value, str) else ""


def _choices(answers: Mapping[str, object], key: str) -> frozenset[str]:
    value = answers.get(key)
    return value if isinstance(value, frozenset) else frozenset()


def _number(answers: Mapping[str, object], key: str) -> int | None:
    value = answers.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None
