"""A broadcast's one progress message, edited while it runs, and the report at its end.

Both go through the outbox's interactive lane: the periodic tick arms the delivery "progress"
(ref = the broadcast's number) whenever the text would change; composing draws the message
with the figures of that moment; settling records what is shown, and at the end puts the
report ("report") in the outbox, once.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcasts.texts import progress_text, report_text
from bot.core.service import after_commit
from bot.outbox.sender import Claim, Kind, Settlement, Skip
from bot.outbox.transport import Outgoing
from bot.ui.model import Screen
from storage import broadcasts as broadcast_store
from storage import deliveries
from storage.types import BroadcastStatus, DeliveryStatus

if TYPE_CHECKING:
    from bot.broadcasts.service import Broadcasts, BroadcastView

PROGRESS, REPORT = "progress", "report"
COORDINATORS = "de"


async def arm(
    session: AsyncSession, broadcast_id: int, chat_id: int, message_id: int, now: datetime
) -> None:
    """The progress message is to be drawn again (with the figures of when it is sent)."""
    await deliveries.enqueue(
        session,
        PROGRESS,
        str(broadcast_id),
        now,
        chat_id=chat_id,
        message_id=message_id,
        again=True,
    )


class Progress:
    """The outbox kinds "progress" and "report", and the periodic job that arms them."""

    def __init__(self, broadcasts: Broadcasts) -> None:
        self.broadcasts = broadcasts

    def kinds(self) -> dict[str, Kind]:
        return {
            PROGRESS: Kind(self.compose_progress, self.progress_settled),
            REPORT: Kind(self.compose_report),
        }

    async def refresh(self, now: datetime | None = None) -> int:
        """A periodic job: close finished broadcasts, then arm every progress message whose
        text changed (or that is to show the end); returns how many."""
        broadcasts = self.broadcasts
        now = now or broadcasts.clock()
        await broadcasts.close_finished(now)
        settings = broadcasts.settings
        due = [
            (view.id, view.progress_chat_id, view.progress_message_id)
            for view in await broadcasts.watched()
            if view.status.final or progress_text(view, settings) != view.progress_shown
        ]
        if due:
            async with broadcasts.transaction() as session:
                for broadcast_id, chat_id, message_id in due:
                    assert chat_id is not None and message_id is not None  # watched: it has one
                    await arm(session, broadcast_id, chat_id, message_id, now)
                after_commit(session, broadcasts.wake)
        return len(due)

    async def _view(self, session: AsyncSession, claim: Claim) -> BroadcastView | None:
        broadcast = await broadcast_store.get_broadcast(session, int(claim.ref))
        return await self.broadcasts.view_of(session, broadcast) if broadcast else None

    async def compose_progress(self, session: AsyncSession, claim: Claim) -> Outgoing | Skip:
        view = await self._view(session, claim)
        if view is None:
            return Skip(DeliveryStatus.CANCELLED, "broadcast deleted")
        text = progress_text(view, self.broadcasts.settings)
        return Outgoing(COORDINATORS, Screen((text,)), edit=claim.message_id)

    async def progress_settled(self, done: Settlement) -> None:
        """What is shown now (also when the message is gone or the coordinator blocked the bot:
        nothing to repair there); at the end, the report, once."""
        session, claim, message = done.session, done.claim, done.message
        view = await self._view(session, claim)
        if view is None or message is None:
            return
        now = self.broadcasts.clock()
        final = view.status.final
        shown = str(message.screen.parts[0])
        await broadcast_store.progress_shown(session, view.id, shown, now if final else None)
        if final and view.status != BroadcastStatus.MISSED:
            await deliveries.enqueue(session, REPORT, str(view.id), now, chat_id=claim.chat_id)

    async def compose_report(self, session: AsyncSession, claim: Claim) -> Outgoing | Skip:
        view = await self._view(session, claim)
        if view is None:
            return Skip(DeliveryStatus.CANCELLED, "broadcast deleted")
        return Outgoing(COORDINATORS, Screen((report_text(view),)))
