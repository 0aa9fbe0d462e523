"""The words of KIM Intake: codes with the German names staff read. The fields of action are
the deployment's (config.yaml `fields:`); the seven here are Troisdorf's, the default.
"""

from __future__ import annotations

DEFAULT_FIELD_NAMES = {
    "language": "Sprache",
    "education": "Bildung",
    "work": "Arbeit",
    "housing": "Wohnen",
    "health": "Gesundheit",
    "residence": "Aufenthalt",
    "social": "Soziales",
}
PRIORITY_NAMES = {"urgent": "dringend", "high": "hoch", "normal": "normal"}
# How a caseworker closes a case.
OUTCOMES = {
    "counselled": "beraten",
    "referred": "weitervermittelt",
    "no_need": "kein Bedarf mehr",
    "unreachable": "nicht erreichbar",
    "other": "sonstiges",
}
CASE_STATUS_NAMES = {
    "new": "neu",
    "claimed": "übernommen",
    "closed": "abgeschlossen",
}

# Broadcasts: where one stands (storage.types.BroadcastStatus), the questionnaire status a segment
# picks people by, and the kinds of segment a coordinator chooses from.
BROADCAST_STATUS_NAMES = {
    "scheduled": "geplant",
    "sending": "läuft",
    "done": "fertig",
    "cancelled": "gestoppt",
    "missed": "verpasst",
}
QUESTIONNAIRE_STATUS_NAMES = {
    "not_started": "nicht begonnen",
    "unfinished": "angefangen, nicht fertig",
    "finished": "fertig",
}
SEGMENT_KIND_NAMES = {
    "languages": "Nach Sprache",
    "districts": "Nach Stadtteil",
    "statuses": "Nach Stand des Fragebogens",
    "fields": "Nach Handlungsfeld mit Bedarf",
}

# The directory (bot/offers): kinds of provider (storage.types.OrganisationKind) and offer status.
ORGANISATION_KIND_NAMES = {
    "mso": "Migrantenselbstorganisation",
    "welfare": "Wohlfahrtsverband",
    "independent": "freier Träger",
    "municipal": "kommunale Einrichtung",
    "other": "sonstige",
}
OFFER_STATUS_NAMES = {"active": "aktiv", "inactive": "inaktiv"}


def priority_name(priority: str) -> str:
    """The German name of a priority; an unknown code as it is."""
    return PRIORITY_NAMES.get(priority, priority)
