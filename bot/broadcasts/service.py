"""Broadcasts to segments of people: compose, preview, send now or at a time, cancel, progress."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcasts import audience
from bot.broadcasts.audience import Segment
from bot.broadcasts.texts import PREPARED, TEXT_MAX, screen_for, text_for
from bot.broadcasts.texts import summary as summary_of
from bot.core.config import Settings
from bot.core.service import FlowService
from bot.flows.schema import Flow
from bot.outbox.sender import Outgoing, Skip
from storage import broadcasts as broadcast_store
from storage.audience import Member
from storage.broadcasts import Broadcast, Counts
from storage.casework import audit
from storage.deliveries import Claim
from storage.types import FINAL_BROADCAST, BroadcastStatus, DeliveryStatus

# A scheduled broadcast found more than this late (the bot was down) is not sent any more:
# an invitation for tonight must not arrive tomorrow.
LATE_LIMIT = timedelta(hours=6)


@dataclass(frozen=True)
class Draft:
    """A broadcast being composed: a German text and/or a prepared message, and the people."""

    text_de: str = ""
    texts: tuple[tuple[str, str], ...] = ()  # (language, text) written by the coordinator
    template: str | None = None  # key of PREPARED; text_de is then appended as details
    segment: Segment = field(default_factory=Segment)

    def problems(self, settings: Settings) -> list[str]:
        found = list(self.segment.problems(settings))
        if not self.text_de.strip() and self.template is None:
            found.append("Der Text ist leer.")
        if self.template is not None and self.template not in PREPARED:
            found.append(f"Keine vorbereitete Nachricht {self.template!r}.")
        for language, text in (("de", self.text_de), *self.texts):
            if len(text) > TEXT_MAX:
                found.append(f"Der Text ({language}) ist länger als {TEXT_MAX} Zeichen.")
            if language not in settings.languages:
                found.append(f"Die Sprache {language} ist nicht eingeschaltet.")
        return found


@dataclass(frozen=True)
class LanguageText:
    language: str
    people: int
    text: str


@dataclass(frozen=True)
class Preview:
    reached: int
    texts: tuple[LanguageText, ...]


@dataclass(frozen=True)
class BroadcastView:
    """A broadcast as coordinators see it."""

    id: int
    status: BroadcastStatus
    segment: Segment
    summary: str  # the start of the German text, or the prepared message's name
    created_by: str
    created_at: datetime
    scheduled_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    counts: Counts
    progress_chat_id: int | None
    progress_message_id: int | None
    progress_shown: str | None


class Broadcasts(FlowService[Flow]):
    """Use cases of coordinators announcing things to the people in the bot."""

    def started(self) -> None:
        self.wake: Callable[[], None] = lambda: None  # the running channel sets its sender's
        self._texts: dict[int, Broadcast] = {}

    # --- Who ------------------------------------------------------------------------------------

    async def members(self, session: AsyncSession, segment: Segment) -> list[Member]:
        return await audience.members(session, self.flow, segment)

    async def reach(self, segment: Segment) -> int:
        async with self.transaction() as session:
            return await audience.reach(session, self.flow, segment)

    async def preview(self, draft: Draft) -> Preview:
        """How many people it reaches, and what each language reads."""
        async with self.transaction() as session:
            members = await self.members(session, draft.segment)
        people = Counter(m.language for m in members)
        languages = tuple(
            LanguageText(language, count, self.text_for(draft, language))
            for language, count in sorted(people.items(), key=lambda item: (-item[1], item[0]))
        )
        return Preview(len(members), languages)

    # --- What -----------------------------------------------------------------------------------

    def text_for(self, draft: Draft | Broadcast, language: str) -> str:
        return text_for(draft, language, self.settings.city)

    async def compose(self, session: AsyncSession, claim: Claim) -> Outgoing | Skip:
        """The sender's composer for kind "broadcast"."""
        assert claim.broadcast_id is not None
        broadcast = self._texts.get(claim.broadcast_id)
        if broadcast is None:
            broadcast = await broadcast_store.get_broadcast(session, claim.broadcast_id)
            if broadcast is None:
                return Skip(DeliveryStatus.CANCELLED, "broadcast deleted")
            session.expunge(broadcast)
            self._texts[claim.broadcast_id] = broadcast
        language = claim.language or "de"
        return Outgoing(language, screen_for(broadcast, language, self.settings.city))

    # --- When -----------------------------------------------------------------------------------

    async def send_now(
        self, draft: Draft, created_by: str, progress: tuple[int, int] | None = None
    ) -> BroadcastView:
        """Create the broadcast and put one delivery per person into the outbox at once."""
        self._check(draft)
        now = self.clock()
        async with self.transaction() as session:
            broadcast = await broadcast_store.add_broadcast(
                session, self._new(draft, created_by, now, None, progress)
            )
            assert broadcast.id is not None
            await broadcast_store.set_broadcast_status(
                session, broadcast.id, (BroadcastStatus.SCHEDULED,), BroadcastStatus.SENDING, now
            )
            members = await self.members(session, draft.segment)
            await broadcast_store.enqueue_broadcast(
                session, broadcast.id, [m.respondent_id for m in members], now
            )
            broadcast_id = broadcast.id
            detail = f"#{broadcast_id} to {len(members)} people"
            await audit(session, now, created_by, "broadcast_send", detail=detail)
        self.wake()
        view = await self.status(broadcast_id)
        assert view is not None
        return view

    async def schedule(
        self, draft: Draft, at: datetime, created_by: str, progress: tuple[int, int] | None = None
    ) -> BroadcastView:
        """Send at `at` (aware); the people are chosen then, so newcomers are included."""
        self._check(draft)
        if at.tzinfo is None:
            raise ValueError("the time must carry its zone")
        now = self.clock()
        async with self.transaction() as session:
            broadcast = await broadcast_store.add_broadcast(
                session, self._new(draft, created_by, now, at, progress)
            )
            broadcast_id = broadcast.id
            detail = f"#{broadcast_id} at {at.isoformat(timespec='minutes')}"
            await audit(session, now, created_by, "broadcast_schedule", detail=detail)
        assert broadcast_id is not None
        view = await self.status(broadcast_id)
        assert view is not None
        return view

    def _check(self, draft: Draft) -> None:
        problems = draft.problems(self.settings)
        if problems:
            raise ValueError("; ".join(problems))

    def _new(
        self,
        draft: Draft,
        created_by: str,
        now: datetime,
        at: datetime | None,
        progress: tuple[int, int] | None,
    ) -> Broadcast:
        return Broadcast(
            text_de=draft.text_de,
            texts=dict(draft.texts),
            template=draft.template,
            segment=draft.segment.to_json(),
            status=BroadcastStatus.SCHEDULED,
            scheduled_at=at,
            created_by=created_by[:64],
            created_at=now,
            progress_chat_id=progress[0] if progress else None,
            progress_message_id=progress[1] if progress else None,
        )

    async def fire_due(self, now: datetime | None = None) -> list[int]:
        """Start every scheduled broadcast whose time has come (a periodic job)."""
        now = now or self.clock()
        async with self.transaction() as session:
            due = await broadcast_store.due_broadcasts(session, now)
        fired = []
        for broadcast_id in due:
            async with self.transaction() as session:
                broadcast = await broadcast_store.get_broadcast(session, broadcast_id)
                if broadcast is None or broadcast.scheduled_at is None:
                    continue
                if now - broadcast.scheduled_at > LATE_LIMIT:
                    await broadcast_store.set_broadcast_status(
                        session,
                        broadcast_id,
                        (BroadcastStatus.SCHEDULED,),
                        BroadcastStatus.MISSED,
                        now,
                    )
                    continue
                if not await broadcast_store.set_broadcast_status(
                    session,
                    broadcast_id,
                    (BroadcastStatus.SCHEDULED,),
                    BroadcastStatus.SENDING,
                    now,
                ):
                    continue  # another replica fired it
                segment = Segment.from_json(broadcast.segment)
                members = await self.members(session, segment)
                await broadcast_store.enqueue_broadcast(
                    session, broadcast_id, [m.respondent_id for m in members], now
                )
                fired.append(broadcast_id)
        if fired:
            self.wake()
        return fired

    async def close_finished(self, now: datetime | None = None) -> list[int]:
        async with self.transaction() as session:
            return await broadcast_store.close_finished(session, now or self.clock())

    async def cancel(self, broadcast_id: int, by: str = "cli") -> bool:
        async with self.transaction() as session:
            cancelled = await broadcast_store.cancel_broadcast(session, broadcast_id, self.clock())
            if cancelled:
                await audit(
                    session, self.clock(), by, "broadcast_cancel", detail=f"#{broadcast_id}"
                )
            return cancelled

    # --- How it goes ----------------------------------------------------------------------------

    async def status(self, broadcast_id: int) -> BroadcastView | None:
        async with self.transaction() as session:
            broadcast = await broadcast_store.get_broadcast(session, broadcast_id)
            if broadcast is None:
                return None
            return await self.view_of(session, broadcast)

    async def recent(self, limit: int = 20) -> list[BroadcastView]:
        async with self.transaction() as session:
            return [
                await self.view_of(session, b)
                for b in await broadcast_store.list_broadcasts(session, limit)
            ]

    async def watched(self) -> list[BroadcastView]:
        """Broadcasts whose coordinator watches a progress message that is not final yet."""
        async with self.transaction() as session:
            return [
                await self.view_of(session, b)
                for b in await broadcast_store.watched_broadcasts(session)
            ]

    async def shown(self, broadcast_id: int, text: str, final: bool) -> None:
        async with self.transaction() as session:
            await broadcast_store.progress_shown(
                session, broadcast_id, text, self.clock() if final else None
            )

    async def view_of(self, session: AsyncSession, broadcast: Broadcast) -> BroadcastView:
        assert broadcast.id is not None
        counts = await broadcast_store.delivery_counts(session, broadcast.id)
        return BroadcastView(
            id=broadcast.id,
            status=BroadcastStatus(broadcast.status),
            segment=Segment.from_json(broadcast.segment),
            summary=summary_of(broadcast),
            created_by=broadcast.created_by,
            created_at=broadcast.created_at,
            scheduled_at=broadcast.scheduled_at,
            started_at=broadcast.started_at,
            finished_at=broadcast.finished_at,
            counts=counts,
            progress_chat_id=broadcast.progress_chat_id,
            progress_message_id=broadcast.progress_message_id,
            progress_shown=broadcast.progress_shown,
        )


FINAL = FINAL_BROADCAST
