"""Shared fixtures: each group lives in its own module and is loaded here as a plugin."""

pytest_plugins = [
    "tests.fixtures.clock",
    "tests.fixtures.database",
    "tests.fixtures.services",
    "tests.fixtures.telegram",
]
