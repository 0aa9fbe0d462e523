"""`kim-intake poster --out plakat.pdf`: a printable A4 poster that invites people to the
questionnaire: a QR code to the web chat and one to the Telegram bot, and one line in each
offered language (in its own script and direction).

A line is left out, with a warning, when no font on this machine has its letters (Tigrinya needs
an Ethiopic font such as Debian's fonts-noto-core or fonts-sil-abyssinica): a poster never shows
empty boxes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.core.config import load_settings
from bot.core.i18n import Msg, language_name, translator
from bot.web.texts import INVITATION

A4 = (8.27, 11.69)  # inches
DIRECTION_MARKS = {0x200E, 0x200F, 0x2066, 0x2067, 0x2068, 0x2069}
FONTS = ["DejaVu Sans", "Noto Sans", "Noto Sans Arabic", "Noto Sans Ethiopic", "Abyssinica SIL"]


def add_command(commands: argparse._SubParsersAction) -> None:
    poster = commands.add_parser("poster", help="a printable A4 poster with QR codes (PDF)")
    poster.add_argument("--out", type=Path, default=Path("plakat.pdf"), help="PDF file to write")
    poster.add_argument("--url", help="the web chat's public address (default: web.public_url)")
    poster.add_argument("--telegram", metavar="USERNAME", help="the bot's Telegram username")


def command_poster(args: argparse.Namespace) -> int:
    settings = load_settings()
    url = args.url or settings.web.public_url
    links = []
    if url:
        if not url.startswith(("https://", "http://")):
            print(f"The web chat's address must begin with https://, not {url!r}.", file=sys.stderr)
            return 1
        links.append(("Im Browser", url))
    if args.telegram:
        links.append(("In Telegram", f"https://t.me/{args.telegram.lstrip('@')}"))
    if not links:
        print(
            "Nothing to point to: give --url (or set web.public_url in config.yaml) and/or "
            "--telegram USERNAME.",
            file=sys.stderr,
        )
        return 1
    lines, missing = invitation_lines(settings.languages)
    for language in missing:
        print(
            f"warning: no font on this machine has the letters of {language_name(language)} "
            f"({language}); its line is left out (install e.g. fonts-noto-core).",
            file=sys.stderr,
        )
    draw(args.out, settings.city, links, lines)
    print(f"{args.out}: A4 poster, {len(links)} QR code(s), {len(lines)} languages.")
    return 0


def invitation_lines(languages: list[str]) -> tuple[list[tuple[str, str, bool]], list[str]]:
    """(text, language, right to left) for each language whose letters a font here has; and
    the languages left out."""
    lines, missing = [], []
    for language in languages:
        tr = translator(language)
        text = tr(Msg(INVITATION))
        if drawable(text):
            lines.append((text, language, tr.rtl))
        else:
            missing.append(language)
    return lines, missing


def drawable(text: str) -> bool:
    """Does one of the poster's fonts have every letter of `text`?"""
    from matplotlib.ft2font import FT2Font

    letters = {ord(c) for c in text if not c.isspace()} - DIRECTION_MARKS
    for family in FONTS:
        path = _font_file(family)
        if path is None:
            continue
        font = FT2Font(path)
        letters = {c for c in letters if font.get_char_index(c) == 0}
        if not letters:
            return True
    return False


def draw(out: Path, city: str, links: list[tuple[str, str]], lines: list[tuple[str, str, bool]]):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import segno

    plt.rcParams["font.family"] = [f for f in FONTS if _installed(f)] or ["DejaVu Sans"]
    figure = plt.figure(figsize=A4)
    figure.text(
        0.5, 0.95, "Fragebogen: Beratung und Hilfe", ha="center", fontsize=24, weight="bold"
    )
    figure.text(0.5, 0.915, f"Kommunales Integrationsmanagement {city}", ha="center", fontsize=14)
    width = 0.34
    for index, (label, link) in enumerate(links):
        left = 0.5 - width / 2 if len(links) == 1 else 0.1 + index * 0.46
        axes = figure.add_axes((left, 0.6, width, width * A4[0] / A4[1]))
        matrix = [[0 if cell else 1 for cell in row] for row in segno.make(link, error="m").matrix]
        axes.imshow(matrix, cmap="gray", interpolation="nearest", vmin=0, vmax=1)
        axes.set_axis_off()
        figure.text(left + width / 2, 0.575, label, ha="center", fontsize=13, weight="bold")
        figure.text(left + width / 2, 0.555, link, ha="center", fontsize=9)
    top, step = 0.51, min(0.035, 0.47 / max(len(lines), 1))
    for number, (text, _, rtl) in enumerate(lines):
        y = top - number * step
        x, align = (0.92, "right") if rtl else (0.08, "left")
        figure.text(x, y, text, ha=align, fontsize=10.5, wrap=True)
    figure.savefig(out)  # PDF, or PNG for a preview (by the suffix)
    plt.close(figure)


def _installed(family: str) -> bool:
    return _font_file(family) is not None


def _font_file(family: str) -> str | None:
    from matplotlib import font_manager

    try:
        return font_manager.findfont(family, fallback_to_default=False)
    except ValueError:
        return None
