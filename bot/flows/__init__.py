"""Questionnaires as data (YAML) and the pure engine that walks a person through one.

Nothing here imports from bot.telegram or storage, awaits, logs or reads the clock.
"""
