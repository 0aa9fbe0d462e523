"""What the web chat says beyond the questionnaire's own texts (respondents' languages)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.i18n import N_


@dataclass(frozen=True)
class Form:
    """A form of the page with one field: the field's label, its button, and the notes after it
    was sent (accepted, or refused as not valid)."""

    label: str
    button: str
    accepted: str = ""
    refused: str = ""


TITLE = N_("Fragebogen: Beratung und Hilfe in {city}")
YOUR_CODE = N_(
    "Ihr Code zum Weitermachen: {code}\n"
    "Bitte schreiben Sie ihn auf. Mit diesem Code können Sie an einem anderen Tag oder auf "
    "einem anderen Gerät weitermachen."
)
NEW_CODE = N_("Neuer Code zum Weitermachen")
CODE_AFTER_CONSENT = N_("Einen Code bekommen Sie, sobald Sie dem Datenschutz zugestimmt haben.")
RESUME = Form(
    label=N_("Sie haben schon einen Code? Dann hier eingeben:"),
    button=N_("Weitermachen"),
    refused=N_("Dieser Code passt nicht. Bitte prüfen Sie ihn und versuchen Sie es noch einmal."),
)
TOO_MANY = N_("Zu viele Versuche. Bitte warten Sie ein paar Minuten.")
ANSWER = Form(label=N_("Ihre Antwort"), button=N_("Senden"))
FROM_CASEWORKER = N_("Nachricht vom Fallmanagement:")
REPLY = Form(
    label=N_("Ihre Antwort an das Fallmanagement"),
    button=ANSWER.button,
    accepted=N_("Ihre Nachricht ist beim Fallmanagement angekommen."),
)
CALL_ME = Form(
    label=N_("Lieber anrufen? Ihre Telefonnummer:"),
    button=N_("Bitte rufen Sie mich an"),
    accepted=N_("Danke. Das Fallmanagement ruft Sie an."),
    refused=N_("Das sieht nicht wie eine Telefonnummer aus. Bitte nur Ziffern, Leerzeichen und +."),
)
MENU_TITLE = N_("Mehr")
# What the caseworker reads when the person asks for a call (German, staff).
CALL_REQUEST = "Die Person bittet um einen Anruf: {phone}"
# One line per language on the printed poster (kim-intake poster).
INVITATION = N_(
    "Ihre Meinung zählt: Sagen Sie uns, welche Beratung Sie brauchen – in Ihrer Sprache."
)
