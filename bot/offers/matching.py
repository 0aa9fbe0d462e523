"""Which offers suit a person: the one matching rule, pure (no I/O, no clock).

Per field of action in which the person has a need, the active offers of that field that reach
them: those in their own district first, then city-wide ones, then those of neighbouring
districts (offers elsewhere are left out); within each, offers in a language the person speaks
before those in German only; then by name. An offer whose age range excludes the person's age
group (bot/flows/needs.yaml `age_group`) is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.core.config import Settings
from bot.flows.needs import Answers, needs_of
from bot.flows.schema import Flow, QuestionType
from bot.offers.model import Offer
from storage.types import OfferStatus

# The age groups of the questionnaire as (youngest, oldest) years; None: no upper bound.
AGE_GROUPS: dict[str, tuple[int, int | None]] = {
    "u18": (0, 17),
    "a18_26": (18, 26),
    "a27_44": (27, 44),
    "a45_64": (45, 64),
    "a65": (65, None),
}
# The questionnaire's language codes (needs.yaml `languages`) as the ISO codes offers use.
ANSWER_LANGUAGES: dict[str, frozenset[str]] = {
    "ku": frozenset({"kmr", "ckb"}),
    "other": frozenset(),
}

_OWN, _CITY, _NEIGHBOUR = 0, 1, 2


def iso_languages(answered: Iterable[str]) -> frozenset[str]:
    """The ISO codes of the languages a person ticked (Kurdish counts as both Kurmanji and
    Sorani; "another language" names none)."""
    codes: set[str] = set()
    for code in answered:
        codes |= ANSWER_LANGUAGES.get(code, frozenset({code}))
    return frozenset(codes)


def fits_age(offer: Offer, age_group: str | None) -> bool:
    """Whether the offer's age range admits someone of this age group (an unknown group, or an
    offer without bounds, admits)."""
    if age_group not in AGE_GROUPS:
        return True
    youngest, oldest = AGE_GROUPS[age_group]
    if offer.age_max is not None and offer.age_max < youngest:
        return False
    return not (offer.age_min is not None and oldest is not None and offer.age_min > oldest)


def _place(offer: Offer, district: str | None, neighbours: frozenset[str]) -> int | None:
    """How near the offer is to the person (_OWN, _CITY, _NEIGHBOUR), or None: out of reach."""
    if offer.city_wide:
        return _CITY
    if district is not None and district in offer.districts:
        return _OWN
    if offer.districts & neighbours:
        return _NEIGHBOUR
    return None


@dataclass(frozen=True)
class Seeker:
    """What matching needs to know of a person, read from their answers."""

    district: str | None
    needs: frozenset[str]
    languages: frozenset[str]
    age_group: str | None


def rank(
    offers: Iterable[Offer],
    seeker: Seeker,
    *,
    neighbours: Mapping[str, frozenset[str]],
    limit_per_field: int = 3,
    order: Sequence[str] = (),
) -> dict[str, tuple[Offer, ...]]:
    """The best offers per field of need, at most `limit_per_field` each; fields without a
    suitable offer are left out. Keys follow `order` (the config's fields), others after them
    alphabetically. A person whose district is unknown gets city-wide offers only."""
    if limit_per_field < 1:
        return {}
    district = seeker.district
    near = neighbours.get(district, frozenset()) if district is not None else frozenset()
    ranked: dict[str, list[tuple[tuple[int, int, str, int], Offer]]] = {}
    for offer in offers:
        if offer.status != OfferStatus.active or not fits_age(offer, seeker.age_group):
            continue
        place = _place(offer, district, near)
        if place is None:
            continue
        spoken = 0 if offer.languages & seeker.languages else 1
        key = (place, spoken, offer.name.casefold(), offer.id)
        for field in offer.fields & seeker.needs:
            ranked.setdefault(field, []).append((key, offer))
    position = {field: i for i, field in enumerate(order)}
    fields = sorted(ranked, key=lambda f: (position.get(f, len(position)), f))
    return {
        field: tuple(offer for _, offer in sorted(ranked[field], key=lambda kv: kv[0]))[
            :limit_per_field
        ]
        for field in fields
    }


def seeker_of(flow: Flow, answers: Answers) -> Seeker:
    """The person as matching sees them: the district question's answer, the needs (the one
    need rule, bot/flows/needs.py), the `languages` and `age_group` answers of the flow."""
    district = next(
        (answers.get(q.id) for q in flow.questions if q.type is QuestionType.district), None
    )
    spoken = answers.get("languages")
    age_group = answers.get("age_group")
    return Seeker(
        district=district if isinstance(district, str) else None,
        needs=needs_of(flow, answers),
        languages=iso_languages(spoken) if isinstance(spoken, frozenset) else frozenset(),
        age_group=age_group if isinstance(age_group, str) else None,
    )


def suggest(
    offers: Iterable[Offer], seeker: Seeker, settings: Settings, limit_per_field: int = 3
) -> dict[str, tuple[Offer, ...]]:
    """`rank` for a person with the deployment's neighbours and order of fields."""
    return rank(
        offers,
        seeker,
        neighbours=settings.neighbours,
        limit_per_field=limit_per_field,
        order=settings.field_ids,
    )
