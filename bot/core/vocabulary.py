"""The words of KIM Intake: the codes of fields of action, priorities and case statuses, with the
German names staff read. Reports, case notices, broadcasts and the /stats reply take them from here.
"""

from __future__ import annotations

FIELD_NAMES = {
    "language": "Sprache",
    "education": "Bildung",
    "work": "Arbeit",
    "housing": "Wohnen",
    "health": "Gesundheit",
    "residence": "Aufenthalt",
    "social": "Soziales",
}
PRIORITY_NAMES = {"urgent": "dringend", "high": "hoch", "normal": "normal"}
CASE_STATUS_NAMES = {
    "new": "neu",
    "claimed": "übernommen",
    "closed": "abgeschlossen",
}

# How a coordinator picks the people of a broadcast.
SEGMENT_KINDS = {
    "languages": "Nach Sprache",
    "districts": "Nach Stadtteil",
    "statuses": "Nach Stand des Fragebogens",
    "fields": "Nach Handlungsfeld mit Bedarf",
}


def field_name(field: str) -> str:
    """The German name of a field of action; an unknown code as it is."""
    return FIELD_NAMES.get(field, field)


def priority_name(priority: str) -> str:
    """The German name of a priority; an unknown code as it is."""
    return PRIORITY_NAMES.get(priority, priority)
