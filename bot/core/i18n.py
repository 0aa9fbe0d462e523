"""Translation at the edge: messages in German source text, translated and formatted per language.

Catalogs are the `.po` files under bot/locales/; each is compiled in memory once per process.
"""

from __future__ import annotations

import difflib
import gettext
import io
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _babel_format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

log = logging.getLogger(__name__)

SOURCE_LANGUAGE = "de"
LOCALES_DIR = Path(__file__).parents[1] / "locales"
DOMAIN = "messages"

LRI = "\u2066"  # LEFT-TO-RIGHT ISOLATE
RLI = "\u2067"  # RIGHT-TO-LEFT ISOLATE
FSI = "\u2068"  # FIRST STRONG ISOLATE
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE
RLM = "\u200f"  # RIGHT-TO-LEFT MARK
# A number in a text: digits (any script) in groups joined by one space, slash, hyphen, dot,
# comma or colon, perhaps after a +: "0800 111 0 111", "+49 2241 900-0", "03/2021", "10:30".
# In right-to-left text the bidi algorithm reorders such groups ("111 0 111 0800") unless the
# number stands in an isolate of its own.
_NUMBER = re.compile(r"\+?\d+(?:[ \u00a0\u202f/.,:\u066b\u066c\-\u2010\u2011]\d+)*")
# A number a translator isolated already (LRI … PDI around it), or one still bare.
_ISOLATED_OR_NUMBER = re.compile(f"({LRI}[^{LRI}{RLI}{FSI}{PDI}]*{PDI})|{_NUMBER.pattern}")
# Placeholders and escaped braces of a format string: what the number isolation leaves alone.
_FORMAT_FIELD = re.compile(r"(\{\{|\}\}|\{[^{}]*\})")

# Codes we use that CLDR knows under another code (Babel locale for numbers, dates, direction).
_BABEL_CODES = {"kmr": "ku"}
# Device language codes (Telegram's language_code) that mean one of our codes.
_DEVICE_ALIASES = {"ku": "kmr"}
# Own-script names CLDR lacks or spells in a way that reads oddly on a button.
_NAMES = {"kmr": "Kurdî (Kurmancî)", "ckb": "کوردی (سۆرانی)"}
# CLDR's names of the languages config.yaml offers, in their own scripts: the language menu needs
# no CLDR data of each language (about 1 MB each). A test keeps them equal to CLDR's.
_OWN_NAMES = {
    "de": "Deutsch", "en": "English", "ar": "العربية", "fa": "فارسی", "tr": "Türkçe",
    "uk": "Українська", "ru": "Русский", "ps": "پښتو", "ti": "ትግርኛ", "fr": "Français",
    "ro": "Română", "pl": "Polski", "bg": "Български", "sq": "Shqip",
}  # fmt: skip
# German names for staff-facing texts, where CLDR's reads oddly.
_GERMAN_NAMES = {"kmr": "Kurdisch (Kurmandschi)", "ckb": "Kurdisch (Sorani)"}
_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
# CLDR's languages written right to left: a translator knows its direction without loading the
# language's CLDR data (about 1 MB each), which only numbers and dates need.
_RIGHT_TO_LEFT_CODES = "apc ar ary bal bgn bqi brh ckb dv fa he ks lrc mzn nqo ps rhg sd sdh skr"
_RIGHT_TO_LEFT_CODES += " syr trw ug ur yi"
_RIGHT_TO_LEFT = frozenset(_RIGHT_TO_LEFT_CODES.split())
# CLDR's codes that name no language.
_NOT_LANGUAGES = {"und", "mul", "mis", "zxx"}


def N_(text: str) -> str:
    """Mark a source text for extraction; it is translated when shown, not here."""
    return text


@dataclass(frozen=True)
class Msg:
    """A text to translate later: German source, optional gettext context, `{name}` arguments.

    Argument values may be Msg (translated too), sequences of labels (joined), numbers and
    dates (formatted for the language) or str (inserted as they are).
    """

    text: str
    context: str | None = None
    args: Mapping[str, object] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.text, self.context, tuple(self.args)))


class Translator:
    """Everything language-specific for one language: texts, numbers, dates, direction."""

    def __init__(self, language: str, translations: gettext.NullTranslations | None = None):
        self.language = language
        self.translations = translations or gettext.NullTranslations()
        self.rtl = right_to_left(language)

    @cached_property
    def locale(self) -> Locale:
        return babel_locale(self.language)

    def __repr__(self) -> str:
        return f"Translator({self.language!r})"

    def gettext(self, text: str) -> str:
        return self.translations.gettext(text)

    def pgettext(self, context: str, text: str) -> str:
        return self.translations.pgettext(context, text)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def __call__(self, message: Msg | str) -> str:
        """The message in this language, its arguments inserted."""
        text = self._render(message)
        # A text that begins with an isolate has no strong character at its start; the mark
        # makes the paragraph right-to-left as the rest of the sentence.
        if self.rtl and text.startswith((LRI, FSI)):
            text = RLM + text
        return text

    def _render(self, message: Msg | str) -> str:
        if isinstance(message, str):
            return self.isolate_numbers(self.gettext(message))
        if message.context is None:
            translated = self.gettext(message.text)
        else:
            translated = self.pgettext(message.context, message.text)
        if not message.args:
            return self.isolate_numbers(translated)
        values = {name: self._insert(value) for name, value in message.args.items()}
        try:
            return self._isolate_template_numbers(translated).format_map(values)
        except (KeyError, IndexError, ValueError):
            # A broken placeholder in a translation must not break the conversation.
            log.warning("bad placeholder in %s translation of %r", self.language, message.text)
            return self._isolate_template_numbers(message.text).format_map(values)

    def _insert(self, value: object) -> str:
        """An argument as text, isolated for right-to-left languages; sequences item by item."""
        if isinstance(value, list | tuple):
            separator = "، " if self.rtl else ", "
            return separator.join(self._insert(item) for item in value)
        match value:
            case Msg():
                text = self._render(value)
            case str():
                text = value
            case bool():
                text = str(value)
            case int() | float() | Decimal():
                text = self.format_number(value)
            case date():
                text = self.format_date(value)
            case _:
                text = str(value)
        return self.isolate(text)

    def isolate(self, text: str) -> str:
        """Text inserted into a right-to-left sentence keeps its own order (numbers, Latin)."""
        return f"{FSI}{text}{PDI}" if self.rtl and text else text

    def isolate_numbers(self, text: str) -> str:
        """Every number of a right-to-left text in a left-to-right isolate, so that a phone
        number reads in its own order; other languages' texts stay as they are."""
        if not self.rtl:
            return text
        return _ISOLATED_OR_NUMBER.sub(
            lambda found: found[0] if found[1] else f"{LRI}{found[0]}{PDI}", text
        )

    def _isolate_template_numbers(self, template: str) -> str:
        """Numbers in a format string's own words isolated; its placeholders are left as they
        are, since the arguments that fill them come isolated already."""
        if not self.rtl:
            return template
        pieces = _FORMAT_FIELD.split(template)
        return "".join(p if i % 2 else self.isolate_numbers(p) for i, p in enumerate(pieces))

    def format_number(self, value: int | float | Decimal) -> str:
        return format_decimal(value, locale=self.locale)

    def format_date(self, value: date, format: str = "long") -> str:
        if isinstance(value, datetime):
            value = value.date()
        return _babel_format_date(value, format=format, locale=self.locale)


def bare_numbers(template: str) -> list[str]:
    """The numbers of a translation that stand in no left-to-right isolate of their own (its
    placeholders aside): in a right-to-left catalog each should read LRI number PDI, whole (a
    number split over two isolates reads in the wrong order as well)."""
    pieces = _FORMAT_FIELD.split(template)
    text = "".join("\ufffc" if i % 2 else piece for i, piece in enumerate(pieces))
    plain: list[str] = []
    isolate_of: list[int | None] = []  # for each char of plain: the LRI isolate it stands in
    opened: list[int | None] = []
    for index, char in enumerate(text):
        if char in (LRI, FSI, RLI):
            opened.append(index if char == LRI else None)
        elif char == PDI:
            opened = opened[:-1]
        else:
            plain.append(char)
            isolate_of.append(opened[-1] if opened else None)
    bare = []
    for number in _NUMBER.finditer("".join(plain)):
        isolates = set(isolate_of[number.start() : number.end()])
        if len(isolates) != 1 or None in isolates:
            bare.append(number[0])
    return bare


def babel_locale(language: str) -> Locale:
    """The CLDR locale for one of our language codes (English for codes CLDR does not know)."""
    code = _BABEL_CODES.get(language, language).replace("-", "_")
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def right_to_left(language: str) -> bool:
    code = _BABEL_CODES.get(language, language)
    if "-" in code:  # a region or a script: CLDR knows
        return babel_locale(language).text_direction == "rtl"
    return code in _RIGHT_TO_LEFT


def load_translations(language: str, locales_dir: Path = LOCALES_DIR) -> gettext.NullTranslations:
    """The language's `.po` compiled in memory; identity if there is no catalog."""
    path = locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        return compile_translations(read_po(po, domain=DOMAIN))


def compile_translations(catalog: Catalog) -> gettext.GNUTranslations:
    """A catalog compiled in memory; fuzzy and empty entries fall back to the German text."""
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@cache
def translator(language: str) -> Translator:
    """The translator for a language, built once per process."""
    return Translator(language, load_translations(language))


def _locale_of(code: str) -> Locale | None:
    """Babel's locale of a language code, or None for a code Babel does not know."""
    try:
        return Locale.parse(_BABEL_CODES.get(code, code).replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None


@cache
def language_name(code: str) -> str:
    """The language's name in its own script, as on a language button: "Deutsch", "العربية"."""
    return _NAMES.get(code) or _OWN_NAMES.get(code) or cldr_language_name(code)


def cldr_language_name(code: str) -> str:
    """CLDR's name of the language in its own script; loads that language's CLDR data."""
    locale = _locale_of(code)
    if locale is None:
        return code
    name = locale.get_display_name(locale) or code
    return name[:1].upper() + name[1:]


@cache
def german_name(code: str) -> str:
    """The language's name in German, for caseworkers and coordinators: "Arabisch"."""
    if code in _GERMAN_NAMES:
        return _GERMAN_NAMES[code]
    locale = _locale_of(code)
    return code if locale is None else locale.get_display_name("de") or code


def shipped_languages(locales_dir: Path = LOCALES_DIR) -> list[str]:
    """The languages that have a catalog under bot/locales/."""
    return sorted(p.parent.parent.name for p in locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


@cache
def _cldr_languages() -> dict[str, str]:
    """CLDR's language codes and their English names: {"sw": "Swahili", …}."""
    names = Locale.parse("en").languages
    return {code: name for code, name in names.items() if "_" not in code} | {
        code: "Kurdish (Kurmanji)" for code in _BABEL_CODES
    }


def english_name(code: str) -> str | None:
    """The English name of a language code CLDR knows (or we map), else None."""
    if not _CODE.match(code) or code in _NOT_LANGUAGES:
        return None
    return _cldr_languages().get(code) or _cldr_languages().get(code.split("-")[0])


def similar_languages(word: str, locales_dir: Path = LOCALES_DIR) -> list[str]:
    """Up to three codes a mistyped code or a language's English name probably meant; codes
    with a catalog come first ("ukr" → uk, "kurdish" → ckb, kmr, "pt_BR" → pt-br)."""
    word = word.strip().lower().replace("_", "-")
    shipped = shipped_languages(locales_dir)
    names = _cldr_languages()
    codes = [code for code in names if code not in _NOT_LANGUAGES]
    by_name: dict[str, str] = {}
    for code in [*shipped, *codes]:
        own = (language_name(code), german_name(code)) if code in shipped else ()
        for name in (names.get(code, ""), *own):
            for key in (name.lower(), *re.findall(r"[a-z]{4,}", name.lower())):
                by_name.setdefault(key, code)
    exact = [word] if english_name(word) or word in shipped else []
    like_code = [
        *difflib.get_close_matches(word, shipped, n=3, cutoff=0.5),
        *difflib.get_close_matches(word, codes, n=3, cutoff=0.6),
    ]
    like_name = [by_name[key] for key in difflib.get_close_matches(word, by_name, n=3, cutoff=0.7)]
    ordered = exact + (like_name + like_code if len(word) > 3 else like_code + like_name)
    return list(dict.fromkeys(ordered))[:3]


def best_language(device_code: str | None, enabled: Sequence[str]) -> str | None:
    """The enabled language matching a device's language code ("pt-br", "fa-IR", "ku")."""
    if not device_code:
        return None
    code = device_code.strip().lower().replace("_", "-")
    if not _CODE.match(code):
        return None
    primary = code.split("-")[0]
    by_code = {language.lower(): language for language in enabled}
    for candidate in (code, primary, _DEVICE_ALIASES.get(primary)):
        if candidate in by_code:
            return by_code[candidate]
    return None


def language_menu(device_code: str | None, enabled: Sequence[str]) -> list[str]:
    """Languages in menu order: the device's first if enabled, else German and English first."""
    device = best_language(device_code, enabled)
    first = [device] if device else [code for code in ("de", "en") if code in enabled]
    return first + [code for code in enabled if code not in first]
