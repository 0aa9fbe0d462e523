"""Where features read the directory from: its service (bot/offers/directory.py) or anything
that answers the same two questions."""

from __future__ import annotations

from typing import Protocol

from bot.offers.model import Offer, Organisation


class OfferSource(Protocol):
    """The active offers and the organisations behind them; each read in its own transaction,
    so read them before a transaction of the caller opens."""

    async def active_offers(self) -> tuple[Offer, ...]: ...

    async def organisations(self) -> dict[int, Organisation]: ...
