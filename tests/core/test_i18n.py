"""Translation, formatting and language choice (bot/core/i18n.py)."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from babel import localedata
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.config import load_settings
from bot.core.i18n import (
    FSI,
    LOCALES_DIR,
    LRI,
    N_,
    PDI,
    RLM,
    Msg,
    Translator,
    babel_locale,
    best_language,
    cldr_language_name,
    compile_translations,
    german_name,
    language_menu,
    language_name,
    translator,
)


def translator_with(language: str, *entries: tuple[str | None, str, str], fuzzy: str = ""):
    """A translator over an in-memory catalog of (context, German, translation) entries."""
    catalog = Catalog(locale=language)
    for context, source, translation in entries:
        catalog.add(source, translation, context=context)
    if fuzzy:
        catalog.add(fuzzy, "FUZZY " + fuzzy, flags=["fuzzy"])
    return Translator(language, compile_translations(catalog))


def test_marker_returns_the_source_text_unchanged():
    assert N_("Bitte wählen Sie Ihre Sprache.") == "Bitte wählen Sie Ihre Sprache."


def test_english_catalog_translates_a_message_from_the_code():
    assert translator("en")(Msg(N_("Bitte wählen Sie Ihre Sprache."))) == (
        "Please choose your language."
    )
    assert translator("en")(N_("Hilfe")) == "Help"


def test_german_shows_the_source_text():
    assert translator("de")(Msg(N_("Bitte wählen Sie Ihre Sprache."))) == (
        "Bitte wählen Sie Ihre Sprache."
    )


def test_language_without_catalog_falls_back_to_german():
    tr = translator("zz")
    assert tr(Msg("Hallo {name}", args={"name": "Amal"})) == "Hallo Amal"


def test_translator_is_built_once_per_language():
    assert translator("en") is translator("en")


def test_context_separates_equal_german_texts():
    tr = translator_with(
        "en",
        ("needs:housing_need:choice:none", "Keine", "No problems"),
        ("needs:languages:choice:none", "Keine", "None"),
    )
    assert tr(Msg("Keine", context="needs:housing_need:choice:none")) == "No problems"
    assert tr(Msg("Keine", context="needs:languages:choice:none")) == "None"
    assert tr(Msg("Keine")) == "Keine"
    assert tr.pgettext("needs:languages:choice:none", "Keine") == "None"


def test_fuzzy_translations_are_not_used():
    tr = translator_with("en", fuzzy="Noch keine Antworten.")
    assert tr(Msg("Noch keine Antworten.")) == "Noch keine Antworten."


def test_arguments_are_translated_and_formatted_for_the_language():
    tr = translator_with(
        "en",
        (
            None,
            "{section} · Frage {number} von etwa {total}",
            "{section} · Question {number} of {total}",
        ),
        ("needs:section:housing", "Wohnen", "Housing"),
        (None, "Ja", "Yes"),
    )
    message = Msg(
        "{section} · Frage {number} von etwa {total}",
        args={
            "section": Msg("Wohnen", context="needs:section:housing"),
            "number": 3,
            "total": 1500,
        },
    )
    assert tr(message) == "Housing · Question 3 of 1,500"
    assert translator("de")(message) == "Wohnen · Frage 3 von etwa 1.500"
    labels = Msg("✓ {answer}", args={"answer": (Msg("Ja"), "Sieglar")})
    assert tr(labels) == "✓ Yes, Sieglar"


def test_broken_placeholder_in_a_translation_falls_back_to_the_german_text():
    tr = translator_with("en", (None, "Die Sprache ist jetzt: {language}.", "Now: {sprache}."))
    message = Msg("Die Sprache ist jetzt: {language}.", args={"language": "English"})
    assert tr(message) == "Die Sprache ist jetzt: English."


def test_message_without_arguments_keeps_braces_literally():
    assert translator("de")(Msg("Ein {Beispiel}")) == "Ein {Beispiel}"


def test_messages_are_values():
    first = Msg("Hallo {name}", args={"name": "Amal"})
    same = Msg("Hallo {name}", args={"name": "Amal"})
    assert first == same
    assert hash(first) == hash(same)
    assert first != Msg("Hallo {name}", args={"name": "Omid"})
    assert {first, same} == {first}


# --- Right-to-left ------------------------------------------------------------------------------


def test_arabic_sentence_isolates_a_latin_district_and_a_number():
    tr = translator_with(
        "ar",
        (
            None,
            "Sie wohnen in {district} mit {count} Kindern.",
            "تسكن في {district} مع {count} أطفال.",
        ),
    )
    message = Msg(
        "Sie wohnen in {district} mit {count} Kindern.", args={"district": "Sieglar", "count": 3}
    )
    assert tr.rtl
    assert tr(message) == "تسكن في \u2068Sieglar\u2069 مع \u20683\u2069 أطفال."


def test_arabic_text_starting_with_an_argument_is_marked_right_to_left():
    tr = translator_with("ar", (None, "{number}. {question}", "{number}. {question}"))
    message = Msg("{number}. {question}", args={"number": 2, "question": "Troisdorf-West"})
    assert tr(message) == f"{RLM}{FSI}2{PDI}. {FSI}Troisdorf-West{PDI}"


@pytest.mark.parametrize("language", ["ar", "fa", "ps", "ckb"])
def test_right_to_left_list_isolates_each_item_and_joins_with_the_arabic_comma(language):
    tr = translator_with(language, (None, "✓ {answer}", "✓ {answer}"))
    message = Msg("✓ {answer}", args={"answer": ("Spich", "Oberlar")})
    assert tr(message) == f"✓ {FSI}Spich{PDI}، {FSI}Oberlar{PDI}"


@pytest.mark.parametrize("language", ["ar", "fa", "ps", "ckb"])
def test_right_to_left_languages_are_known(language):
    assert Translator(language).rtl
    assert Translator(language).isolate("Sieglar") == f"{FSI}Sieglar{PDI}"


def test_a_translator_knows_the_direction_cldr_gives_every_language_without_loading_it():
    codes = [code for code in localedata.locale_identifiers() if "_" not in code]
    codes += [
        *load_settings(Path(__file__).parents[2] / "config.yaml").languages,
        "pa-arab",
        "uz-cyrl",
        "en-gb",
    ]
    for code in codes:
        assert Translator(code).rtl == (babel_locale(code).text_direction == "rtl"), code
    localedata._cache.clear()  # what Locale.parse loaded: a translator's own needs come next
    assert not any(Translator(code).rtl for code in ("de", "en", "tr")) and Translator("ar").rtl
    assert "ar" not in localedata._cache, "the direction loaded all of CLDR's data for Arabic"


def test_the_language_menu_names_each_language_as_cldr_does_without_loading_its_data():
    languages = load_settings(Path(__file__).parents[2] / "config.yaml").languages
    localedata._cache.clear()
    language_name.cache_clear()
    names = [language_name(code) for code in languages if code not in ("kmr", "ckb")]
    assert not set(localedata._cache) & set(languages), "the names loaded CLDR's data"
    assert names == [cldr_language_name(c) for c in languages if c not in ("kmr", "ckb")]


@pytest.mark.parametrize("language", ["de", "en", "tr", "uk", "kmr", "ti"])
def test_left_to_right_languages_insert_text_unchanged(language):
    tr = Translator(language)
    assert not tr.rtl
    assert tr.isolate("Sieglar") == "Sieglar"
    assert tr(Msg("in {district}", args={"district": "Sieglar"})) == "in Sieglar"


RLI = "\u2067"
ISOLATES = (LRI, RLI, FSI)
MARKS = str.maketrans("", "", LRI + RLI + FSI + PDI + RLM)


def digits_outside_isolates(text: str) -> str:
    """The digits of a text that stand in no direction isolate; the isolates must balance."""
    depth, outside = 0, []
    for char in text:
        if char in ISOLATES:
            depth += 1
        elif char == PDI:
            assert depth > 0, f"a PDI closes nothing in {text!r}"
            depth -= 1
        elif char.isdecimal() and depth == 0:
            outside.append(char)
    assert depth == 0, f"an isolate is left open in {text!r}"
    return "".join(outside)


@pytest.mark.parametrize(
    "number", ["0800 111 0 111", "116 016", "110", "+49 2241 900-0", "03/2021", "١١٢", "10:30"]
)
def test_a_number_in_right_to_left_text_keeps_its_order_in_an_isolate_of_its_own(number):
    tr = translator_with("ar", (None, "Nummer", f"اتصلوا بالرقم {number}."))
    assert tr(Msg("Nummer")) == f"اتصلوا بالرقم {LRI}{number}{PDI}."


def test_a_number_at_the_start_of_right_to_left_text_is_isolated_and_the_text_marked():
    tr = translator_with("fa", (None, "{n} Kinder, 3 Zimmer", "{n} کودک، 3 اتاق"))
    assert tr(Msg("{n} Kinder, 3 Zimmer", args={"n": 2})) == (
        f"{RLM}{FSI}2{PDI} کودک، {LRI}3{PDI} اتاق"
    )
    assert translator_with("ps", (None, "3 Tage", "3 ورځې"))("3 Tage") == f"{RLM}{LRI}3{PDI} ورځې"


def test_a_number_the_translation_isolated_already_is_not_isolated_twice():
    tr = translator_with("ckb", (None, "Nummer", f"پەیوەندی بە {LRI}116 016{PDI} یان 110 بکەن."))
    assert tr(Msg("Nummer")) == f"پەیوەندی بە {LRI}116 016{PDI} یان {LRI}110{PDI} بکەن."


def test_left_to_right_languages_leave_numbers_alone():
    tr = translator_with("de", (None, "Nummer", "Rufen Sie 0800 111 0 111 an."))
    assert tr(Msg("Nummer")) == "Rufen Sie 0800 111 0 111 an."


ARABIC_WORDS = st.sampled_from(["اتصلوا", "بالرقم", "مجانًا", "سؤال", "،", ".", ":", " ", "\n"])
DIGITS = st.text("0123456789٠١٢٣٤٥٦٧٨٩", min_size=1, max_size=4)
JOINERS = st.sampled_from([" ", "/", "-", ".", ",", ":", "+", "(", ")", " - "])
PLACEHOLDER = st.sampled_from(["{a}", "{b}", "{{", "}}"])


@st.composite
def rtl_templates(draw) -> str:
    pieces = st.one_of(ARABIC_WORDS, DIGITS, JOINERS, PLACEHOLDER)
    return "".join(draw(st.lists(pieces, min_size=1, max_size=25)))  # empty: not translated


@settings(max_examples=300, deadline=None)
@given(rtl_templates(), st.one_of(st.integers(-9999, 99999), DIGITS, ARABIC_WORDS))
def test_every_digit_of_right_to_left_text_ends_up_in_an_isolate(template, argument):
    tr = translator_with("ar", (None, "Quelle {a} {b}", template))
    args = {"a": argument, "b": "Spich 12"}
    shown = tr(Msg("Quelle {a} {b}", args=args))
    assert digits_outside_isolates(shown) == ""
    # Only isolates were added: the words, the placeholders and their arguments are intact.
    plain = {name: tr.format_number(v) if isinstance(v, int) else v for name, v in args.items()}
    assert shown.translate(MARKS) == template.format_map(plain).translate(MARKS)
    # An argument is isolated once, not once more because it holds digits.
    assert f"{LRI}{FSI}" not in shown and f"{FSI}{LRI}" not in shown


@settings(max_examples=200, deadline=None)
@given(rtl_templates())
def test_a_right_to_left_text_without_arguments_gets_only_isolates_braces_and_all(text):
    tr = translator_with("ar", (None, "Quelle", text))
    shown = tr(Msg("Quelle"))
    assert digits_outside_isolates(shown) == ""
    assert shown.translate(MARKS) == text.translate(MARKS)


def catalog_messages(language: str):
    with open(LOCALES_DIR / language / "LC_MESSAGES" / "messages.po", "rb") as file:
        return [message for message in read_po(file) if message.id and message.string]


@pytest.mark.parametrize("language", ["ar", "fa", "ps", "ckb"])
@pytest.mark.parametrize("argument", [12, "0800 111 0 111", "Spich"])
def test_every_digit_of_every_right_to_left_catalog_text_is_isolated(language, argument):
    tr = translator(language)
    checked = 0
    for message in catalog_messages(language):
        names = set(re.findall(r"\{(\w+)\}", message.id))
        shown = tr(Msg(message.id, context=message.context, args=dict.fromkeys(names, argument)))
        assert digits_outside_isolates(shown) == "", (message.context, message.id, shown)
        checked += any(char.isdecimal() for char in shown)
    assert checked >= 10  # the crisis numbers, the examples of how to write an answer, …


# --- Names, numbers, dates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("de", "Deutsch"),
        ("en", "English"),
        ("ar", "العربية"),
        ("fa", "فارسی"),
        ("tr", "Türkçe"),
        ("uk", "Українська"),
        ("ru", "Русский"),
        ("kmr", "Kurdî (Kurmancî)"),
        ("ps", "پښتو"),
        ("ti", "ትግርኛ"),
        ("fr", "Français"),
        ("ro", "Română"),
        ("pl", "Polski"),
        ("bg", "Български"),
        ("sq", "Shqip"),
        ("ckb", "کوردی (سۆرانی)"),
    ],
)
def test_language_names_are_in_their_own_script(code, name):
    assert language_name(code) == name


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("ar", "Arabisch"),
        ("kmr", "Kurdisch (Kurmandschi)"),
        ("ckb", "Kurdisch (Sorani)"),
        ("pl", "Polnisch"),
        ("bg", "Bulgarisch"),
        ("sq", "Albanisch"),
    ],
)
def test_staff_read_language_names_in_german(code, name):
    assert german_name(code) == name


def test_unknown_language_name_is_its_code():
    assert language_name("xx-unknown") == "xx-unknown"


@pytest.mark.parametrize(
    ("language", "number", "expected"),
    [("de", 1234, "1.234"), ("en", 1234, "1,234"), ("de", 2.5, "2,5"), ("en", 2.5, "2.5")],
)
def test_numbers_are_formatted_per_language(language, number, expected):
    assert Translator(language).format_number(number) == expected


def test_dates_are_formatted_per_language():
    day = date(2026, 3, 5)
    assert Translator("de").format_date(day) == "5. März 2026"
    assert Translator("en").format_date(day) == "March 5, 2026"
    assert Translator("de").format_date(datetime(2026, 3, 5, 23, 0)) == "5. März 2026"
    assert Translator("de")(Msg("am {day}", args={"day": day})) == "am 5. März 2026"


def test_kurmanji_formats_with_the_kurdish_locale():
    assert Translator("kmr").format_number(1234) == "1.234"


# --- Choosing a language ------------------------------------------------------------------------

# The languages of config.yaml, in menu order.
ENABLED = ["de", "en", "ar", "fa", "tr", "uk", "ru", "kmr", "ckb", "ps", "ti", "fr", "ro"]
ENABLED += ["pl", "bg", "sq"]


@pytest.mark.parametrize(
    ("device", "enabled", "expected"),
    [
        ("uk", ENABLED, "uk"),
        ("fa-IR", ENABLED, "fa"),
        ("pt-br", ENABLED, None),
        ("pt-br", ["de", "pt-br"], "pt-br"),
        ("pt-BR", ["de", "pt"], "pt"),
        ("ku", ENABLED, "kmr"),
        ("ku-TR", ENABLED, "kmr"),
        ("ckb", ENABLED, "ckb"),
        ("pl-PL", ENABLED, "pl"),
        ("AR", ENABLED, "ar"),
        ("de_AT", ENABLED, "de"),
        ("ar", ["de", "en"], None),
        (None, ENABLED, None),
        ("", ENABLED, None),
        ("not a code!", ENABLED, None),
    ],
)
def test_best_language_matches_the_device_language(device, enabled, expected):
    assert best_language(device, enabled) == expected


@pytest.mark.parametrize(
    ("device", "enabled", "expected"),
    [
        ("ar", ["de", "en", "ar", "fa"], ["ar", "de", "en", "fa"]),
        ("fa-IR", ["de", "en", "ar", "fa"], ["fa", "de", "en", "ar"]),
        ("ja", ["ar", "de", "fa", "en"], ["de", "en", "ar", "fa"]),
        (None, ["tr", "de", "uk", "en"], ["de", "en", "tr", "uk"]),
        ("en-GB", ["de", "en", "uk"], ["en", "de", "uk"]),
        ("ku", ["de", "kmr", "en"], ["kmr", "de", "en"]),
        (None, ["de", "uk"], ["de", "uk"]),
    ],
)
def test_language_menu_puts_the_likeliest_language_first(device, enabled, expected):
    assert language_menu(device, enabled) == expected
