"""What broadcasts say: prepared messages, each language's text, and German texts for coordinators
(status names, the progress message, the final report)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.config import Settings
from bot.core.i18n import N_, Msg, translator
from bot.core.vocabulary import BROADCAST_STATUS_NAMES
from bot.ui.model import Screen
from storage.types import BroadcastStatus

if TYPE_CHECKING:
    from bot.broadcasts.service import BroadcastView, Draft
    from storage.broadcasts import Broadcast

    Written = Draft | Broadcast  # what a draft or a stored broadcast says

# Prepared messages: translated in the catalogs, so each person reads them in their language.
PREPARED: dict[str, str] = {
    "info_event": N_(
        "Einladung: Das Kommunale Integrationsmanagement {city} lädt Sie zu einer "
        "Informationsveranstaltung ein. Die Teilnahme ist kostenlos. Sie können gern Familie "
        "oder Freunde mitbringen."
    ),
    "office_hours": N_(
        "Offene Sprechstunde: Das Kommunale Integrationsmanagement {city} berät Sie ohne "
        "Termin. Bringen Sie Ihre Fragen und Ihre Unterlagen mit."
    ),
    "questionnaire": N_(
        "Bitte helfen Sie uns: Beantworten Sie unseren kurzen Fragebogen. So kann die Stadt "
        "{city} Beratung dort anbieten, wo sie gebraucht wird. Schreiben Sie dazu /start."
    ),
}
PREPARED_NAMES = {
    "info_event": "Informationsveranstaltung",
    "office_hours": "Offene Sprechstunde",
    "questionnaire": "Erinnerung an den Fragebogen",
}
STOP_HINT = N_("Keine Ankündigungen mehr? Schreiben Sie /stop.")
# For people whose language has no text: the German text, then this (English is widely read).
ENGLISH_LINE = "This is a message from the integration management of {city}, in German only."
TEXT_MAX = 3000  # leaves room for the English line and the /stop hint in Telegram's 4096


def text_for(written: Written, language: str, city: str) -> str:
    """The text a person with this language gets; German with an English line if none."""
    args = {"city": city}
    texts = dict(written.texts)
    tr = translator(language)
    if written.template is not None:
        source = PREPARED[written.template]
        message = Msg(source, args=args)
        body = tr(message)
        if language != "de" and tr.gettext(source) == source:
            english = translator("en")
            translated = english.gettext(source) != source
            line = english(message) if translated else ENGLISH_LINE.format(**args)
            body = f"{translator('de')(message)}\n\n{line}"
        details = written.text_de.strip()
        return f"{body}\n\n{details}" if details else body
    if language in texts:
        return texts[language]
    if language == "de":
        return written.text_de
    english_text = texts.get("en", "")
    if not english_text or len(written.text_de) + len(english_text) > TEXT_MAX:
        english_text = ENGLISH_LINE.format(**args)
    return f"{written.text_de}\n\n{english_text}"


def screen_for(written: Written, language: str, city: str) -> Screen:
    return Screen((text_for(written, language, city), Msg(STOP_HINT)))


def summary(written: Written) -> str:
    """The start of the German text, or the prepared message's name."""
    if written.template:
        return PREPARED_NAMES.get(written.template, written.template)
    text = written.text_de.replace("\n", " ")
    return text if len(text) <= 60 else text[:59] + "…"


# --- In German, for coordinators (Telegram and the command line) ---------------------------

TIME_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%y %H:%M", "%Y-%m-%d %H:%M")


def parse_time(text: str, settings: Settings) -> datetime | None:
    """A date and time as coordinators write it, in the city's time zone."""
    for pattern in TIME_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).replace(tzinfo=settings.zone)
        except ValueError:
            continue
    return None


def status_line(view: BroadcastView, settings: Settings) -> str:
    counts = view.counts
    when = ""
    if view.status == BroadcastStatus.SCHEDULED and view.scheduled_at is not None:
        when = " für " + view.scheduled_at.astimezone(settings.zone).strftime("%d.%m.%Y %H:%M")
    status = BROADCAST_STATUS_NAMES.get(view.status, view.status)
    return (
        f"#{view.id} {status}{when}: „{view.summary}“ an "
        f"{view.segment.describe(settings)} – {counts.sent}/{counts.total} gesendet"
    )


def progress_text(view: BroadcastView, settings: Settings) -> str:
    """The one progress message of a broadcast, in German."""
    c = view.counts
    head = f"Rundschreiben #{view.id} „{view.summary}“ an {view.segment.describe(settings)}"
    numbers = f"{c.sent} von {c.total} gesendet, {c.blocked} blockiert, {c.failed} fehlgeschlagen"
    if view.status == BroadcastStatus.SCHEDULED and view.scheduled_at is not None:
        at = view.scheduled_at.astimezone(settings.zone).strftime("%d.%m.%Y um %H:%M")
        return f"{head}\nGeplant für {at} (Stopp: /broadcasts)."
    if view.status == BroadcastStatus.MISSED:
        return f"{head}\nNicht gesendet: Der Bot lief zum geplanten Zeitpunkt nicht."
    if view.status == BroadcastStatus.SENDING:
        return f"{head}\nWird gesendet: {numbers}."
    label = "Fertig" if view.status == BroadcastStatus.DONE else "Gestoppt"
    return f"{head}\n{label}: {numbers}."


def report_text(view: BroadcastView) -> str:
    c = view.counts
    lines = [f"Bericht zu Rundschreiben #{view.id}:", f"• gesendet: {c.sent} von {c.total}"]
    if c.blocked:
        lines.append(f"• blockiert: {c.blocked} (haben den Bot gesperrt und bekommen nichts mehr)")
    if c.failed:
        lines.append(f"• fehlgeschlagen: {c.failed} (auch nach mehreren Versuchen)")
    if c.cancelled:
        lines.append(f"• nicht gesendet: {c.cancelled} (gestoppt, /stop oder Daten gelöscht)")
    if view.started_at and view.finished_at:
        seconds = int((view.finished_at - view.started_at).total_seconds())
        lines.append(f"• Dauer: {seconds // 60} min {seconds % 60} s")
    return "\n".join(lines)
