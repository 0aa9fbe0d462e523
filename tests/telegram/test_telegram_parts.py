"""Pieces of the Telegram channel that need no server: callback data and message splitting."""

from __future__ import annotations

import pytest

from bot.flows.schema import CALLBACK_DATA_LIMIT, CALLBACK_RESERVED
from bot.telegram.callbacks import pack, unpack
from bot.ui import model as ui
from bot.ui.text import TEXT_LIMIT, split_text

LONGEST_IDS = "q" * 24, "c" * 24  # question and choice ids at the loader's limit together


@pytest.mark.parametrize(
    "action",
    [
        ui.PickLanguage("ar"),
        ui.Consent("fa", True),
        ui.Consent("de", False),
        ui.Choose(2_147_483_647, *LONGEST_IDS),
        ui.Toggle(12, "housing_problems", "none"),
        ui.Navigate(12, "children", "back"),
        ui.Review(12, "finish"),
        ui.Review(12, "edit", "children"),
        ui.Confirm("delete", True),
        ui.Resume(12),
        ui.EndContact(2_147_483_647),
        ui.ClaimCase(2_147_483_647),
        ui.ShowDetails(7),
        ui.AskOutcome(7),
        ui.CloseCase(2_147_483_647, "unreachable"),
        ui.ShowNotice(7),
        ui.StopBroadcast(2_147_483_647),
    ],
)
def test_every_action_survives_the_round_trip_within_64_bytes(action):
    data = pack(action)
    assert len(data.encode()) <= CALLBACK_DATA_LIMIT
    assert unpack(data) == action


def test_case_buttons_keep_the_callback_data_of_notices_already_in_the_groups():
    assert pack(ui.ClaimCase(12)) == "w:claim:12:"
    assert pack(ui.CloseCase(12, "referred")) == "w:outcome:12:referred"
    assert pack(ui.StopBroadcast(3)) == "bc:stop:3"


def test_the_reserved_room_covers_prefix_interview_id_and_separators():
    data = pack(ui.Choose(9_999_999_999, "", ""))
    assert len(data.encode()) <= CALLBACK_RESERVED


@pytest.mark.parametrize(
    "forged",
    [
        "",
        "zz",
        "a:1:q",
        "a:x:q:c",
        "k:delete:maybe",
        "n:1:q:jump",
        "r:1:finish:q:extra",
        "€",
        "w:",
        "w:claim:abc:",
        "w:nonsense:1:",
        "w:outcome:1:",
        "w:claim:1:extra",
        "bc:stop:x",
        "bc:jump:",
    ],
)
def test_forged_or_truncated_callback_data_means_nothing(forged):
    assert unpack(forged) is None


def test_a_composer_button_is_a_typed_action_too():
    assert unpack(pack(ui.ComposeStep("kind", "districts"))) == ui.ComposeStep("kind", "districts")
    assert unpack("bc:now:") == ui.ComposeStep("now")


def test_a_long_text_is_split_at_paragraphs_and_nothing_is_lost():
    paragraphs = [f"Absatz {n}: " + "Wort " * 150 for n in range(12)]
    text = "\n\n".join(paragraphs)
    chunks = split_text(text)
    assert len(chunks) > 1
    assert all(len(chunk) <= TEXT_LIMIT for chunk in chunks)
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())
    assert all(chunk.startswith("Absatz") for chunk in chunks)


def test_a_text_without_spaces_is_cut_hard_at_the_limit():
    chunks = split_text("x" * (TEXT_LIMIT + 10))
    assert [len(c) for c in chunks] == [TEXT_LIMIT, 10]
