"""What respondents read in the intake: hints, reasons, help, commands and the privacy notice."""

from __future__ import annotations

from bot.core.i18n import N_

REASONS = {
    "empty": N_("Die Antwort ist leer. Bitte schreiben Sie etwas."),
    "not_a_number": N_("Bitte schreiben Sie nur eine Zahl, zum Beispiel 3."),
    "too_small": N_("Die Zahl ist zu klein. Bitte schreiben Sie eine Zahl von {min} bis {max}."),
    "too_large": N_("Die Zahl ist zu groß. Bitte schreiben Sie eine Zahl von {min} bis {max}."),
    "not_a_year": N_("Bitte schreiben Sie ein Jahr mit vier Ziffern, zum Beispiel 2019."),
    "year_in_future": N_("Dieses Jahr liegt in der Zukunft. Bitte prüfen Sie die Zahl."),
    "year_too_early": N_("Dieses Jahr ist zu früh. Bitte prüfen Sie die Zahl."),
    "not_a_month_year": N_("Bitte schreiben Sie Monat und Jahr so: 03/2021."),
    "too_long": N_("Der Text ist zu lang. Bitte schreiben Sie höchstens {max_length} Zeichen."),
    "unknown_choice": N_("Diese Antwort gibt es nicht. Bitte tippen Sie auf eine Taste."),
    "nothing_selected": N_("Bitte wählen Sie mindestens eine Antwort."),
    "use_buttons": N_("Bitte tippen Sie auf eine der Tasten unter der Frage."),
    "not_skippable": N_("Diese Frage kann man nicht überspringen."),
    "not_a_phone": N_(
        "Das ist keine Telefonnummer. Bitte schreiben Sie nur die Nummer mit Ziffern, zum "
        "Beispiel 0151 23456789 oder +49 151 23456789."
    ),
    "control_character": N_(
        "In Ihrer Antwort ist ein unsichtbares Zeichen, das ich nicht speichern kann. Bitte "
        "schreiben Sie die Antwort noch einmal neu."
    ),
}
STALE = N_("Diese Taste gilt nicht mehr. Bitte nutzen Sie die neueste Nachricht.")
CHOOSE_LANGUAGE = N_("Bitte wählen Sie Ihre Sprache.")
WELCOME_BACK = N_("Willkommen zurück! Hier geht es weiter.")
ALREADY_DONE = N_(
    "Sie haben den Fragebogen schon beantwortet. Vielen Dank!\n"
    "/mydata zeigt Ihre Antworten. /restart beginnt den Fragebogen neu."
)
THANKS = N_("Danke! Ihre Antworten sind gespeichert.")
NEXT_STEPS = N_(
    "Die Stadt nutzt die Antworten, um Beratung dort anzubieten, wo sie gebraucht wird."
)
CASE_MANAGER_WILL_CALL = N_(
    "Eine Fallmanagerin oder ein Fallmanager des Kommunalen Integrationsmanagements "
    "meldet sich bald bei Ihnen."
)

HELP = N_(
    "So funktioniert es: Ich stelle Ihnen Fragen, eine nach der anderen. "
    "Tippen Sie auf eine Antwort oder schreiben Sie sie. "
    "Mit „Zurück“ ändern Sie die letzte Antwort. "
    "Sie können jederzeit aufhören und später weitermachen."
)
COMMANDS = N_(
    "/start – weitermachen\n"
    "/language – Sprache ändern\n"
    "/restart – neu beginnen\n"
    "/privacy – Datenschutz\n"
    "/offers – passende Angebote ansehen\n"
    "/mydata – meine Daten ansehen\n"
    "/delete – alle meine Daten löschen\n"
    "/stop – keine Erinnerungen mehr"
)
# The command menu: Telegram's command list, the web chat's buttons below the question.
MENU = (
    ("start", N_("Fragebogen beginnen oder weitermachen")),
    ("help", N_("Hilfe")),
    ("language", N_("Sprache ändern")),
    ("restart", N_("Fragebogen neu beginnen")),
    ("privacy", N_("Datenschutz")),
    ("offers", N_("Passende Angebote ansehen")),
    ("mydata", N_("Meine Daten ansehen")),
    ("delete", N_("Alle meine Daten löschen")),
    ("stop", N_("Keine Erinnerungen mehr")),
)
DECLINED = N_(
    "Schade. Wir haben nichts über Sie gespeichert. "
    "Wenn Sie es sich anders überlegen, schreiben Sie einfach /start."
)

PRIVACY_TITLE = N_("Datenschutz — bitte kurz lesen")
PRIVACY = (
    N_(
        "• Warum: Die Stadt {city} möchte wissen, welche Beratung Menschen brauchen. "
        "Die Teilnahme ist freiwillig."
    ),
    N_(
        "• Was wir speichern: Ihre Antworten, Ihre Sprache, Ihren Vornamen und Ihre "
        "Telegram-Nummer, damit wir Ihnen antworten können."
    ),
    N_(
        "• Wer es sieht: Nur das Kommunale Integrationsmanagement. Wenn Sie Beratung "
        "möchten, sieht Ihre Fallmanagerin oder Ihr Fallmanager Ihre Antworten. "
        "Alle anderen sehen nur Zahlen ohne Namen."
    ),
    N_(
        "• Löschen: Mit /mydata sehen Sie Ihre Daten, mit /delete löschen Sie alles. "
        "Nach {days} Tagen löschen wir Ihre Antworten von selbst."
    ),
)
PRIVACY_CONTROLLER = N_("Verantwortlich: {controller}. Fragen zum Datenschutz: {contact}")
