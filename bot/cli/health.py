"""`kim-intake health`: exit 0 if the running bot's heartbeat is recent (container health check)."""

from __future__ import annotations

import argparse

from bot.core.health import MAX_AGE_SECONDS, heartbeat_problem


def add_command(commands: argparse._SubParsersAction) -> None:
    health = commands.add_parser(
        "health", help="exit 0 if the running bot's heartbeat is recent (container health check)"
    )
    health.add_argument(
        "--max-age",
        type=float,
        default=MAX_AGE_SECONDS,
        metavar="SECONDS",
        help=f"oldest heartbeat that still counts (default {MAX_AGE_SECONDS:.0f})",
    )


def command_health(args: argparse.Namespace) -> int:
    from bot.core.config import load_settings

    path = load_settings().heartbeat_file
    problem = heartbeat_problem(path, args.max_age)
    if problem:
        print(f"unhealthy: {problem}")
        return 1
    print(f"healthy: heartbeat at {path}")
    return 0
