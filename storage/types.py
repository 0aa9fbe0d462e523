"""Column types shared by every table module."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field


class CaseStatus(StrEnum):
    """Where a case stands (stored as these values); bot/casework/lifecycle.py moves it on."""

    new = "new"
    claimed = "claimed"
    closed = "closed"


class InterviewStatus(StrEnum):
    """Where an interview stands (stored as these values)."""

    in_progress = "in_progress"
    finished = "finished"
    abandoned = "abandoned"  # begun anew


class NoticeState(StrEnum):
    """Where a case's notice in the team's group stands (stored as these values)."""

    NEW = "pending"  # to be sent as a new message
    OUTDATED = "outdated"  # in the group, but flags joined since: to be drawn again in place
    SHOWN = "sent"  # in the group as it is


class OrganisationKind(StrEnum):
    """The kinds of provider in the directory (stored as these values); German names in
    bot/core/vocabulary.py."""

    migrant_organisation = "mso"  # Migrantenselbstorganisation
    welfare = "welfare"  # Wohlfahrtsverband
    independent = "independent"  # freier Träger
    municipal = "municipal"  # kommunale Einrichtung
    other = "other"


class OfferStatus(StrEnum):
    """Whether an offer is shown to anyone (stored as these values)."""

    active = "active"
    inactive = "inactive"


class SubmissionState(StrEnum):
    """Where a provider's submitted entry stands (stored as these values): a coordinator approves
    it before it is shown to anyone."""

    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class Lane(IntEnum):
    """The outbox's two lanes (stored as these numbers): interactive messages (case notices,
    relays, progress) go before bulk ones (broadcasts, reminders); both share one rate."""

    INTERACTIVE = 0
    BULK = 1


class UTCDateTime(sa.TypeDecorator):
    """An aware UTC datetime on every database (SQLite keeps no offset, so it is stored as UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def when(nullable: bool = True, index: bool = False) -> Any:
    """A timestamp column."""
    return Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index))


def belongs_to(table: str) -> Any:
    """The id of the `table` row this row belongs to; it goes with that row (cascade)."""
    return Field(
        sa_column=sa.Column(
            sa.Integer,
            sa.ForeignKey(f"{table}.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )


class DeliveryStatus(StrEnum):
    """Where a delivery stands; stored as its value."""

    PENDING = "pending"  # due at next_attempt_at
    SENDING = "sending"  # claimed by a sender (possibly on its way)
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"  # the person blocked the bot
    CANCELLED = "cancelled"  # not sent: broadcast stopped, person erased or used /stop

    @property
    def open(self) -> bool:
        return self in (DeliveryStatus.PENDING, DeliveryStatus.SENDING)


class BroadcastStatus(StrEnum):
    """Where a broadcast stands; stored as its value."""

    SCHEDULED = "scheduled"  # waits for its time (or for send now to enqueue it)
    SENDING = "sending"  # its deliveries are in the outbox
    DONE = "done"
    CANCELLED = "cancelled"  # stopped by a coordinator
    MISSED = "missed"  # found too late (the bot was down at its time); not sent

    @property
    def final(self) -> bool:
        return self in FINAL_BROADCAST


FINAL_BROADCAST = frozenset(
    (BroadcastStatus.DONE, BroadcastStatus.CANCELLED, BroadcastStatus.MISSED)
)
