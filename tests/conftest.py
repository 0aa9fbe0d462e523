"""Shared fixtures: each group lives in its own module and is loaded here as a plugin."""

pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.telegram",
]
