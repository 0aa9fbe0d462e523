"""aiogram's dialog storage (FSM) in the database, so that a draft outlives the process.

aiogram keeps a dialog's step ("state") and its draft ("data") per bot, chat and person. Its
default storage is a dict in memory: a restart loses every draft, and with several webhook
replicas the next step reaches one that never saw the first. This storage keeps both in the
`dialog_state` table (storage/dialogs.py), one row per key, written at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.service import Clock, in_one_hop, utc_now
from storage import dialogs


class DatabaseStorage(BaseStorage):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Clock = utc_now,
        key_builder: KeyBuilder | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.key_builder = key_builder or DefaultKeyBuilder(with_bot_id=True, with_destiny=True)

    def _key(self, key: StorageKey) -> str:
        return self.key_builder.build(key)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        async with self.sessions.begin() as session:
            await dialogs.save_state(session, self._key(key), value, self.clock())

    async def get_state(self, key: StorageKey) -> str | None:
        # Asked for every update (aiogram's FSM middleware): one hop, no session.
        state, _ = await in_one_hop(self.sessions, partial(dialogs.read, key=self._key(key)), True)
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            raise TypeError(f"dialog data must be a dict, not {type(data).__name__}")
        async with self.sessions.begin() as session:
            await dialogs.save_data(session, self._key(key), data, self.clock())

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await in_one_hop(self.sessions, partial(dialogs.read, key=self._key(key)), True)
        return data

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""
