"""`kim-intake providers invite`: a one-time code for an organisation's contact, who sends it as
`/provider CODE` to the bot and answers the provider survey."""

from __future__ import annotations

import argparse
import asyncio

from bot.core.codes import DEFAULT_VALID_HOURS


def add_commands(subparsers) -> None:
    providers = subparsers.add_parser(
        "providers", help="providers of offers: invite them to the provider survey"
    )
    actions = providers.add_subparsers(dest="providers_command", required=True, metavar="ACTION")
    invite = actions.add_parser("invite", help="print a one-time code for /provider")
    invite.add_argument("--org", required=True, help="the organisation's name")
    invite.add_argument(
        "--hours",
        type=float,
        default=DEFAULT_VALID_HOURS,
        help=f"how long the code works (default {DEFAULT_VALID_HOURS})",
    )


def command_providers(args: argparse.Namespace) -> int:
    from bot.app import Services
    from bot.core.config import load_settings

    async def run() -> int:
        services = await Services.open(load_settings())
        try:
            code, existing = await services.providers.invite(args.org, args.hours)
        except ValueError as error:
            print(f"Cannot invite: {error}")
            return 2
        finally:
            await services.close()
        print(f"One-time code: {code}")
        if existing is not None:
            print(f"The organisation is in the directory (#{existing}): its entry will be updated.")
        print(f"Valid for {args.hours:g} hours. In a private chat with the bot: /provider {code}")
        return 0

    return asyncio.run(run())
