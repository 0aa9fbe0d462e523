"""The web chat: the questionnaire in a browser, for people without Telegram.

A channel like bot/telegram: it turns requests into calls of the same services (conversation,
data rights, contact) and their replies into HTML forms that work without JavaScript.
"""
