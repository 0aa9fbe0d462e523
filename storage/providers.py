"""Providers' invitations: one-time codes for an organisation's contact to answer the provider
survey (only the code's SHA-256 is stored), and who redeemed one."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel

from storage.codes import take_code
from storage.types import when

# Providers are respondents of their own channel (user id "telegram:<id>"), apart from the
# questionnaire a person may answer for themself.
PROVIDER_CHANNEL = "provider"


class ProviderInvitation(SQLModel, table=True):
    """A code for the contact of one organisation (new, or already in the directory)."""

    __tablename__ = "provider_invitation"

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    organisation: str = Field(max_length=200)  # the name the coordinator gave
    organisation_id: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))
    created_at: datetime = when(nullable=False)
    expires_at: datetime = when(nullable=False)
    used_at: datetime | None = when()
    used_by: int | None = Field(default=None, sa_column=sa.Column(sa.Integer))  # respondent id


async def take_invitation(
    session: AsyncSession, code_hash: str, now: datetime
) -> ProviderInvitation | None:
    """The unused, unexpired invitation with this hash, marked used; None if there is none."""
    return await take_code(session, ProviderInvitation, code_hash, now)


async def latest_invitation(session: AsyncSession, respondent_id: int) -> ProviderInvitation | None:
    """The invitation the provider redeemed last: which organisation they answer for."""
    query = (
        sa.select(ProviderInvitation)
        .where(ProviderInvitation.used_by == respondent_id)
        .order_by(ProviderInvitation.used_at.desc(), ProviderInvitation.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def refusals_since(session: AsyncSession, actor: str, since: datetime) -> int:
    """How often this sender's codes were refused since then (from the audit log)."""
    from storage.casework import AuditEntry

    query = sa.select(sa.func.count()).where(
        AuditEntry.actor == actor, AuditEntry.action == "provider_refused", AuditEntry.at >= since
    )
    return int((await session.execute(query)).scalar_one())
