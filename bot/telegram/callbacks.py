"""Callback data of inline buttons: every action of every audience, packed into 64 bytes.

One short typed class per kind of action. The prefixes (l c a t n r k s e for respondents,
w for case buttons, bc and o for coordinators) are one letter so that a question id and a choice id
have room in Telegram's 64-byte limit; schema.CALLBACK_RESERVED is the space kept for the
prefix, the interview id and the separators. Case and broadcast buttons keep the wire format
of notices and lists already in the chats, so their buttons still work after an update.
"""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData

from bot.broadcasts import composer
from bot.ui.model import (
    Action,
    AskOutcome,
    Choose,
    ClaimCase,
    CloseCase,
    ComposeStep,
    Confirm,
    Consent,
    DecideEntry,
    EndContact,
    Navigate,
    PickLanguage,
    Resume,
    Review,
    ShowDetails,
    ShowNotice,
    StopBroadcast,
    Toggle,
)


class LanguageData(CallbackData, prefix="l"):
    code: str


class ConsentData(CallbackData, prefix="c"):
    code: str
    agree: bool


class ChooseData(CallbackData, prefix="a"):
    i: int
    q: str
    c: str


class ToggleData(CallbackData, prefix="t"):
    i: int
    q: str
    c: str


class NavigateData(CallbackData, prefix="n"):
    i: int
    q: str
    s: Literal["done", "back", "skip"]


class ReviewData(CallbackData, prefix="r"):
    i: int
    s: Literal["finish", "change", "edit", "summary"]
    q: str = ""


class ConfirmData(CallbackData, prefix="k"):
    what: Literal["restart", "delete"]
    yes: bool


class ResumeData(CallbackData, prefix="s"):
    i: int


class EndContactData(CallbackData, prefix="e"):
    case: int


class CaseData(CallbackData, prefix="w"):
    a: Literal["claim", "details", "close", "outcome", "back"]
    c: int
    v: str = ""


class BroadcastData(CallbackData, prefix="bc"):
    """Coordinators' buttons; the /broadcast composer's steps share the prefix."""

    step: str
    value: str = ""


class EntryData(CallbackData, prefix="o"):
    """/review's buttons on a provider's submitted entry."""

    s: int
    a: Literal["approve", "reject"]


_CASE_KINDS = {"claim": ClaimCase, "details": ShowDetails, "close": AskOutcome, "back": ShowNotice}


def pack(action: Action) -> str:
    """The callback data of a button that means `action`."""
    match action:
        case PickLanguage(language=code):
            return LanguageData(code=code).pack()
        case Consent(language=code, agree=agree):
            return ConsentData(code=code, agree=agree).pack()
        case Choose(interview_id=i, question_id=q, choice_id=c):
            return ChooseData(i=i, q=q, c=c).pack()
        case Toggle(interview_id=i, question_id=q, choice_id=c):
            return ToggleData(i=i, q=q, c=c).pack()
        case Navigate(interview_id=i, question_id=q, step=s):
            return NavigateData(i=i, q=q, s=s).pack()
        case Review(interview_id=i, step=s, question_id=q):
            return ReviewData(i=i, s=s, q=q).pack()
        case Confirm(what=what, yes=yes):
            return ConfirmData(what=what, yes=yes).pack()
        case Resume(interview_id=i):
            return ResumeData(i=i).pack()
        case EndContact(case_id=case):
            return EndContactData(case=case).pack()
        case CloseCase(case_id=case, outcome=outcome):
            return CaseData(a="outcome", c=case, v=outcome).pack()
        case (
            ClaimCase(case_id=case)
            | ShowDetails(case_id=case)
            | AskOutcome(case_id=case)
            | (ShowNotice(case_id=case))
        ):
            step = next(a for a, kind in _CASE_KINDS.items() if isinstance(action, kind))
            return CaseData(a=step, c=case).pack()
        case StopBroadcast(broadcast_id=broadcast):
            return BroadcastData(step="stop", value=str(broadcast)).pack()
        case ComposeStep(step=step, value=value):
            return BroadcastData(step=step, value=value).pack()
        case DecideEntry(submission_id=submission, approve=approve):
            return EntryData(s=submission, a="approve" if approve else "reject").pack()
    raise TypeError(f"no callback data for {action!r}")


_KINDS: dict[str, type[CallbackData]] = {
    cls.__prefix__: cls
    for cls in (
        LanguageData,
        ConsentData,
        ChooseData,
        ToggleData,
        NavigateData,
        ReviewData,
        ConfirmData,
        ResumeData,
        EndContactData,
        CaseData,
        BroadcastData,
        EntryData,
    )
}


def unpack(data: str | None) -> Action | None:
    """The action behind callback data, or None for anything forged, truncated or unknown."""
    if not data:
        return None
    kind = _KINDS.get(data.split(":", 1)[0])
    if kind is None:
        return None
    try:
        parsed = kind.unpack(data)
    except (ValueError, TypeError):
        return None
    match parsed:
        case LanguageData(code=code):
            return PickLanguage(code)
        case ConsentData(code=code, agree=agree):
            return Consent(code, agree)
        case ChooseData(i=i, q=q, c=c):
            return Choose(i, q, c)
        case ToggleData(i=i, q=q, c=c):
            return Toggle(i, q, c)
        case NavigateData(i=i, q=q, s=s):
            return Navigate(i, q, s)
        case ReviewData(i=i, s=s, q=q):
            return Review(i, s, q)
        case ConfirmData(what=what, yes=yes):
            return Confirm(what, yes)
        case ResumeData(i=i):
            return Resume(i)
        case EndContactData(case=case):
            return EndContact(case)
        case CaseData(a="outcome", c=case, v=outcome) if outcome:
            return CloseCase(case, outcome)
        case CaseData(a=step, c=case, v="") if step in _CASE_KINDS:
            return _CASE_KINDS[step](case)
        case BroadcastData(step="stop", value=value) if value.isdigit():
            return StopBroadcast(int(value))
        case BroadcastData(step=step, value=value) if step in composer.NEXT:
            return ComposeStep(step, value)
        case EntryData(s=submission, a=decision):
            return DecideEntry(submission, decision == "approve")
    return None
