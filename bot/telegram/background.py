"""One bot's background work: its periodic jobs and loops (the sender, prompts, the heartbeat),
wired to the services in the dispatcher and started together."""

from __future__ import annotations

import gc
from datetime import datetime
from functools import partial

from aiogram import Bot, Dispatcher

from bot.broadcasts.progress import Progress
from bot.broadcasts.service import Broadcasts
from bot.casework.service import Casework
from bot.core.health import keep_heartbeat
from bot.outbox.sender import Sender
from bot.reminders import Reminders
from bot.retention import Retention
from bot.scheduler import Background, JobBody, Scheduler

# Seconds between runs. The sender also polls by itself when idle; its tick closes finished
# broadcasts and arms the coordinators' progress messages.
INTERVALS = {
    "sender_tick": 5.0,
    "due_broadcasts": 15.0,
    "reminders": 60.0,
    "casework_unclaimed": 60.0,
    "retention": 24 * 3600.0,
}


async def start_background(bot: Bot, dispatcher: Dispatcher) -> Background:
    """Register the periodic jobs with the services in `dispatcher`, then start everything."""
    scheduler: Scheduler = dispatcher["scheduler"]
    sender: Sender = dispatcher["sender"]
    broadcasts: Broadcasts = dispatcher["broadcasts"]
    progress: Progress = dispatcher["progress"]
    reminders: Reminders = dispatcher["reminders"]
    casework: Casework = dispatcher["casework"]
    retention: Retention = dispatcher["retention"]

    async def sender_tick(now: datetime) -> None:
        sender.wake()
        await progress.refresh(now)

    scheduler.every("sender_tick", INTERVALS["sender_tick"], sender_tick)
    scheduler.every("due_broadcasts", INTERVALS["due_broadcasts"], broadcasts.fire_due)
    scheduler.every("reminders", INTERVALS["reminders"], _waking(reminders.scan, sender))
    scheduler.every("casework_unclaimed", INTERVALS["casework_unclaimed"], casework.raise_unclaimed)
    scheduler.every("retention", INTERVALS["retention"], retention.erase_expired)
    loops = {"sender": sender.run, "prompts": dispatcher["conversation"].keep_prompts}
    if sender.settings.heartbeat_file is not None:
        loops["heartbeat"] = partial(
            keep_heartbeat, sender.settings.heartbeat_file, scheduler.sessions
        )
    background = Background(scheduler, loops)
    # What start-up built (the models, the mappers, the flow) lives as long as the process: the
    # garbage collector need not go through it again at every full collection.
    gc.collect()
    gc.freeze()
    await background.start()
    return background


def _waking(body: JobBody, sender: Sender) -> JobBody:
    async def run(now: datetime) -> None:
        if await body(now):
            sender.wake()

    return run
