"""The directory's tables: organisations, their offers and cooperations, and providers'
submissions waiting for a coordinator.

Lists (fields of action, districts, languages) are JSON lists, sorted, on every database. Each
organisation has a natural key (its name, spaces folded, case ignored) and each offer one within
its organisation, so that importing the same spreadsheet twice finds the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from storage.db import added
from storage.types import OfferStatus, SubmissionState, when

NAME_MAX = 200
TEXT_MAX = 4000
PHONE_MAX = 64


def natural_key(name: str) -> str:
    """What makes two names the same organisation or offer: spaces folded, case ignored."""
    return " ".join(name.split()).casefold()[:NAME_MAX]


def _json_list() -> Any:
    return Field(default_factory=list, sa_column=sa.Column(sa.JSON, nullable=False))


def _text() -> Any:
    return Field(default="", sa_column=sa.Column(sa.Text, nullable=False, default=""))


class OrganisationRow(SQLModel, table=True):
    """A provider: migrant self-organisation, welfare association, independent or municipal."""

    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=NAME_MAX, unique=True)
    name: str = Field(max_length=NAME_MAX)
    kind: str = Field(max_length=16)
    contact_name: str = Field(default="", max_length=NAME_MAX)
    email: str = Field(default="", max_length=NAME_MAX)
    phone: str = Field(default="", max_length=PHONE_MAX)
    website: str = Field(default="", max_length=NAME_MAX)
    created_at: datetime = when(nullable=False)
    updated_at: datetime = when(nullable=False)


class OfferRow(SQLModel, table=True):
    """One offer of an organisation, where and for whom, and when it was last confirmed."""

    __tablename__ = "offer"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "key", name="uq_offer_key"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False
        )
    )
    key: str = Field(max_length=NAME_MAX)
    name: str = Field(max_length=NAME_MAX)
    description: str = _text()
    fields: list[str] = _json_list()
    districts: list[str] = _json_list()  # empty: the whole city
    address: str = Field(default="", max_length=NAME_MAX)
    languages: list[str] = _json_list()
    target_groups: str = _text()
    age_min: int | None = None
    age_max: int | None = None
    costs: str = _text()
    schedule: str = _text()
    access: str = _text()
    status: str = Field(default=OfferStatus.active, max_length=12, index=True)
    last_confirmed: date | None = Field(default=None, sa_column=sa.Column(sa.Date))
    translations: dict[str, str] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    created_at: datetime = when(nullable=False)
    updated_at: datetime = when(nullable=False)


class CooperationRow(SQLModel, table=True):
    """An organisation works with a partner (in the directory or not) in some fields."""

    __tablename__ = "cooperation"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "partner", name="uq_cooperation_partner"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False
        )
    )
    partner: str = Field(max_length=NAME_MAX)
    fields: list[str] = _json_list()


class SubmissionRow(SQLModel, table=True):
    """A provider's entry as submitted (JSON), until a coordinator approves or rejects it."""

    __tablename__ = "offer_submission"

    id: int | None = Field(default=None, primary_key=True)
    entry: dict[str, Any] = Field(
        default_factory=dict, sa_column=sa.Column(sa.JSON, nullable=False)
    )
    state: str = Field(default=SubmissionState.pending, max_length=12, index=True)
    provider: str = Field(max_length=64)  # "telegram:<user id>", "cli"
    organisation_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("organisation.id", ondelete="SET NULL"), nullable=True
        ),
    )
    submitted_at: datetime = when(nullable=False)
    decided_at: datetime | None = when()
    decided_by: str | None = Field(default=None, max_length=64)
    reason: str = Field(default="", max_length=500)


# --- Organisations, offers, cooperations --------------------------------------------------------


async def organisations(session: AsyncSession) -> list[OrganisationRow]:
    query = sa.select(OrganisationRow).order_by(OrganisationRow.key)
    return list((await session.execute(query)).scalars())


async def organisation(session: AsyncSession, organisation_id: int) -> OrganisationRow | None:
    return await session.get(OrganisationRow, organisation_id)


async def organisation_by_name(session: AsyncSession, name: str) -> OrganisationRow | None:
    query = sa.select(OrganisationRow).where(OrganisationRow.key == natural_key(name))
    return (await session.execute(query)).scalar_one_or_none()


async def add_organisation(session: AsyncSession, now: datetime, **values: Any) -> OrganisationRow:
    row = OrganisationRow(key=natural_key(values["name"]), created_at=now, updated_at=now, **values)
    return await added(session, row)


async def offers(
    session: AsyncSession,
    *,
    organisation_id: int | None = None,
    status: OfferStatus | None = None,
) -> list[OfferRow]:
    query = sa.select(OfferRow).order_by(OfferRow.organisation_id, OfferRow.key)
    if organisation_id is not None:
        query = query.where(OfferRow.organisation_id == organisation_id)
    if status is not None:
        query = query.where(OfferRow.status == status)
    return list((await session.execute(query)).scalars())


async def add_offer(
    session: AsyncSession, organisation_id: int, now: datetime, **values: Any
) -> OfferRow:
    row = OfferRow(
        organisation_id=organisation_id,
        key=natural_key(values["name"]),
        created_at=now,
        updated_at=now,
        **values,
    )
    return await added(session, row)


def changed(row: SQLModel, values: dict[str, Any], now: datetime) -> bool:
    """Set `values` on `row` (and its updated_at, and its key if the name changes); True if any
    of them differed."""
    different = {name: value for name, value in values.items() if getattr(row, name) != value}
    for name, value in different.items():
        setattr(row, name, value)
    if "name" in different:
        row.key = natural_key(different["name"])  # type: ignore[attr-defined]
    if different:
        row.updated_at = now  # type: ignore[attr-defined]
    return bool(different)


async def cooperations(
    session: AsyncSession, organisation_id: int | None = None
) -> list[CooperationRow]:
    query = sa.select(CooperationRow).order_by(CooperationRow.organisation_id, CooperationRow.id)
    if organisation_id is not None:
        query = query.where(CooperationRow.organisation_id == organisation_id)
    return list((await session.execute(query)).scalars())


async def put_cooperation(
    session: AsyncSession, organisation_id: int, partner: str, fields: list[str]
) -> bool:
    """Add the cooperation or set its fields; True if anything changed."""
    query = sa.select(CooperationRow).where(
        CooperationRow.organisation_id == organisation_id, CooperationRow.partner == partner
    )
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None:
        session.add(CooperationRow(organisation_id=organisation_id, partner=partner, fields=fields))
        return True
    if row.fields == fields:
        return False
    row.fields = fields
    return True


async def drop_cooperations(
    session: AsyncSession, organisation_id: int, keep: Sequence[str]
) -> int:
    """Remove the organisation's cooperations with partners not in `keep`; how many."""
    result = await session.execute(
        sa.delete(CooperationRow)
        .where(CooperationRow.organisation_id == organisation_id)
        .where(CooperationRow.partner.not_in(list(keep)))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


# --- Submissions --------------------------------------------------------------------------------


async def add_submission(
    session: AsyncSession,
    entry: dict[str, Any],
    provider: str,
    organisation_id: int | None,
    now: datetime,
) -> SubmissionRow:
    row = SubmissionRow(
        entry=entry, provider=provider, organisation_id=organisation_id, submitted_at=now
    )
    return await added(session, row)


async def submission(
    session: AsyncSession, submission_id: int, *, for_update: bool = False
) -> SubmissionRow | None:
    query = sa.select(SubmissionRow).where(SubmissionRow.id == submission_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def pending_submissions(session: AsyncSession) -> list[SubmissionRow]:
    query = (
        sa.select(SubmissionRow)
        .where(SubmissionRow.state == SubmissionState.pending)
        .order_by(SubmissionRow.submitted_at, SubmissionRow.id)
    )
    return list((await session.execute(query)).scalars())


async def decide(
    session: AsyncSession,
    submission_id: int,
    state: SubmissionState,
    by: str,
    now: datetime,
    reason: str = "",
) -> bool:
    """Move a pending submission to `state`; False if it was decided before (by anyone)."""
    values: dict[str, Any] = {"state": state, "decided_at": now, "decided_by": by, "reason": reason}
    result = await session.execute(
        sa.update(SubmissionRow)
        .where(SubmissionRow.id == submission_id, SubmissionRow.state == SubmissionState.pending)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
