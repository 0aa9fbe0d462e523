"""A fake Telegram Bot API server for end-to-end tests: real HTTP, checked against the spec."""

from tests.fakebot.people import Group, Person
from tests.fakebot.server import FakeTelegram, SentMessage

__all__ = ["FakeTelegram", "Group", "Person", "SentMessage"]
