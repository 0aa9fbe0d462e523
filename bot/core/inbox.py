"""Updates fetched from the channel and not yet handled, kept so that none is lost."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial

from bot.core.service import Service, in_one_hop
from storage import inbox


class Inbox(Service):
    """Kept before the channel confirms them, forgotten once handled, replayed after a crash."""

    async def keep(self, updates: Sequence[tuple[int, str, str]]) -> None:
        """(update id, sender's user id, payload) of each fetched update."""
        await in_one_hop(self.sessions, partial(inbox.keep, updates=updates, now=self.clock()))

    async def pending(self) -> list[tuple[int, str]]:
        async with self.transaction() as session:
            return await inbox.pending(session)

    async def forget(self, update_ids: Iterable[int]) -> None:
        await in_one_hop(self.sessions, partial(inbox.forget, update_ids=list(update_ids)))
