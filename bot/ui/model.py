"""What services answer, as plain data: messages, buttons and the actions behind them.

Every channel (Telegram, the terminal chat) renders these; none of it knows Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.core.i18n import N_, Msg

Label = Msg | str  # a str is shown as it is (language names, district names, typed answers)


# --- Actions: what pressing a button means --------------------------------------------------


@dataclass(frozen=True)
class _OnLanguage:
    """A press that names a language."""

    language: str


class PickLanguage(_OnLanguage):
    """The person's language, chosen on the language menu (at the start, or with /language)."""


@dataclass(frozen=True)
class Consent(_OnLanguage):
    """The privacy notice agreed to or declined, by a person who chose `language`."""

    agree: bool


@dataclass(frozen=True)
class _OnInterview:
    """A press that concerns one interview of the person."""

    interview_id: int


@dataclass(frozen=True)
class _OnChoice(_OnInterview):
    """A press on one answer of a question in an interview."""

    question_id: str
    choice_id: str


class Choose(_OnChoice):
    """The answer of a one-answer question: saved, and the next question follows."""


class Toggle(_OnChoice):
    """An answer of a multiple-choice question ticked or unticked; "Fertig" saves them."""


@dataclass(frozen=True)
class Navigate(_OnInterview):
    question_id: str
    step: Literal["done", "back", "skip"]


@dataclass(frozen=True)
class Review(_OnInterview):
    step: Literal["finish", "change", "edit", "summary"]
    question_id: str = ""


@dataclass(frozen=True)
class Confirm:
    what: Literal["restart", "delete"]
    yes: bool


class Resume(_OnInterview):
    """A reminder's button: on with the interview at the question where the person left it."""


@dataclass(frozen=True)
class _OnCase:
    """A press that concerns one case."""

    case_id: int


class EndContact(_OnCase):
    """The person ends the contact with their caseworker."""


PersonAction = (
    PickLanguage | Consent | Choose | Toggle | Navigate | Review | Confirm | Resume | EndContact
)


# --- Staff actions: the buttons of a case (its notice in the team's group, a private chat) -----


class ClaimCase(_OnCase):
    """A caseworker of the team takes the case over."""


class ShowDetails(_OnCase):
    """The case's answers, sent privately to the caseworker who asks."""


class AskOutcome(_OnCase):
    """Ask with which outcome to close the case."""


@dataclass(frozen=True)
class CloseCase(_OnCase):
    """The case closed with this outcome."""

    outcome: str


class ShowNotice(_OnCase):
    """Back from the outcome question to the case's notice."""


CaseAction = ClaimCase | ShowDetails | AskOutcome | CloseCase | ShowNotice


# --- Coordinator actions -------------------------------------------------------------------------


@dataclass(frozen=True)
class StopBroadcast:
    broadcast_id: int


@dataclass(frozen=True)
class ComposeStep:
    """A button of the /broadcast composer: its step and value (bot/broadcasts/composer.py)."""

    step: str
    value: str = ""


@dataclass(frozen=True)
class DecideEntry:
    """/review: approve (Freigeben) or reject (Ablehnen) a provider's submitted entry."""

    submission_id: int
    approve: bool


CoordinatorAction = StopBroadcast | ComposeStep | DecideEntry

Action = PersonAction | CaseAction | CoordinatorAction


# --- Replies ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Button:
    label: Label
    action: Action
    selected: bool = False  # shown with a ✓


@dataclass(frozen=True)
class Screen:
    """The content of one message: paragraphs (each a Msg, a str, or a tuple joined by ', ')."""

    parts: tuple[Label | tuple[Label, ...], ...]
    buttons: tuple[tuple[Button, ...], ...] = ()


DROP_BUTTONS = Screen(())


@dataclass(frozen=True)
class Document:
    filename: str
    content: bytes
    caption: Msg | None = None


@dataclass(frozen=True)
class Reply:
    """Everything to show after one event, in the order a channel shows it.

    `retire` turns the message the person acted on (the pressed one, else the remembered
    prompt `prompt_ref`) into a record without buttons; DROP_BUTTONS keeps its text.
    `prompt` is the current question, sent as a new message and remembered, or, with
    `edit_prompt`, drawn again in place (multiple-choice ticks). `edits` are other messages
    drawn again, in other chats too (a case's notice after a caseworker pressed a button).
    """

    language: str
    messages: tuple[Screen, ...] = ()
    prompt: Screen | None = None
    edit_prompt: bool = False
    retire: Screen | None = None
    toast: Label | None = None
    document: Document | None = None
    prompt_ref: int | None = None
    edits: tuple[Edit, ...] = ()


@dataclass(frozen=True)
class Edit:
    """Another message drawn again in place (a case's notice in the team's group)."""

    chat_id: int
    message_id: int
    screen: Screen


def note(language: str, *texts: str) -> Reply:
    """One plain message of source-language texts (marked with N_), translated when shown."""
    return Reply(language, messages=(Screen(tuple(Msg(text) for text in texts)),))


def confirmation(
    language: str, question: str, what: Literal["restart", "delete"], yes: str
) -> Reply:
    """A question asked before something that cannot be undone, with the yes and a "Nein" button
    that press Confirm(what, …); texts marked with N_, translated when shown."""
    buttons = (Button(Msg(yes), Confirm(what, True)), Button(Msg(N_("Nein")), Confirm(what, False)))
    return Reply(language, messages=(Screen((Msg(question),), (buttons,)),))
