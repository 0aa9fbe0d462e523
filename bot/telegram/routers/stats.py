"""/stats for coordinators in a private chat: a short German summary, the heat map picture and,
with the directory, the gap map (needs beside the offers that reach them)."""

from __future__ import annotations

import asyncio

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message
from babel.dates import format_datetime

from bot.core.service import Event
from bot.core.vocabulary import CASE_STATUS_NAMES
from bot.reports.gapmap import CAPTION, gap_map_png
from bot.reports.privacy import LEGEND, share, share_text
from bot.reports.service import Report, Reports
from bot.telegram.filters import PRIVATE, Coordinator
from storage.types import CaseStatus

# Anyone may type /stats; a respondent learns only that it is not for them (in both languages
# most of them read, since their own is not known here).
REFUSAL = (
    "Dieser Befehl ist nur für die Koordination des Integrationsmanagements.\n"
    "This command is for the coordinators of the integration management only."
)


def build_router() -> Router:
    """Coordinators' figures; private chats only. Include it before the intake router."""
    router = Router(name="stats")
    router.message.filter(PRIVATE)
    router.message.register(stats, Command("stats"), Coordinator())
    router.message.register(refuse, Command("stats"))
    return router


async def refuse(message: Message) -> None:
    await message.answer(REFUSAL)


async def stats(message: Message, reports: Reports, incoming: Event) -> None:
    assert message.from_user is not None
    viewer = f"telegram:{message.from_user.id}"
    report = await reports.report(incoming, viewer)  # a redelivered /stats sends nothing twice
    from bot.reports.html import (
        heat_map_png,  # matplotlib: loaded for the first /stats, not at start
    )

    picture = await asyncio.to_thread(heat_map_png, report.by_district)
    await message.answer(summary_text(report, reports.settings.timezone))
    await message.answer_photo(
        BufferedInputFile(picture, filename="bedarf-stadtteile.png"),
        caption=f"Bedarf nach Stadtteil und Handlungsfeld. {LEGEND}",
    )
    if report.coverage is not None:  # with the directory: where needs meet no offer
        gaps = await asyncio.to_thread(gap_map_png, report.coverage)
        await message.answer_photo(
            BufferedInputFile(gaps, filename="luecken-stadtteile.png"),
            caption=f"{CAPTION}. Rot umrandet: Bedarf ohne Angebot. {LEGEND}",
        )


def summary_text(report: Report, zone: str) -> str:
    """A few lines in German: the funnel, needs per field of action, cases."""
    when = format_datetime(report.generated_at, "dd.MM.yyyy, HH:mm", tzinfo=zone, locale="de")
    funnel = report.funnel
    lines = [
        f"📊 Bedarfe – Stand {when} Uhr",
        f"Einwilligung: {funnel.consented} · begonnen: {funnel.started} · "
        f"abgeschlossen: {funnel.finished}",
        "",
        f"Bedarf je Handlungsfeld (von {report.base} abgeschlossenen Fragebögen):",
    ]
    total = report.by_district.total
    ordered = sorted(
        zip(report.by_district.fields, total.needs, strict=True),
        key=lambda item: (item[1].shown is None, -(item[1].shown or 0)),
    )
    for field, cell in ordered:
        value = share(cell, total.people)
        figure = str(cell) if value is None else f"{cell} ({share_text(value)})"
        lines.append(f"• {field.name}: {figure}")
    cases = report.cases
    if cases is not None and cases.table.total is not None and cases.table.column_totals:
        per_status = dict(zip(cases.statuses, cases.table.column_totals, strict=True))
        line = f"Fälle: {cases.table.total}"
        for status in (CaseStatus.new, CaseStatus.claimed):
            if status in per_status:
                line += f", {CASE_STATUS_NAMES[status]}: {per_status[status]}"
        lines += ["", line]
    lines += ["", "Ausführlicher Bericht: kim-intake report --out bericht.html"]
    return "\n".join(lines)
