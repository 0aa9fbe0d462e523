"""Who a browser is: sessions and resume codes of web people (storage/web.py), one transaction
each. A web person exists only as a random id until they agree to the privacy notice; the
conversation stores them as a respondent of the channel "web" from then on."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.core.service import SettingsService
from bot.web import codes
from storage import respondents, web

CHANNEL = "web"  # the respondents' channel


class WebPeople(SettingsService):
    async def open(self) -> tuple[str, str]:
        """A new browser: its token (for the cookie) and the new person's id."""
        token, user_id = codes.new_token(), codes.new_user_id()
        async with self.transaction() as session:
            await web.open_session(session, codes.token_hash(token), user_id, self.clock())
        return token, user_id

    async def user_of(self, token: str) -> str | None:
        now = self.clock()
        idle_since = now - timedelta(days=self.settings.web.session_days)
        async with self.transaction() as session:
            return await web.user_of_session(session, codes.token_hash(token), now, idle_since)

    async def agreed(self, user_id: str) -> bool:
        """Is the person stored (they agreed to the privacy notice)?"""
        async with self.transaction() as session:
            return await respondents.find_respondent(session, CHANNEL, user_id) is not None

    async def has_code(self, user_id: str) -> bool:
        async with self.transaction() as session:
            return await web.has_resume(session, user_id)

    async def new_code(self, user_id: str) -> str:
        """A new resume code for the person (an older one stops working)."""
        code = codes.new_resume_code()
        hashed = await asyncio.to_thread(codes.code_hash, codes.normalise_code(code) or "")
        async with self.transaction() as session:
            await web.set_resume(session, user_id, hashed, self.clock())
        return code

    async def resume(self, token: str, typed: str) -> str | None:
        """The browser continues the person of the code typed (their id), or None. A malformed
        code costs the same as a wrong one, so the answer tells nothing about codes."""
        normalised = codes.normalise_code(typed)
        hashed = await asyncio.to_thread(codes.code_hash, normalised or "not a code")
        if normalised is None:
            return None
        async with self.transaction() as session:
            user_id = await web.user_of_resume(session, hashed)
            if user_id is not None:
                await web.move_session(session, codes.token_hash(token), user_id)
        return user_id

    async def forget(self, user_id: str) -> None:
        async with self.transaction() as session:
            await web.forget(session, user_id)
