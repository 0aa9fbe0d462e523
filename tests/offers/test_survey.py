"""The provider survey's answers become one directory entry (bot/offers/survey.py)."""

from __future__ import annotations

from pathlib import Path

from bot.core.config import load_settings
from bot.flows import engine
from bot.flows.loader import flow_path, load_flow
from bot.offers.model import Contact
from bot.offers.survey import entry_of
from storage.types import OrganisationKind

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = load_settings(ROOT / "config.yaml")
FLOW = load_flow(flow_path("providers"), SETTINGS.districts, SETTINGS.field_ids)
S = engine.SKIPPED


def organisation(**changes: object) -> dict[str, object]:
    answers: dict[str, object] = {
        "org_name": "  Brücke   e. V. ",
        "org_kind": "mso",
        "org_districts": frozenset({"oberlar"}),
        "contact_name": "Amal Haddad",
        "contact_phone": "+4922411234",
        "contact_email": "info@bruecke.example",
        "website": S,
        "paid_staff": 2,
        "volunteers": 15,
        "rooms": "shared",
        "funding": frozenset({"donations"}),
        "team_languages": frozenset({"de", "ar"}),
        "cooperates": "no",
    }
    answers.update(changes)
    return answers


def offer(number: int, name: str, more: bool, **changes: object) -> dict[str, object]:
    answers: dict[str, object] = {
        "offer_name": name,
        "offer_description": "Hilfe bei Briefen von Ämtern",
        "offer_fields": frozenset({"social", "residence"}),
        "offer_districts": frozenset({"oberlar", "sieglar"}),
        "offer_address": "Hauptstraße 1",
        "offer_languages": frozenset({"ar", "de"}),
        "offer_target_groups": S,
        "offer_age_min": 18,
        "offer_age_max": S,
        "offer_costs": "kostenlos",
        "offer_schedule": "dienstags 10-12 Uhr",
        "offer_access": S,
    }
    answers.update(changes)
    keyed = {f"offers.{number}.{key}": value for key, value in answers.items()}
    keyed[f"offers.{number}"] = "yes" if more else "no"
    return keyed


def test_the_organisation_comes_from_its_questions_and_skipped_ones_stay_empty():
    entry = entry_of(FLOW, {**organisation(), **offer(1, "Sprechstunde", more=False)})
    org = entry.organisation
    assert org.name == "Brücke e. V."
    assert org.kind is OrganisationKind.migrant_organisation
    assert org.contact == Contact("Amal Haddad", "info@bruecke.example", "+4922411234", "")
    assert org.id == 0 and entry.cooperations == ()


def test_each_round_of_the_repeat_group_is_one_offer():
    answers = {
        **organisation(),
        **offer(1, "Sprechstunde", more=True),
        **offer(
            2,
            "Frauencafé",
            more=False,
            offer_districts=frozenset({"city"}),
            offer_age_min=S,
            offer_fields=frozenset({"social"}),
        ),
    }
    first, second = entry_of(FLOW, answers).offers
    assert first.name == "Sprechstunde" and second.name == "Frauencafé"
    assert first.fields == frozenset({"social", "residence"})
    assert first.districts == frozenset({"oberlar", "sieglar"}) and not first.city_wide
    assert second.city_wide
    assert (first.age_min, first.age_max, second.age_min) == (18, None, None)
    assert first.languages == frozenset({"ar", "de"}) and first.target_groups == ""
    assert (first.costs, first.address) == ("kostenlos", "Hauptstraße 1")
    assert first.schedule == "dienstags 10-12 Uhr"


def test_rounds_after_a_no_are_not_offers():
    answers = {**organisation(), **offer(1, "A", more=False), **offer(2, "B", more=False)}
    assert [o.name for o in entry_of(FLOW, answers).offers] == ["A"]


def test_named_partners_are_cooperations_in_the_fields_chosen():
    answers = organisation(
        cooperates="yes",
        partner_kinds=frozenset({"welfare"}),
        partner_names="Caritas, ,  Diakonie Troisdorf ,Caritas",
        partner_fields=frozenset({"work"}),
    )
    entry = entry_of(FLOW, {**answers, **offer(1, "A", more=False)}, organisation_id=7)
    assert [(c.partner, c.fields) for c in entry.cooperations] == [
        ("Caritas", frozenset({"work"})), ("Diakonie Troisdorf", frozenset({"work"})),
    ]  # fmt: skip
    assert {c.organisation_id for c in entry.cooperations} == {7}
    assert entry.organisation.id == 7 and entry.offers[0].organisation_id == 7


def test_without_names_the_kinds_of_partner_are_the_cooperations():
    answers = organisation(
        cooperates="yes",
        partner_kinds=frozenset({"municipal", "welfare"}),
        partner_names=S,
        partner_fields=frozenset({"housing"}),
    )
    entry = entry_of(FLOW, {**answers, **offer(1, "A", more=False)})
    partners = [c.partner for c in entry.cooperations]
    assert partners == ["Wohlfahrtsverbände", "Kommunale Einrichtungen"]
