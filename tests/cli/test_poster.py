"""`kim-intake poster`: an A4 PDF with QR codes and one line in each offered language; a line
whose letters no font here has is left out with a warning, never drawn as empty boxes."""

from __future__ import annotations

import re

from bot.cli.poster import drawable, invitation_lines
from bot.core.config import load_settings
from bot.core.i18n import Msg, translator
from bot.web.texts import INVITATION
from tests.fixtures.bot import ROOT
from tests.fixtures.command import kim_intake

CONFIG = str(ROOT / "config.yaml")


def test_the_poster_is_one_a4_page_with_both_codes_and_every_drawable_language(tmp_path):
    done = kim_intake(
        "poster", tmp_path, "--out", "plakat.pdf", "--url", "https://kim.example.de/fragebogen",
        "--telegram", "@kim_bot", KIM_CONFIG=CONFIG,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    pdf = (tmp_path / "plakat.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595\.\d* 841\.\d*", pdf)  # A4 in points
    lines, missing = invitation_lines(load_settings(ROOT / "config.yaml").languages)
    assert f"{len(lines)} languages" in done.stdout
    for language in missing:
        assert f"({language}); its line is left out" in done.stderr


def test_lines_follow_the_catalogs_and_their_direction():
    lines, _ = invitation_lines(["de", "ar"])
    assert lines == [
        (translator("de")(Msg(INVITATION)), "de", False),
        (translator("ar")(Msg(INVITATION)), "ar", True),
    ]
    assert lines[1][0] != lines[0][0]  # translated


def test_a_script_without_a_font_is_not_drawable():
    assert drawable("Ihre Meinung zählt")
    assert not drawable("𓀀𓀁𓀂")  # Egyptian hieroglyphs: no font of the poster has them


def test_without_an_address_the_poster_says_what_is_missing(tmp_path):
    done = kim_intake("poster", tmp_path, "--out", "p.pdf", KIM_CONFIG=CONFIG)
    assert done.returncode == 1 and "--url" in done.stderr
    done = kim_intake("poster", tmp_path, "--url", "kim.example.de", KIM_CONFIG=CONFIG)
    assert done.returncode == 1 and "https://" in done.stderr
    assert not (tmp_path / "p.pdf").exists()
