"""Reading one spreadsheet cell of the directory: texts, numbers, dates, languages, and codes
given by id or German name, with a German reason (and a likely meant value) when it is wrong."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from bot.core.i18n import english_name, german_name, similar_languages

AGE_MAX = 120
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y")


class Bad(Exception):
    """A cell that cannot be read; the message says why, in German."""


def as_text(cell: Any) -> str:
    """A cell as text: empty for nothing, whole numbers without ".0", the guard "'" that keeps a
    spreadsheet from running a text as a formula taken off again."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    text = str(cell).strip()
    if text[:1] == "'" and text[1:2] in FORMULA_START:
        return text[1:]
    return text


def suggest(text: str, names: Iterable[str]) -> str:
    """ " (meinten Sie 'X'?)" for the name most like `text`, or nothing."""
    by_fold = {name.casefold(): name for name in names}
    close = difflib.get_close_matches(text.casefold(), by_fold, n=1, cutoff=0.6)
    return f" (meinten Sie {by_fold[close[0]]!r}?)" if close else ""


class Lookup:
    """Codes given by id or by one of their names, case ignored."""

    def __init__(
        self, what: str, names: Mapping[str, Iterable[str | None]], article: str = "kein"
    ) -> None:
        self.what = what
        self.article = article
        self.shown = {code: next((n for n in given if n), code) for code, given in names.items()}
        self.known: dict[str, str] = {}
        for code, given in names.items():
            for name in (code, *given):
                if name:
                    self.known.setdefault(name.casefold(), code)

    def one(self, text: str) -> str:
        code = self.known.get(" ".join(text.split()).casefold())
        if code is None:
            hint = suggest(text, self.shown.values()) or suggest(text, self.shown)
            known = "" if hint else f" (bekannt: {', '.join(self.shown.values())})"
            raise Bad(f"{text!r} ist {self.article} {self.what}{hint or known}.")
        return code

    def many(self, text: str) -> frozenset[str]:
        """A list separated by ";"; every wrong item is named."""
        found, bad = set(), []
        for part in (p.strip() for p in text.split(";")):
            if not part:
                continue
            try:
                found.add(self.one(part))
            except Bad as error:
                bad.append(str(error).rstrip("."))
        if bad:
            raise Bad("; ".join(bad) + ".")
        return frozenset(found)


def parse_age(text: str) -> int | None:
    if not text:
        return None
    try:
        age = int(text)
    except ValueError:
        raise Bad(f"{text!r} ist keine ganze Zahl.") from None
    if not 0 <= age <= AGE_MAX:
        raise Bad(f"{age} liegt nicht zwischen 0 und {AGE_MAX}.")
    return age


def parse_date(cell: Any) -> date | None:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = as_text(cell)
    if not text:
        return None
    for form in DATE_FORMATS:
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    raise Bad(f"{text!r} ist kein Datum (TT.MM.JJJJ).")


def parse_languages(text: str) -> frozenset[str]:
    """Codes (de, ar, uk) or German or English names, separated by ";" or ","."""
    found, bad = set(), []
    for part in (p.strip() for p in text.replace(",", ";").split(";")):
        if not part:
            continue
        code = _language(part)
        if code is None:
            likely = similar_languages(part)
            hint = f" (meinten Sie {likely[0]!r}?)" if likely else ""
            bad.append(f"{part!r} ist keine Sprache{hint}")
        else:
            found.add(code)
    if bad:
        raise Bad("; ".join(bad) + ".")
    return frozenset(found)


def _language(word: str) -> str | None:
    folded = word.casefold()
    if english_name(folded) and len(folded) <= 3:
        return folded
    for code in similar_languages(folded):
        if folded in (german_name(code).casefold(), (english_name(code) or "").casefold()):
            return code
    return None
