"""Simulated people and groups: they type, tap buttons and read what the bot sent."""

from __future__ import annotations

import itertools
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.fakebot.server import FakeTelegram, SentMessage

_message_ids = itertools.count(1)
_callback_ids = itertools.count(1)


class Person:
    def __init__(
        self, fake: FakeTelegram, user_id: int, first_name: str, language_code: str | None
    ) -> None:
        self.fake = fake
        self.user_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self._seen = 0

    @property
    def chat_id(self) -> int:
        """The person's private chat with the bot, which Telegram numbers as the person."""
        return self.user_id

    @property
    def user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def _chat_json(self, chat_id: int | None = None) -> dict[str, Any]:
        chat_id = self.chat_id if chat_id is None else chat_id
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": self.first_name}
        chat = self.fake.chats[chat_id]
        return {"id": chat_id, "type": chat.type, "title": chat.title}

    def _message(self, chat_id: int | None = None, **content: Any) -> dict[str, Any]:
        return self.fake.push(
            {
                "message": {
                    "message_id": next(_message_ids),
                    "date": int(time.time()),
                    "chat": self._chat_json(chat_id),
                    "from": self.user,
                    **content,
                }
            }
        )

    # --- typing and sending ---------------------------------------------------------------------

    def send(self, text: str, chat_id: int | None = None) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self._message(chat_id, **content)

    def reply(self, text: str, to: SentMessage) -> dict[str, Any]:
        """Answer a message of the bot with Telegram's reply function."""
        return self._message(to.chat_id, text=text, reply_to_message=to.as_json())

    def send_photo(self) -> dict[str, Any]:
        return self._message(
            photo=[{"file_id": "ph1", "file_unique_id": "ph1u", "width": 90, "height": 90}]
        )

    def send_sticker(self) -> dict[str, Any]:
        return self._message(
            sticker={
                "file_id": "st1",
                "file_unique_id": "st1u",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        )

    def send_voice(self) -> dict[str, Any]:
        return self._message(voice={"file_id": "vo1", "file_unique_id": "vo1u", "duration": 3})

    def send_video_note(self) -> dict[str, Any]:
        return self._message(
            video_note={"file_id": "vn1", "file_unique_id": "vn1u", "length": 240, "duration": 4}
        )

    def send_location(self) -> dict[str, Any]:
        return self._message(location={"latitude": 50.8156, "longitude": 7.1533})

    def send_document(self) -> dict[str, Any]:
        return self._message(
            document={"file_id": "do1", "file_unique_id": "do1u", "file_name": "Bescheid.pdf"}
        )

    def send_contact(self) -> dict[str, Any]:
        return self._message(contact={"phone_number": "+4922411234", "first_name": self.first_name})

    def block_bot(self) -> dict[str, Any]:
        """Block the bot: sends to this chat answer 403 from now on, and the bot is told."""
        self.fake.block(self)
        return self._membership("member", "kicked")

    def unblock_bot(self) -> dict[str, Any]:
        """Unblock the bot again (Restart in the app): sends arrive again, and the bot is told."""
        self.fake.unblock(self)
        return self._membership("kicked", "member")

    def _membership(self, old: str, new: str) -> dict[str, Any]:
        def member(status: str) -> dict[str, Any]:
            bot = {"id": 1, "is_bot": True, "first_name": "KIM"}
            return {
                "status": status,
                "user": bot,
                **({"until_date": 0} if status == "kicked" else {}),
            }

        return self.fake.push(
            {
                "my_chat_member": {
                    "chat": self._chat_json(),
                    "from": self.user,
                    "date": int(time.time()),
                    "old_chat_member": member(old),
                    "new_chat_member": member(new),
                }
            }
        )

    # --- buttons --------------------------------------------------------------------------------

    def tap(self, label: str, chat_id: int | None = None) -> dict[str, Any]:
        """Press the button with this exact label on the latest bot message that has it."""
        chat_id = self.chat_id if chat_id is None else chat_id
        for message in reversed(self.fake.messages_in(chat_id)):
            data = message.button_data(label)
            if data is not None:
                return self.tap_data(data, message.message_id, chat_id)
        available = [m.buttons for m in self.fake.messages_in(chat_id) if m.buttons]
        raise AssertionError(f"no button {label!r}; buttons on screen: {available[-3:]}")

    def tap_data(
        self, data: str, message_id: int | None = None, chat_id: int | None = None
    ) -> dict[str, Any]:
        """A callback with any data, as a forged or very old button would send."""
        chat_id = self.chat_id if chat_id is None else chat_id
        messages = self.fake.messages_in(chat_id)
        if message_id is None:
            message_id = messages[-1].message_id if messages else 1
        message = next((m for m in messages if m.message_id == message_id), None)
        query_id = str(next(_callback_ids))
        self.fake.callback_answers[query_id] = {}
        shown = (
            message.as_json()
            if message
            else {"message_id": message_id, "date": 0, "chat": self._chat_json(chat_id)}
        )
        return self.fake.push(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.user,
                    "chat_instance": str(chat_id),
                    "message": shown,
                    "data": data,
                }
            }
        )

    def buttons(self) -> list[str]:
        keyboards = [m for m in self.messages if m.buttons]
        return keyboards[-1].buttons if keyboards else []

    # --- reading --------------------------------------------------------------------------------

    @property
    def messages(self) -> list[SentMessage]:
        return self.fake.messages_in(self.chat_id)

    @property
    def last(self) -> SentMessage:
        return self.messages[-1]

    def texts(self) -> list[str]:
        return [m.text or m.caption or "" for m in self.messages]

    async def next_message(self, within: float = 10) -> SentMessage:
        """The next message the bot sends to this chat after the last one read this way."""
        await self.fake.wait_until(
            lambda: len(self.fake.chats[self.chat_id].messages) > self._seen, within
        )
        message = self.fake.chats[self.chat_id].messages[self._seen]
        self._seen += 1
        return message

    def skip_read(self) -> None:
        """Treat everything received so far as read."""
        self._seen = len(self.fake.chats[self.chat_id].messages)


class Group:
    """A group chat with members, such as a caseworker team's group."""

    def __init__(self, fake: FakeTelegram, chat_id: int, title: str, members: list[Person]):
        self.fake = fake
        self.chat_id = chat_id
        self.title = title
        self.members = members

    @property
    def messages(self) -> list[SentMessage]:
        return self.fake.messages_in(self.chat_id)

    def send(self, member: Person, text: str) -> dict[str, Any]:
        return member.send(text, chat_id=self.chat_id)

    def tap(self, member: Person, label: str) -> dict[str, Any]:
        return member.tap(label, chat_id=self.chat_id)
