"""Updates fetched from the channel and not yet handled, kept so that none is lost."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.core.service import Service
from storage import inbox


class Inbox(Service):
    """Kept before the channel confirms them, forgotten once handled, replayed after a crash."""

    async def keep(self, updates: Sequence[tuple[int, str, str]]) -> None:
        """(update id, sender's user id, payload) of each fetched update."""
        async with self.transaction() as session:
            await inbox.keep(session, updates, self.clock())

    async def pending(self) -> list[tuple[int, str]]:
        async with self.transaction() as session:
            return await inbox.pending(session)

    async def forget(self, update_ids: Iterable[int]) -> None:
        async with self.transaction() as session:
            await inbox.forget(session, update_ids)
