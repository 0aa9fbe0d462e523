"""Who may do what with a case, and who counts as staff: every rule in one place.

`staff` is the active staff row of the Telegram user (None: not staff, or revoked). The service
asks these before every staff action and the Telegram filters before every staff command;
`refusal` says in German why an action is not allowed.
"""

from __future__ import annotations

from bot.casework import texts
from bot.casework.texts import CaseView
from bot.core.config import Settings
from bot.ui.model import AskOutcome, CaseAction, ClaimCase, CloseCase, ShowDetails, ShowNotice
from storage.casework import Case, Staff
from storage.types import CaseStatus


def is_staff(staff: Staff | None) -> bool:
    """Active staff of any role (caseworker or registered coordinator)."""
    return staff is not None and staff.active


def may_coordinate(settings: Settings, telegram_user_id: int, staff: Staff | None) -> bool:
    """Coordinators named in config.yaml, and registered ones."""
    return telegram_user_id in settings.coordinators or (
        is_staff(staff) and staff is not None and staff.role == "coordinator"
    )


def is_caseworker_of(staff: Staff | None, team: str) -> bool:
    return (
        is_staff(staff)
        and staff is not None
        and staff.role == "caseworker"
        and (staff.team == team)
    )


def may_see_details(case: Case, staff: Staff | None) -> bool:
    """Every caseworker of the case's team, whatever its state (the audit log records it)."""
    return is_caseworker_of(staff, case.team)


def may_claim(case: Case, staff: Staff | None) -> bool:
    return is_caseworker_of(staff, case.team) and case.status == CaseStatus.new


def may_handle(case: Case, staff: Staff | None) -> bool:
    """Close it, or ask how: its caseworker, or anyone of the team while nobody has it."""
    if not is_caseworker_of(staff, case.team) or case.status == CaseStatus.closed:
        return False
    assert staff is not None
    return case.status == CaseStatus.new or case.assignee_id == staff.id


def may_close(case: Case, staff: Staff | None, outcome: str) -> bool:
    return may_handle(case, staff) and outcome in texts.OUTCOMES


def may_write(case: Case, staff: Staff | None) -> bool:
    """Write to the person: only the caseworker who has the open case."""
    return (
        is_staff(staff)
        and staff is not None
        and case.status == CaseStatus.claimed
        and case.assignee_id == staff.id
    )


def allowed(action: CaseAction, case: Case, staff: Staff | None) -> bool:
    match action:
        case ShowDetails():
            return may_see_details(case, staff)
        case ClaimCase():
            return may_claim(case, staff)
        case CloseCase(outcome=outcome):
            return may_close(case, staff, outcome)
        case AskOutcome() | ShowNotice():
            return may_handle(case, staff)
    return False


def refusal(action: CaseAction, view: CaseView, staff: Staff | None) -> str | None:
    """Why `staff` may not do `action` on the case (German), or None: they may."""
    case = view.case
    if allowed(action, case, staff):
        return None
    if not is_caseworker_of(staff, case.team):
        return texts.NOT_YOUR_TEAM
    if case.status == CaseStatus.closed:
        return texts.ALREADY_CLOSED
    owner = view.assignee_name or texts.SOMEONE_ELSE
    if isinstance(action, ClaimCase):
        return texts.ALREADY_CLAIMED.format(name=owner)
    if not may_handle(case, staff):
        return texts.NOT_ASSIGNEE.format(name=owner)
    return texts.UNKNOWN_CASE  # an outcome no button offers
