"""Logging: one line per event, as text or JSON; never an answer or a message text."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from bot.core.config import Settings


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(settings: Settings) -> None:
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    # aiogram logs every handled update at INFO with its id only; keep that, but not its
    # event-level debug output, which can contain message texts.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    # APScheduler logs two lines at INFO for every job run, every few seconds; keep its warnings
    # and errors (a missed run, a failed job) and show the ticks only at DEBUG.
    ticks = logging.NOTSET if root.level <= logging.DEBUG else logging.WARNING
    logging.getLogger("apscheduler").setLevel(ticks)
