"""The prompts channels showed, kept in memory and written behind in batches."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from sqlalchemy.ext.asyncio import AsyncSession

from storage import respondents

log = logging.getLogger(__name__)

PROMPTS_WRITTEN_EVERY = 1.0  # seconds

Key = tuple[str, str]  # channel, user id


class PromptMemory:
    """The message each person's current prompt was shown in, until it is written."""

    def __init__(self, transaction: Callable[[], AbstractAsyncContextManager[AsyncSession]]):
        self.transaction = transaction
        self._prompts: dict[Key, int] = {}

    def remember(self, key: Key, message_ref: int) -> None:
        """Kept in memory and written with the person's next event or by `keep` within a
        second, whichever comes first: a transaction of its own per answer would cost about a
        quarter of what the process can take. Killed in between, the old prompt keeps its
        buttons, and pressing one is answered as a stale button; nothing else is lost.
        """
        self._prompts[key] = message_ref

    def take(self, key: Key) -> int | None:
        """The remembered prompt of a person, forgotten here (their event writes it)."""
        return self._prompts.pop(key, None)

    def give_back(self, key: Key, message_ref: int) -> None:
        """A prompt taken for an event that wrote nothing: kept, unless a newer one came."""
        self._prompts.setdefault(key, message_ref)

    async def write(self) -> int:
        """Write the remembered prompts in one transaction; how many there were."""
        pending = dict(self._prompts)
        if not pending:
            return 0
        async with self.transaction() as session:
            await respondents.set_prompts(session, pending)
        for key, ref in pending.items():
            if self._prompts.get(key) == ref:  # not replaced by a newer one meanwhile
                del self._prompts[key]
        return len(pending)

    async def keep(self, stopping: asyncio.Event) -> None:
        """Write remembered prompts every second until `stopping` is set, and once more then;
        memory holds at most a second's worth, and other replicas see them."""
        while not stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=PROMPTS_WRITTEN_EVERY)
            try:
                await self.write()
            except Exception:
                log.exception("could not write the shown prompts; trying again")
