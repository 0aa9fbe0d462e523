"""The /broadcast dialog as declared steps: what each step asks, what it accepts, where it goes.

Channel-neutral: the Telegram router (bot/telegram/routers/broadcasts.py) registers its handlers
from STEPS and BUTTONS and checks input here; the draft itself is kept in the dialog store.

    /broadcast
        │
        ▼
      text ──prepared──▶ details ─────────────┐
        │ typed German text                   │ typed details or "segment"
        ▼                                     │
      languages ◀──typed text── language_text │
        │   └─"lang"─────────────▶┘           │
        │ "segment"                           │
        ▼                                     ▼
      segment ◀───────────────────────────────┘
        │ "kind" / "value" / "chosen"   ▲
        ▼                               │ "segment" (change the people)
      preview ──────────────────────────┘
        │ "now": sent             │ "later"
        ▼                         ▼
      (done)                     at ──typed date and time──▶ (done, scheduled)

"cancel" ends the dialog from every step; a button pressed in another step is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.broadcasts.audience import STATUSES, Segment
from bot.broadcasts.service import Draft
from bot.broadcasts.texts import PREPARED_NAMES, TEXT_MAX
from bot.core.config import Settings
from bot.core.i18n import language_name
from bot.core.vocabulary import QUESTIONNAIRE_STATUS_NAMES, SEGMENT_KIND_NAMES


class Step(StrEnum):
    """The steps of the dialog; stored as the dialog's state."""

    text = "text"
    details = "details"
    languages = "languages"
    language_text = "language_text"
    segment = "segment"
    preview = "preview"
    at = "at"


@dataclass(frozen=True)
class StepSpec:
    asks: str  # what the step waits for, in words
    buttons: frozenset[str]  # the buttons this step accepts
    takes_text: bool = False  # whether it waits for typed text
    typed: Step | None = None  # where typed text leads (None: it ends the dialog or is refused)


DIALOG = "Compose"  # the name the stored states carry
SEGMENT_KINDS = tuple(SEGMENT_KIND_NAMES)  # languages, districts, statuses, fields

# The one table of the dialog. A typed text in `at` ends it (scheduled); "now" ends it (sent).
STEPS: dict[Step, StepSpec] = {
    Step.text: StepSpec(
        "German text or a prepared message",
        frozenset({"prepared", "cancel"}),
        takes_text=True,
        typed=Step.languages,
    ),
    Step.details: StepSpec(
        "details for the prepared message",
        frozenset({"segment", "cancel"}),
        takes_text=True,
        typed=Step.segment,
    ),
    Step.languages: StepSpec(
        "texts in more languages (optional)", frozenset({"lang", "segment", "cancel"})
    ),
    Step.language_text: StepSpec(
        "the text in the chosen language",
        frozenset({"cancel"}),
        takes_text=True,
        typed=Step.languages,
    ),
    Step.segment: StepSpec("who gets it", frozenset({"kind", "value", "chosen", "cancel"})),
    Step.preview: StepSpec("send now or later", frozenset({"now", "later", "segment", "cancel"})),
    Step.at: StepSpec("date and time (scheduled then)", frozenset({"cancel"}), takes_text=True),
}

# Where a pressed button leads (None: it stays in its step or ends the dialog).
NEXT: dict[str, Step | None] = {
    "prepared": Step.details,
    "lang": Step.language_text,
    "segment": Step.segment,
    "kind": None,
    "value": None,
    "chosen": Step.preview,
    "now": None,
    "later": Step.at,
    "cancel": None,
}


def steps_accepting(button: str) -> tuple[Step, ...]:
    """The steps in which this button may be pressed (the router's state filter)."""
    return tuple(step for step, spec in STEPS.items() if button in spec.buttons)


def typed_steps() -> tuple[Step, ...]:
    """The steps that wait for typed text."""
    return tuple(step for step, spec in STEPS.items() if spec.takes_text)


def step_of(state: str | None) -> Step | None:
    """The step a stored dialog state names ("Compose:<step>"); None if not this dialog's."""
    group, _, name = (state or "").partition(":")
    return Step(name) if group == DIALOG and name in Step.__members__ else None


def check_press(
    state: str | None, button: str, value: str, settings: Settings, kind: str | None = None
) -> str | None:
    """Why this press is refused (German, for the coordinator), or None if it is fine."""
    step = step_of(state)
    if step is None or button not in STEPS[step].buttons:
        return "Diese Auswahl gilt nicht mehr."
    if button == "prepared" and value not in PREPARED_NAMES:
        return "Unbekannte Nachricht."
    if button == "lang" and (value not in settings.languages or value == "de"):
        return "Diese Sprache ist nicht eingeschaltet."
    if button == "kind" and value != "everyone" and value not in SEGMENT_KINDS:
        return "Diese Auswahl gilt nicht mehr."
    if button == "value" and (kind is None or value not in dict(options(kind, settings))):
        return "Diese Auswahl gilt nicht mehr."
    return None


def draft_of(data: dict[str, Any]) -> Draft:
    """The draft the dialog has gathered so far (its stored data)."""
    kind, values = data.get("kind"), tuple(data.get("values", ()))
    segment = Segment(**{kind: values}) if kind else Segment()
    return Draft(
        text_de=data.get("text_de", ""),
        texts=tuple(sorted(data.get("texts", {}).items())),
        template=data.get("template"),
        segment=segment,
    )


def check_text(text: str | None) -> str | None:
    """Why a typed text is refused (German, for the coordinator), or None if it is fine."""
    if text is None or not text.strip():
        return "Der Text ist leer."
    if len(text) > TEXT_MAX:
        return f"Der Text ist länger als {TEXT_MAX} Zeichen ({len(text)}). Bitte kürzen."
    return None


def options(kind: str, settings: Settings) -> list[tuple[str, str]]:
    """The values one may choose for a kind of segment: (value, German label)."""
    if kind == "languages":
        return [(code, language_name(code)) for code in settings.languages]
    if kind == "districts":
        return [(d.id, d.name) for d in settings.districts]
    if kind == "statuses":
        return [(s, QUESTIONNAIRE_STATUS_NAMES[s]) for s in STATUSES]
    if kind == "fields":
        return [(f.id, f.name) for f in settings.fields]
    return []
