"""The /broadcast dialog's steps as declared in bot/broadcasts/composer.py: bad input is refused."""

from pathlib import Path

import pytest

from bot.broadcasts.audience import Segment
from bot.broadcasts.composer import (
    STEPS,
    Step,
    check_press,
    check_text,
    draft_of,
    options,
    steps_accepting,
)
from bot.broadcasts.texts import TEXT_MAX
from bot.core.config import load_settings
from bot.telegram.routers.broadcasts import PRESSES, TYPED_STEPS, Compose

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = load_settings(ROOT / "config.yaml")


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t"])
def test_an_empty_text_is_refused(text):
    assert check_text(text) == "Der Text ist leer."


def test_a_text_longer_than_telegram_allows_is_refused_and_one_at_the_limit_is_not():
    assert check_text("x" * TEXT_MAX) is None
    problem = check_text("x" * (TEXT_MAX + 1))
    assert problem is not None and str(TEXT_MAX) in problem


@pytest.mark.parametrize(
    ("state", "button"),
    [
        (None, "cancel"),  # no dialog running: even "Abbrechen" is stale
        (None, "segment"),
        ("Compose:text", "segment"),  # "Empfänger wählen" before any text
        ("Compose:at", "segment"),
        ("Compose:language_text", "segment"),
        ("Compose:text", "now"),  # sending without a preview
        ("Compose:segment", "now"),
        ("Compose:at", "now"),  # sending twice
        ("Compose:preview", "prepared"),
        ("Compose:text", "chosen"),
        ("Compose:text", "forged"),
        ("Other:text", "cancel"),  # another dialog's state
    ],
)
def test_a_button_pressed_out_of_its_step_is_refused(state, button):
    assert check_press(state, button, "", SETTINGS) == "Diese Auswahl gilt nicht mehr."


@pytest.mark.parametrize(
    ("state", "button", "value"),
    [
        ("Compose:text", "prepared", "no_such_message"),
        ("Compose:languages", "lang", "xx"),
        ("Compose:languages", "lang", "de"),  # German is the main text, not an extra one
        ("Compose:segment", "kind", "everyone; drop table"),
        ("Compose:segment", "value", "fr"),  # no kind chosen yet
    ],
)
def test_a_forged_value_is_refused(state, button, value):
    assert check_press(state, button, value, SETTINGS) is not None


def test_a_value_of_another_kind_is_refused():
    language = SETTINGS.languages[0]
    assert check_press("Compose:segment", "value", language, SETTINGS, "languages") is None
    assert check_press("Compose:segment", "value", language, SETTINGS, "fields") is not None


def test_the_buttons_of_each_step_are_accepted_there():
    language = next(code for code in SETTINGS.languages if code != "de")
    assert check_press("Compose:text", "prepared", "info_event", SETTINGS) is None
    assert check_press("Compose:languages", "lang", language, SETTINGS) is None
    for step in (Step.details, Step.languages, Step.preview):
        assert check_press(f"Compose:{step}", "segment", "", SETTINGS) is None
    for step in Step:
        assert check_press(f"Compose:{step}", "cancel", "", SETTINGS) is None


def test_the_table_is_the_dialog_the_router_runs():
    assert {state.state for state in Compose.__all_states__} == {f"Compose:{s}" for s in Step}
    assert set(STEPS) == set(Step)
    assert set(PRESSES) == {button for spec in STEPS.values() for button in spec.buttons}
    assert set(TYPED_STEPS) == {step for step, spec in STEPS.items() if spec.takes_text}
    assert all(spec.typed is None or spec.takes_text for spec in STEPS.values())
    assert steps_accepting("cancel") == tuple(Step)


def test_the_draft_is_read_from_the_dialog_data():
    draft = draft_of(
        {"text_de": "Hallo", "texts": {"uk": "Привіт"}, "kind": "languages", "values": ["uk"]}
    )
    assert draft.text_de == "Hallo" and draft.texts == (("uk", "Привіт"),)
    assert draft.segment.languages == ("uk",)


def test_the_fields_to_choose_from_are_the_deployments(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(
        "city: X\nfields: [{id: housing, name: Wohnen}, {id: family, name: Familie}]\n",
        encoding="utf-8",
    )
    settings = load_settings(path)
    assert options("fields", settings) == [("housing", "Wohnen"), ("family", "Familie")]
    assert check_press("Compose:segment", "value", "family", settings, "fields") is None
    assert check_press("Compose:segment", "value", "work", settings, "fields") is not None
    assert Segment(fields=("family",)).describe(settings) == "Bedarf in Familie"
    assert Segment(fields=("work",)).problems(settings) == ["unbekannt: Handlungsfeld work"]
