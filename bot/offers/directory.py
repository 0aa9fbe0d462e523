"""The directory of local offers: what is shown, spreadsheet imports, and providers' submissions
that a coordinator approves or rejects. Every change is written to the audit log.

An organisation is known by its name and an offer by its name within its organisation (spaces
folded, case ignored), so importing the same spreadsheet again changes nothing. An import never
removes anything: an offer missing from the file stays as it is (Status "inaktiv" hides it). An
approved submission is the organisation's whole entry: its offers missing from it become inactive
and its cooperations are those of the submission.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.service import SettingsService
from bot.offers.model import Entry, Offer, Organisation
from bot.offers.records import (
    cooperation_of,
    entry_from_json,
    entry_to_json,
    offer_of,
    offer_values,
    organisation_of,
    organisation_values,
    problems,
)
from storage import offers as store
from storage.casework import MAX_ID, audit
from storage.types import OfferStatus, SubmissionState

ACTOR_MAX = 64  # "staff:<id>", "telegram:<user id>", "cli:<login>"


class DirectoryError(Exception):
    """A change the directory refuses; the message says why, in German."""


class InvalidEntry(DirectoryError):
    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Changes:
    """What an import did (or, in a dry run, would do): offers new, changed and unchanged, and
    organisations new and changed."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    organisations_created: int = 0
    organisations_updated: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        return (
            f"{self.created} neu, {self.updated} geändert, {self.unchanged} unverändert "
            f"(Organisationen: {self.organisations_created} neu, "
            f"{self.organisations_updated} geändert)"
        )


@dataclass(frozen=True)
class Submission:
    """A provider's entry waiting for a coordinator."""

    id: int
    entry: Entry
    provider: str
    organisation_id: int | None
    submitted_at: datetime


class _DryRun(Exception):
    def __init__(self, changes: Changes) -> None:
        self.changes = changes


class Directory(SettingsService):
    """The directory of local offers on one database."""

    def today(self) -> date:
        return self.clock().astimezone(self.settings.zone).date()

    # --- Reading --------------------------------------------------------------------------------

    async def active_offers(self) -> tuple[Offer, ...]:
        """Every offer shown to people: active (only approved entries are in the directory)."""
        async with self.transaction() as session:
            rows = await store.offers(session, status=OfferStatus.active)
        return tuple(offer_of(row) for row in rows)

    async def organisations(self) -> dict[int, Organisation]:
        async with self.transaction() as session:
            rows = await store.organisations(session)
        return {row.id: organisation_of(row) for row in rows if row.id is not None}

    async def entries(
        self, *, district: str | None = None, field: str | None = None
    ) -> tuple[Entry, ...]:
        """Every organisation with its offers (active or not) and cooperations, by name.

        With `district`, only offers there or city-wide; with `field`, only offers in that field
        of action; an organisation with no such offer is left out.
        """
        async with self.transaction() as session:
            organisations = await store.organisations(session)
            offers = await store.offers(session)
            cooperations = await store.cooperations(session)
        found = []
        for row in organisations:
            mine = [offer_of(o) for o in offers if o.organisation_id == row.id]
            chosen = tuple(
                offer
                for offer in sorted(mine, key=lambda o: o.name.casefold())
                if (district is None or offer.city_wide or district in offer.districts)
                and (field is None or field in offer.fields)
            )
            if (district is not None or field is not None) and not chosen:
                continue
            partners = tuple(cooperation_of(c) for c in cooperations if c.organisation_id == row.id)
            found.append(Entry(organisation_of(row), chosen, partners))
        return tuple(found)

    # --- Import ---------------------------------------------------------------------------------

    async def put(self, entries: Sequence[Entry], *, dry_run: bool = False, by: str) -> Changes:
        """Store organisations and offers by their names: new ones are added, known ones set to
        what the entries say. Raises InvalidEntry (nothing stored) if any entry is wrong."""
        by = by[:ACTOR_MAX]
        found = [problem for entry in entries for problem in problems(entry, self.settings)]
        if found:
            raise InvalidEntry(found)
        try:
            async with self.transaction() as session:
                now = self.clock()
                counts = Counter[str]()
                for entry in entries:
                    counts.update(await self._put_entry(session, entry, now))
                changes = Changes(**counts, dry_run=dry_run)
                if dry_run:
                    raise _DryRun(changes)
                await audit(session, now, by, "offers_imported", detail=changes.summary())
        except _DryRun as rolled_back:
            return rolled_back.changes
        return changes

    async def _put_entry(self, session: AsyncSession, entry: Entry, now: datetime) -> Counter[str]:
        counts = Counter[str]()
        values = organisation_values(entry.organisation)
        row = await store.organisation_by_name(session, values["name"])
        if row is None:
            row = await store.add_organisation(session, now, **values)
            counts["organisations_created"] += 1
        organisation_id = row.id or 0
        updated = store.changed(row, values, now)
        existing = {o.key: o for o in await store.offers(session, organisation_id=organisation_id)}
        for offer in entry.offers:
            values = offer_values(offer)
            key = store.natural_key(values["name"])
            known = existing.get(key)
            if known is None:
                existing[key] = await store.add_offer(session, organisation_id, now, **values)
                counts["created"] += 1
            else:
                counts["updated" if store.changed(known, values, now) else "unchanged"] += 1
        for cooperation in entry.cooperations:
            partner, fields = cooperation.partner.strip(), sorted(cooperation.fields)
            updated |= await store.put_cooperation(session, organisation_id, partner, fields)
        if updated and not counts["organisations_created"]:
            counts["organisations_updated"] += 1
        return counts

    # --- Submissions ----------------------------------------------------------------------------

    async def submit(
        self, entry: Entry, *, provider: str, organisation_id: int | None = None
    ) -> int:
        """Keep a provider's entry for a coordinator; raises InvalidEntry if it is wrong."""
        provider = provider[:ACTOR_MAX]
        found = problems(entry, self.settings)
        if found:
            raise InvalidEntry(found)
        async with self.transaction() as session:
            now = self.clock()
            if organisation_id is not None and (
                not 0 < organisation_id <= MAX_ID  # a larger id is an error on PostgreSQL
                or await store.organisation(session, organisation_id) is None
            ):
                raise DirectoryError(f"Die Organisation {organisation_id} gibt es nicht.")
            row = await store.add_submission(
                session, entry_to_json(entry), provider, organisation_id, now
            )
            detail = f"Einreichung {row.id}"
            await audit(session, now, provider, "offers_submitted", detail=detail)
        return row.id or 0

    async def pending(self) -> tuple[Submission, ...]:
        async with self.transaction() as session:
            rows = await store.pending_submissions(session)
        return tuple(
            Submission(
                id=row.id or 0,
                entry=entry_from_json(row.entry),
                provider=row.provider,
                organisation_id=row.organisation_id,
                submitted_at=row.submitted_at,
            )
            for row in rows
        )

    async def current(self, submission: Submission) -> Entry | None:
        """The stored entry a submission would change, if there is one."""
        async with self.transaction() as session:
            row = await self._target(session, submission.organisation_id, submission.entry)
            if row is None:
                return None
            return await _entry_of(session, row)

    async def approve(self, submission_id: int, *, by: str) -> Entry:
        """The submission becomes the organisation's entry (created if new); its offers are
        confirmed today. Raises DirectoryError if it is unknown or decided before."""
        by = by[:ACTOR_MAX]
        async with self.transaction() as session:
            now = self.clock()
            submitted = await self._pending_row(session, submission_id)
            entry = entry_from_json(submitted.entry)
            found = problems(entry, self.settings)
            if found:
                raise InvalidEntry(found)
            # Decided first: of two coordinators approving at once, the second waits here for
            # the first and is then refused, before it changes anything.
            if not await store.decide(session, submission_id, SubmissionState.approved, by, now):
                raise DirectoryError(f"Die Einreichung {submission_id} ist schon entschieden.")
            row = await self._target(session, submitted.organisation_id, entry)
            values = organisation_values(entry.organisation)
            other = await store.organisation_by_name(session, values["name"])
            if row is None:
                row = await store.add_organisation(session, now, **values)
            elif other is not None and other.id != row.id:
                raise DirectoryError(f"Eine andere Organisation heißt schon {values['name']!r}.")
            else:
                store.changed(row, values, now)
            organisation_id = row.id or 0
            await self._replace_offers(session, organisation_id, entry.offers, now)
            for cooperation in entry.cooperations:
                partner = cooperation.partner.strip()
                fields = sorted(cooperation.fields)
                await store.put_cooperation(session, organisation_id, partner, fields)
            await store.drop_cooperations(
                session, organisation_id, [c.partner.strip() for c in entry.cooperations]
            )
            submitted.organisation_id = organisation_id
            detail = f"Einreichung {submission_id}, Organisation {organisation_id}"
            await audit(session, now, by, "offers_approved", detail=detail)
            await session.flush()
            return await _entry_of(session, row)

    async def reject(self, submission_id: int, *, by: str, reason: str = "") -> None:
        """Raises DirectoryError if the submission is unknown or decided before."""
        by = by[:ACTOR_MAX]
        async with self.transaction() as session:
            now = self.clock()
            await self._pending_row(session, submission_id)
            reason = reason.strip()[:500]
            if not await store.decide(
                session, submission_id, SubmissionState.rejected, by, now, reason
            ):
                raise DirectoryError(f"Die Einreichung {submission_id} ist schon entschieden.")
            detail = f"Einreichung {submission_id}"
            await audit(session, now, by, "offers_rejected", detail=detail)

    async def _pending_row(self, session: AsyncSession, submission_id: int) -> store.SubmissionRow:
        row = (
            await store.submission(session, submission_id) if 0 < submission_id <= MAX_ID else None
        )
        if row is None:
            raise DirectoryError(f"Eine Einreichung {submission_id} gibt es nicht.")
        if row.state != SubmissionState.pending:
            state = "angenommen" if row.state == SubmissionState.approved else "abgelehnt"
            raise DirectoryError(f"Die Einreichung {submission_id} ist schon {state}.")
        return row

    async def _target(
        self, session: AsyncSession, organisation_id: int | None, entry: Entry
    ) -> store.OrganisationRow | None:
        if organisation_id is not None:
            row = await store.organisation(session, organisation_id)
            if row is not None:
                return row
        return await store.organisation_by_name(session, entry.organisation.name)

    async def _replace_offers(
        self, session: AsyncSession, organisation_id: int, offers: Sequence[Offer], now: datetime
    ) -> None:
        """The organisation's offers become `offers`, confirmed today: matched by id, else by
        name; those not among them become inactive."""
        existing = await store.offers(session, organisation_id=organisation_id)
        by_id = {row.id: row for row in existing}
        by_key = {row.key: row for row in existing}
        kept: set[int | None] = set()
        for offer in offers:
            values = offer_values(replace(offer, last_confirmed=self.today()))
            row = by_id.get(offer.id) if offer.id else None
            row = row or by_key.get(store.natural_key(values["name"]))
            if row is None:
                row = await store.add_offer(session, organisation_id, now, **values)
            else:
                store.changed(row, values, now)
            kept.add(row.id)
        for row in existing:
            if row.id not in kept:
                store.changed(row, {"status": str(OfferStatus.inactive)}, now)


async def _entry_of(session: AsyncSession, row: store.OrganisationRow) -> Entry:
    offers = await store.offers(session, organisation_id=row.id)
    cooperations = await store.cooperations(session, row.id)
    return Entry(
        organisation_of(row),
        tuple(offer_of(o) for o in offers),
        tuple(cooperation_of(c) for c in cooperations),
    )
