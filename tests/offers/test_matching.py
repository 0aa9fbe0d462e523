"""Matching needs to offers: a table of cases, and properties over random directories."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.offers.matching import AGE_GROUPS, Seeker, iso_languages, rank
from bot.offers.model import Offer
from storage.types import OfferStatus

NEAR = {
    "sieglar": frozenset({"eschmar", "kriegsdorf"}),
    "eschmar": frozenset({"sieglar"}),
    "kriegsdorf": frozenset({"sieglar"}),
    "spich": frozenset(),
}


def offer(name: str, *, fields=("work",), districts=(), languages=("de",), **more) -> Offer:
    return Offer(
        id=abs(hash(name)) % 10_000,
        organisation_id=1,
        name=name,
        fields=frozenset(fields),
        districts=frozenset(districts),
        languages=frozenset(languages),
        **more,
    )


def names(offers=(), *, district="sieglar", needs=("work",), languages=("ar",), age=None, limit=3):
    person = Seeker(district, frozenset(needs), frozenset(languages), age)
    ranked = rank(offers, person, neighbours=NEAR, limit_per_field=limit)
    return {field: [o.name for o in found] for field, found in ranked.items()}


CASES = {
    "own district, then city-wide, then a neighbour": (
        [
            offer("Nachbar", districts=["eschmar"]),
            offer("Stadt"),
            offer("Hier", districts=["sieglar"]),
        ],
        {},
        {"work": ["Hier", "Stadt", "Nachbar"]},
    ),
    "a district that is not next door is left out": (
        [offer("Spich", districts=["spich"]), offer("Stadt")],
        {},
        {"work": ["Stadt"]},
    ),
    "an offer in several districts counts where it is nearest": (
        [offer("Stadt"), offer("Beide", districts=["eschmar", "sieglar"])],
        {},
        {"work": ["Beide", "Stadt"]},
    ),
    "in the person's language before German only, within the same place": (
        [offer("A Deutsch"), offer("B Arabisch", languages=["de", "ar"])],
        {},
        {"work": ["B Arabisch", "A Deutsch"]},
    ),
    "place beats language": (
        [offer("Stadt arabisch", languages=["ar"]), offer("Hier", districts=["sieglar"])],
        {},
        {"work": ["Hier", "Stadt arabisch"]},
    ),
    "Kurdish speakers find Sorani and Kurmanji offers": (
        [offer("A"), offer("B Sorani", languages=["ckb"])],
        {"languages": iso_languages(["ku"])},
        {"work": ["B Sorani", "A"]},
    ),
    "ties are broken by name, whatever the case of its letters": (
        [offer("beta"), offer("Alpha"), offer("Gamma")],
        {},
        {"work": ["Alpha", "beta", "Gamma"]},
    ),
    "inactive offers are never suggested": (
        [offer("Alt", status=OfferStatus.inactive), offer("Neu")],
        {},
        {"work": ["Neu"]},
    ),
    "only fields the person has a need in": (
        [offer("Wohnen", fields=["housing"]), offer("Arbeit")],
        {"needs": ("work", "health")},
        {"work": ["Arbeit"]},
    ),
    "an offer of two fields shows in both": (
        [offer("Beides", fields=["work", "housing"])],
        {"needs": ("work", "housing")},
        {"housing": ["Beides"], "work": ["Beides"]},
    ),
    "no needs, no offers": ([offer("Arbeit")], {"needs": ()}, {}),
    "at most the limit per field": (
        [offer(f"Angebot {i}") for i in range(5)],
        {"limit": 2},
        {"work": ["Angebot 0", "Angebot 1"]},
    ),
    "an offer for young people leaves adults out": (
        [offer("Jugend", age_max=17), offer("Alle")],
        {"age": "a27_44"},
        {"work": ["Alle"]},
    ),
    "an offer from 16 to 27 reaches the under-18s and the 18 to 26": (
        [offer("Jung", age_min=16, age_max=27), offer("Senioren", age_min=60)],
        {"age": "u18"},
        {"work": ["Jung"]},
    ),
    "seniors' offers reach the over-65s": (
        [offer("Senioren", age_min=60), offer("Jugend", age_max=26)],
        {"age": "a65"},
        {"work": ["Senioren"]},
    ),
    "an unknown age group keeps every age range": (
        [offer("Jugend", age_max=17)],
        {"age": None},
        {"work": ["Jugend"]},
    ),
    "an unknown district gets city-wide offers only": (
        [offer("Hier", districts=["sieglar"]), offer("Stadt")],
        {"district": None},
        {"work": ["Stadt"]},
    ),
}


@pytest.mark.parametrize(("offers", "person", "expected"), CASES.values(), ids=CASES.keys())
def test_offers_are_ranked_for_the_person(offers, person, expected):
    assert names(offers, **person) == expected


def test_fields_follow_the_configured_order():
    offers = [offer("W", fields=["work"]), offer("H", fields=["housing"])]
    person = Seeker(None, frozenset({"work", "housing"}), frozenset(), None)
    ranked = rank(offers, person, neighbours={}, order=("work", "housing"))
    assert list(ranked) == ["work", "housing"]


def test_questionnaire_languages_become_iso_codes():
    assert iso_languages(["ar", "ku", "other"]) == {"ar", "kmr", "ckb"}


FIELDS = ("language", "work", "housing", "health")
DISTRICTS = ("sieglar", "eschmar", "kriegsdorf", "spich")
offers_strategy = st.lists(
    st.builds(
        Offer,
        id=st.integers(1, 50),
        organisation_id=st.just(1),
        name=st.text(min_size=1, max_size=8),
        fields=st.frozensets(st.sampled_from(FIELDS)),
        districts=st.frozensets(st.sampled_from(DISTRICTS), max_size=2),
        languages=st.frozensets(st.sampled_from(("de", "ar", "uk", "fa"))),
        age_min=st.none() | st.integers(0, 80),
        age_max=st.none() | st.integers(0, 80),
        status=st.sampled_from(OfferStatus),
    ),
    max_size=25,
)


seekers = st.builds(
    Seeker,
    district=st.none() | st.sampled_from(DISTRICTS),
    needs=st.frozensets(st.sampled_from(FIELDS)),
    languages=st.frozensets(st.sampled_from(("ar", "uk", "fa"))),
    age_group=st.none() | st.sampled_from(sorted(AGE_GROUPS)),
)


@given(offers=offers_strategy, seeker=seekers, limit=st.integers(0, 4))
def test_never_an_inactive_offer_nor_a_field_without_need_nor_more_than_the_limit(
    offers, seeker, limit
):
    ranked = rank(offers, seeker, neighbours=NEAR, limit_per_field=limit)
    assert set(ranked) <= seeker.needs
    for field, found in ranked.items():
        assert 0 < len(found) <= limit
        assert all(o.status == OfferStatus.active and field in o.fields for o in found)
