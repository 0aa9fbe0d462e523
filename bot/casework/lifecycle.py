"""How a case moves on: new → claimed → closed, and the person ending the contact.

    new ──claim()──▶ claimed ──close()──▶ closed
     └────────────close()───────────────▶┘

Each transition changes the case row in the caller's transaction; who may do it is
bot/casework/policy.py's question.
"""

from __future__ import annotations

from datetime import datetime

from storage.casework import Case, Staff
from storage.types import CaseStatus


def claim(case: Case, staff: Staff, now: datetime) -> None:
    """A caseworker takes the case over: it is theirs, and no longer raised in the group."""
    case.status, case.assignee_id, case.claimed_at = CaseStatus.claimed, staff.id, now
    case.remind_at, case.updated_at = None, now


def close(case: Case, staff: Staff, outcome: str, now: datetime) -> None:
    """The case ends with an outcome; an unclaimed case closed by a caseworker becomes theirs."""
    case.status, case.outcome, case.closed_at = CaseStatus.closed, outcome, now
    case.contact_open, case.remind_at, case.updated_at = False, None, now
    if case.assignee_id is None:
        case.assignee_id = staff.id


def end_contact(case: Case, now: datetime) -> bool:
    """The person ends the contact with their caseworker; False when it had ended already."""
    if not case.contact_open:
        return False
    case.contact_open, case.updated_at = False, now
    return True
