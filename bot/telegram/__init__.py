"""The Telegram channel: turns updates into service calls and replies into messages."""
