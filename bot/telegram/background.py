"""One bot's background work: its periodic jobs and loops (the sender, case notices, prompts,
the heartbeat), wired to the services in the dispatcher and started together."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from aiogram import Bot, Dispatcher

from bot.broadcasts.service import Broadcasts
from bot.casework.service import Casework
from bot.core.health import keep_heartbeat
from bot.outbox.sender import Sender
from bot.reminders import Reminders
from bot.retention import Retention
from bot.scheduler import Background, JobBody, Scheduler
from bot.telegram.progress import refresh_progress
from bot.telegram.routers.casework import remind_unclaimed, send_pending_notices

# Seconds between runs. The sender also polls by itself when idle; its tick closes finished
# broadcasts and edits the coordinators' progress messages.
INTERVALS = {
    "sender_tick": 5.0,
    "due_broadcasts": 15.0,
    "reminders": 60.0,
    "casework_unclaimed": 60.0,
    "casework_notices": 60.0,
    "retention": 24 * 3600.0,
}


async def start_background(bot: Bot, dispatcher: Dispatcher) -> Background:
    """Register the periodic jobs with the services in `dispatcher`, then start everything."""
    scheduler: Scheduler = dispatcher["scheduler"]
    sender: Sender = dispatcher["sender"]
    broadcasts: Broadcasts = dispatcher["broadcasts"]
    reminders: Reminders = dispatcher["reminders"]

    async def sender_tick(now: datetime) -> None:
        sender.wake()
        await refresh_progress(bot, broadcasts)

    scheduler.every("sender_tick", INTERVALS["sender_tick"], sender_tick)
    scheduler.every("due_broadcasts", INTERVALS["due_broadcasts"], broadcasts.fire_due)
    scheduler.every("reminders", INTERVALS["reminders"], _waking(reminders.scan, sender))
    casework: Casework = dispatcher["casework"]

    async def notices() -> int:
        return await send_pending_notices(bot, casework)

    scheduler.every("casework_unclaimed", INTERVALS["casework_unclaimed"],
                    partial(remind_unclaimed, bot, casework))  # fmt: skip
    scheduler.every("casework_notices", INTERVALS["casework_notices"], lambda now: notices())
    retention: Retention = dispatcher["retention"]
    scheduler.every("retention", INTERVALS["retention"], retention.erase_expired)
    loops = {
        "sender": sender.run,
        "case notices": partial(casework.run, send_notices=notices),
        "prompts": dispatcher["conversation"].keep_prompts,
    }
    if sender.settings.heartbeat_file is not None:
        loops["heartbeat"] = partial(
            keep_heartbeat, sender.settings.heartbeat_file, scheduler.sessions
        )
    background = Background(scheduler, loops)
    await background.start()
    return background


def _waking(body: JobBody, sender: Sender) -> JobBody:
    async def run(now: datetime) -> None:
        if await body(now):
            sender.wake()

    return run
