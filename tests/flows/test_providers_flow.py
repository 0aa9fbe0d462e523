"""The provider survey (bot/flows/providers.yaml): it loads, offers the directory's kinds, the
deployment's districts and fields, a repeat group of one to ten offers, and stays German only."""

from __future__ import annotations

import io
from pathlib import Path

from bot.core.config import load_settings
from bot.flows.extract import extract_flow
from bot.flows.loader import flow_path, load_flow
from storage.types import OrganisationKind

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = load_settings(ROOT / "config.yaml")
FLOW = load_flow(flow_path("providers"), SETTINGS.districts, SETTINGS.field_ids)


def choice_ids(question_id: str) -> list[str]:
    return [choice.id for choice in FLOW.question(question_id).choices]


def test_the_organisation_kind_offers_every_kind_of_the_directory():
    assert choice_ids("org_kind") == [kind.value for kind in OrganisationKind]


def test_district_choices_are_the_deployments_districts_and_the_whole_city():
    districts = [district.id for district in SETTINGS.districts]
    for question_id in ("org_districts", "offer_districts"):
        assert choice_ids(question_id) == [*districts, "city"]
        assert FLOW.question(question_id).choices[-1].exclusive


def test_field_choices_are_the_deployments_fields_of_action():
    for question_id in ("partner_fields", "offer_fields"):
        assert choice_ids(question_id) == list(SETTINGS.field_ids)


def test_offers_are_a_repeat_group_of_one_to_ten():
    group = FLOW.repeat("offers")
    assert (group.min, group.max) == (1, 10)
    assert group.another == "Möchten Sie ein weiteres Angebot eintragen?"
    assert {q.id for q in group.own_questions} >= {
        "offer_name", "offer_description", "offer_fields", "offer_districts", "offer_address",
        "offer_languages", "offer_target_groups", "offer_age_min", "offer_age_max",
        "offer_costs", "offer_schedule", "offer_access",
    }  # fmt: skip


def test_the_survey_is_german_only_and_gives_the_catalogs_nothing():
    assert FLOW.translate is False
    data = flow_path("providers").read_bytes()
    assert list(extract_flow(io.BytesIO(data), (), (), {})) == []


def test_a_translated_flow_still_gives_the_catalogs_its_texts():
    data = flow_path("needs").read_bytes()
    assert load_flow(flow_path("needs"), SETTINGS.districts, SETTINGS.field_ids).translate
    assert len(list(extract_flow(io.BytesIO(data), (), (), {}))) > 20


def test_a_flows_folder_without_the_survey_falls_back_to_the_one_the_bot_ships(
    tmp_path, monkeypatch
):
    from bot.flows.loader import FLOWS_DIR, provider_flow_path

    monkeypatch.setenv("KIM_FLOWS_DIR", str(tmp_path))
    assert provider_flow_path() == FLOWS_DIR / "providers.yaml"
    (tmp_path / "providers.yaml").write_bytes((FLOWS_DIR / "providers.yaml").read_bytes())
    assert provider_flow_path() == tmp_path / "providers.yaml"
