"""What the web chat says beyond the questionnaire's own texts (respondents' languages)."""

from __future__ import annotations

from bot.core.i18n import N_

TITLE = N_("Fragebogen: Beratung und Hilfe in {city}")
YOUR_CODE = N_(
    "Ihr Code zum Weitermachen: {code}\n"
    "Bitte schreiben Sie ihn auf. Mit diesem Code können Sie an einem anderen Tag oder auf "
    "einem anderen Gerät weitermachen."
)
NEW_CODE = N_("Neuer Code zum Weitermachen")
CODE_AFTER_CONSENT = N_("Einen Code bekommen Sie, sobald Sie dem Datenschutz zugestimmt haben.")
RESUME_QUESTION = N_("Sie haben schon einen Code? Dann hier eingeben:")
RESUME_BUTTON = N_("Weitermachen")
RESUME_WRONG = N_("Dieser Code passt nicht. Bitte prüfen Sie ihn und versuchen Sie es noch einmal.")
TOO_MANY = N_("Zu viele Versuche. Bitte warten Sie ein paar Minuten.")
ANSWER = N_("Ihre Antwort")
SEND = N_("Senden")
FROM_CASEWORKER = N_("Nachricht vom Fallmanagement:")
ANSWER_CASEWORKER = N_("Ihre Antwort an das Fallmanagement")
SENT_TO_CASEWORKER = N_("Ihre Nachricht ist beim Fallmanagement angekommen.")
CALL_ME = N_("Lieber anrufen? Ihre Telefonnummer:")
CALL_ME_BUTTON = N_("Bitte rufen Sie mich an")
CALL_ME_SENT = N_("Danke. Das Fallmanagement ruft Sie an.")
CALL_ME_WRONG = N_(
    "Das sieht nicht wie eine Telefonnummer aus. Bitte nur Ziffern, Leerzeichen und +."
)
MENU_TITLE = N_("Mehr")
# What the caseworker reads when the person asks for a call (German, staff).
CALL_REQUEST = "Die Person bittet um einen Anruf: {phone}"
# One line per language on the printed poster (kim-intake poster).
INVITATION = N_(
    "Ihre Meinung zählt: Sagen Sie uns, welche Beratung Sie brauchen – in Ihrer Sprache."
)
