"""Broadcasts to segments of people: compose, preview, send now or at a time, cancel, progress."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.config import FIELDS_OF_ACTION, Settings
from bot.core.i18n import N_, Msg, translator
from bot.core.service import Clock, FlowService, utc_now
from bot.core.vocabulary import FIELD_NAMES
from bot.flows.needs import decode_stored, needs_of
from bot.flows.schema import Flow, QuestionType
from bot.outbox.sender import Outgoing, Skip
from bot.ui.model import Screen
from storage import audience
from storage import broadcasts as broadcast_store
from storage.audience import Member
from storage.broadcasts import Broadcast, Counts
from storage.casework import audit
from storage.deliveries import Claim
from storage.types import DeliveryStatus

Status = Literal["not_started", "unfinished", "finished"]
STATUSES: tuple[Status, ...] = ("not_started", "unfinished", "finished")
STATUS_NAMES = {
    "not_started": "nicht begonnen",
    "unfinished": "angefangen, nicht fertig",
    "finished": "fertig",
}

# Prepared messages: translated in the catalogs, so each person reads them in their language.
PREPARED: dict[str, str] = {
    "info_event": N_(
        "Einladung: Das Kommunale Integrationsmanagement {city} lädt Sie zu einer "
        "Informationsveranstaltung ein. Die Teilnahme ist kostenlos. Sie können gern Familie "
        "oder Freunde mitbringen."
    ),
    "office_hours": N_(
        "Offene Sprechstunde: Das Kommunale Integrationsmanagement {city} berät Sie ohne "
        "Termin. Bringen Sie Ihre Fragen und Ihre Unterlagen mit."
    ),
    "questionnaire": N_(
        "Bitte helfen Sie uns: Beantworten Sie unseren kurzen Fragebogen. So kann die Stadt "
        "{city} Beratung dort anbieten, wo sie gebraucht wird. Schreiben Sie dazu /start."
    ),
}
PREPARED_NAMES = {
    "info_event": "Informationsveranstaltung",
    "office_hours": "Offene Sprechstunde",
    "questionnaire": "Erinnerung an den Fragebogen",
}
STOP_HINT = N_("Keine Ankündigungen mehr? Schreiben Sie /stop.")
# For people whose language has no text: the German text, then this (English is widely read).
ENGLISH_LINE = "This is a message from the integration management of {city}, in German only."
TEXT_MAX = 3000  # leaves room for the English line and the /stop hint in Telegram's 4096
# A scheduled broadcast found more than this late (the bot was down) is not sent any more:
# an invitation for tonight must not arrive tomorrow.
LATE_LIMIT = timedelta(hours=6)


@dataclass(frozen=True)
class Segment:
    """Who gets a broadcast. Empty criteria mean everyone; given criteria must all hold."""

    languages: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    statuses: tuple[Status, ...] = ()
    fields: tuple[str, ...] = ()

    def to_json(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.__dict__.items() if v}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Segment:
        return cls(
            **{k: tuple(data.get(k, ())) for k in ("languages", "districts", "statuses", "fields")}
        )

    def problems(self, settings: Settings) -> list[str]:
        wrong = [
            *(f"Sprache {v}" for v in self.languages if v not in settings.languages),
            *(
                f"Stadtteil {v}"
                for v in self.districts
                if v not in {d.id for d in settings.districts}
            ),
            *(f"Stand {v}" for v in self.statuses if v not in STATUSES),
            *(f"Handlungsfeld {v}" for v in self.fields if v not in FIELDS_OF_ACTION),
        ]
        return [f"unbekannt: {w}" for w in wrong]

    def describe(self, settings: Settings) -> str:
        """In German, for coordinators."""
        parts = []
        if self.languages:
            parts.append("Sprache " + ", ".join(self.languages))
        if self.districts:
            parts.append(
                "Stadtteil " + ", ".join(settings.district_name(d) for d in self.districts)
            )
        if self.statuses:
            parts.append("Fragebogen " + ", ".join(STATUS_NAMES[s] for s in self.statuses))
        if self.fields:
            parts.append("Bedarf in " + ", ".join(FIELD_NAMES[f] for f in self.fields))
        return "; ".join(parts) or "alle"


@dataclass(frozen=True)
class Draft:
    """A broadcast being composed: a German text and/or a prepared message, and the people."""

    text_de: str = ""
    texts: tuple[tuple[str, str], ...] = ()  # (language, text) written by the coordinator
    template: str | None = None  # key of PREPARED; text_de is then appended as details
    segment: Segment = field(default_factory=Segment)

    def problems(self, settings: Settings) -> list[str]:
        found = list(self.segment.problems(settings))
        if not self.text_de.strip() and self.template is None:
            found.append("Der Text ist leer.")
        if self.template is not None and self.template not in PREPARED:
            found.append(f"Keine vorbereitete Nachricht {self.template!r}.")
        for language, text in (("de", self.text_de), *self.texts):
            if len(text) > TEXT_MAX:
                found.append(f"Der Text ({language}) ist länger als {TEXT_MAX} Zeichen.")
            if language not in settings.languages:
                found.append(f"Die Sprache {language} ist nicht eingeschaltet.")
        return found


@dataclass(frozen=True)
class LanguageText:
    language: str
    people: int
    text: str


@dataclass(frozen=True)
class Preview:
    reached: int
    texts: tuple[LanguageText, ...]


@dataclass(frozen=True)
class BroadcastView:
    """A broadcast as coordinators see it."""

    id: int
    status: str
    segment: Segment
    summary: str  # the start of the German text, or the prepared message's name
    created_by: str
    created_at: datetime
    scheduled_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    counts: Counts
    progress_chat_id: int | None
    progress_message_id: int | None
    progress_shown: str | None


class Broadcasts(FlowService):
    """Use cases of coordinators announcing things to the people in the bot."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        flow: Flow,
        clock: Clock = utc_now,
        wake: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(sessions, settings, flow, clock)
        self.wake = wake or (lambda: None)
        self._district_question = next(
            (q.id for q in flow.questions if q.type is QuestionType.district), None
        )
        self._texts: dict[int, Broadcast] = {}

    # --- Who ------------------------------------------------------------------------------------

    async def members(self, session: AsyncSession, segment: Segment) -> list[Member]:
        everyone = await audience.broadcast_members(session, self._district_question)
        chosen = [m for m in everyone if self._selects(segment, m)]
        if segment.fields:
            answers = await audience.answers_of(
                session, [m.interview_id for m in chosen if m.interview_id]
            )
            wanted = set(segment.fields)
            chosen = [
                m
                for m in chosen
                if m.interview_id is not None
                and wanted & self.needs(answers.get(m.interview_id, {}))
            ]
        return chosen

    @staticmethod
    def _selects(segment: Segment, member: Member) -> bool:
        if segment.languages and member.language not in segment.languages:
            return False
        if segment.districts and member.district not in segment.districts:
            return False
        return not segment.statuses or questionnaire_status(member) in segment.statuses

    def needs(self, stored: dict[str, tuple[str | None, bool]]) -> set[str]:
        """The fields of action in which these stored answers raise a flag (bot/flows/needs.py)."""
        return set(needs_of(self.flow, decode_stored(self.flow, stored)))

    async def reach(self, segment: Segment) -> int:
        async with self.transaction() as session:
            return len(await self.members(session, segment))

    async def preview(self, draft: Draft) -> Preview:
        """How many people it reaches, and what each language reads."""
        async with self.transaction() as session:
            members = await self.members(session, draft.segment)
        people = Counter(m.language for m in members)
        texts = tuple(
            LanguageText(language, count, self.text_for(draft, language))
            for language, count in sorted(people.items(), key=lambda item: (-item[1], item[0]))
        )
        return Preview(len(members), texts)

    # --- What -----------------------------------------------------------------------------------

    def text_for(self, draft: Draft | Broadcast, language: str) -> str:
        """The text a person with this language gets; German with an English line if none."""
        city = {"city": self.settings.city}
        texts = dict(draft.texts)
        tr = translator(language)
        if draft.template is not None:
            source = PREPARED[draft.template]
            message = Msg(source, args=city)
            body = tr(message)
            if language != "de" and tr.gettext(source) == source:
                english = translator("en")
                translated = english.gettext(source) != source
                line = english(message) if translated else ENGLISH_LINE.format(**city)
                body = f"{translator('de')(message)}\n\n{line}"
            details = draft.text_de.strip()
            return f"{body}\n\n{details}" if details else body
        if language in texts:
            return texts[language]
        if language == "de":
            return draft.text_de
        english = texts.get("en", "")
        if not english or len(draft.text_de) + len(english) > TEXT_MAX:
            english = ENGLISH_LINE.format(**city)
        return f"{draft.text_de}\n\n{english}"

    def screen_for(self, broadcast: Broadcast | Draft, language: str) -> Screen:
        return Screen((self.text_for(broadcast, language), Msg(STOP_HINT)))

    async def compose(self, session: AsyncSession, claim: Claim) -> Outgoing | Skip:
        """The sender's composer for kind "broadcast"."""
        assert claim.broadcast_id is not None
        broadcast = self._texts.get(claim.broadcast_id)
        if broadcast is None:
            broadcast = await broadcast_store.get_broadcast(session, claim.broadcast_id)
            if broadcast is None:
                return Skip(DeliveryStatus.CANCELLED, "broadcast deleted")
            session.expunge(broadcast)
            self._texts[claim.broadcast_id] = broadcast
        language = claim.language or "de"
        return Outgoing(language, self.screen_for(broadcast, language))

    # --- When -----------------------------------------------------------------------------------

    async def send_now(
        self, draft: Draft, created_by: str, progress: tuple[int, int] | None = None
    ) -> BroadcastView:
        """Create the broadcast and put one delivery per person into the outbox at once."""
        self._check(draft)
        now = self.clock()
        async with self.transaction() as session:
            broadcast = await broadcast_store.add_broadcast(
                session, self._new(draft, created_by, now, None, progress)
            )
            assert broadcast.id is not None
            await broadcast_store.set_broadcast_status(
                session, broadcast.id, ("scheduled",), "sending", now
            )
            members = await self.members(session, draft.segment)
            await broadcast_store.enqueue_broadcast(
                session, broadcast.id, [m.respondent_id for m in members], now
            )
            broadcast_id = broadcast.id
            detail = f"#{broadcast_id} to {len(members)} people"
            await audit(session, now, created_by, "broadcast_send", detail=detail)
        self.wake()
        view = await self.status(broadcast_id)
        assert view is not None
        return view

    async def schedule(
        self, draft: Draft, at: datetime, created_by: str, progress: tuple[int, int] | None = None
    ) -> BroadcastView:
        """Send at `at` (aware); the people are chosen then, so newcomers are included."""
        self._check(draft)
        if at.tzinfo is None:
            raise ValueError("the time must carry its zone")
        now = self.clock()
        async with self.transaction() as session:
            broadcast = await broadcast_store.add_broadcast(
                session, self._new(draft, created_by, now, at, progress)
            )
            broadcast_id = broadcast.id
            detail = f"#{broadcast_id} at {at.isoformat(timespec='minutes')}"
            await audit(session, now, created_by, "broadcast_schedule", detail=detail)
        assert broadcast_id is not None
        view = await self.status(broadcast_id)
        assert view is not None
        return view

    def _check(self, draft: Draft) -> None:
        problems = draft.problems(self.settings)
        if problems:
            raise ValueError("; ".join(problems))

    def _new(
        self,
        draft: Draft,
        created_by: str,
        now: datetime,
        at: datetime | None,
        progress: tuple[int, int] | None,
    ) -> Broadcast:
        return Broadcast(
            text_de=draft.text_de,
            texts=dict(draft.texts),
            template=draft.template,
            segment=draft.segment.to_json(),
            status="scheduled",
            scheduled_at=at,
            created_by=created_by[:64],
            created_at=now,
            progress_chat_id=progress[0] if progress else None,
            progress_message_id=progress[1] if progress else None,
        )

    async def fire_due(self, now: datetime | None = None) -> list[int]:
        """Start every scheduled broadcast whose time has come (a periodic job)."""
        now = now or self.clock()
        async with self.transaction() as session:
            due = await broadcast_store.due_broadcasts(session, now)
        fired = []
        for broadcast_id in due:
            async with self.transaction() as session:
                broadcast = await broadcast_store.get_broadcast(session, broadcast_id)
                if broadcast is None or broadcast.scheduled_at is None:
                    continue
                if now - broadcast.scheduled_at > LATE_LIMIT:
                    await broadcast_store.set_broadcast_status(
                        session, broadcast_id, ("scheduled",), "missed", now
                    )
                    continue
                if not await broadcast_store.set_broadcast_status(
                    session, broadcast_id, ("scheduled",), "sending", now
                ):
                    continue  # another replica fired it
                segment = Segment.from_json(broadcast.segment)
                members = await self.members(session, segment)
                await broadcast_store.enqueue_broadcast(
                    session, broadcast_id, [m.respondent_id for m in members], now
                )
                fired.append(broadcast_id)
        if fired:
            self.wake()
        return fired

    async def close_finished(self, now: datetime | None = None) -> list[int]:
        async with self.transaction() as session:
            return await broadcast_store.close_finished(session, now or self.clock())

    async def cancel(self, broadcast_id: int, by: str = "cli") -> bool:
        async with self.transaction() as session:
            cancelled = await broadcast_store.cancel_broadcast(session, broadcast_id, self.clock())
            if cancelled:
                await audit(
                    session, self.clock(), by, "broadcast_cancel", detail=f"#{broadcast_id}"
                )
            return cancelled

    # --- How it goes ----------------------------------------------------------------------------

    async def status(self, broadcast_id: int) -> BroadcastView | None:
        async with self.transaction() as session:
            broadcast = await broadcast_store.get_broadcast(session, broadcast_id)
            if broadcast is None:
                return None
            return await self._view(session, broadcast)

    async def recent(self, limit: int = 20) -> list[BroadcastView]:
        async with self.transaction() as session:
            return [
                await self._view(session, b)
                for b in await broadcast_store.list_broadcasts(session, limit)
            ]

    async def watched(self) -> list[BroadcastView]:
        """Broadcasts whose coordinator watches a progress message that is not final yet."""
        async with self.transaction() as session:
            return [
                await self._view(session, b)
                for b in await broadcast_store.watched_broadcasts(session)
            ]

    async def shown(self, broadcast_id: int, text: str, final: bool) -> None:
        async with self.transaction() as session:
            await broadcast_store.progress_shown(
                session, broadcast_id, text, self.clock() if final else None
            )

    async def _view(self, session: AsyncSession, broadcast: Broadcast) -> BroadcastView:
        assert broadcast.id is not None
        counts = await broadcast_store.delivery_counts(session, broadcast.id)
        if broadcast.template:
            summary = PREPARED_NAMES.get(broadcast.template, broadcast.template)
        else:
            summary = broadcast.text_de.replace("\n", " ")
            summary = summary if len(summary) <= 60 else summary[:59] + "…"
        return BroadcastView(
            id=broadcast.id,
            status=broadcast.status,
            segment=Segment.from_json(broadcast.segment),
            summary=summary,
            created_by=broadcast.created_by,
            created_at=broadcast.created_at,
            scheduled_at=broadcast.scheduled_at,
            started_at=broadcast.started_at,
            finished_at=broadcast.finished_at,
            counts=counts,
            progress_chat_id=broadcast.progress_chat_id,
            progress_message_id=broadcast.progress_message_id,
            progress_shown=broadcast.progress_shown,
        )


def questionnaire_status(member: Member) -> Status:
    if member.interview_status == "finished":
        return "finished"
    return "unfinished" if member.answered > 0 else "not_started"


# --- In German, for coordinators (Telegram and the command line) ---------------------------

FINAL = ("done", "cancelled", "missed")
TIME_FORMATS = ("%d.%m.%Y %H:%M", "%d.%m.%y %H:%M", "%Y-%m-%d %H:%M")


def parse_time(text: str, settings: Settings) -> datetime | None:
    """A date and time as coordinators write it, in the city's time zone."""
    for pattern in TIME_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).replace(tzinfo=settings.zone)
        except ValueError:
            continue
    return None


def status_line(view: BroadcastView, settings: Settings) -> str:
    counts = view.counts
    when = ""
    if view.status == "scheduled" and view.scheduled_at is not None:
        when = " für " + view.scheduled_at.astimezone(settings.zone).strftime("%d.%m.%Y %H:%M")
    return (
        f"#{view.id} {STATUS_LABELS.get(view.status, view.status)}{when}: „{view.summary}“ an "
        f"{view.segment.describe(settings)} – {counts.sent}/{counts.total} gesendet"
    )


STATUS_LABELS = {
    "scheduled": "geplant",
    "sending": "läuft",
    "done": "fertig",
    "cancelled": "gestoppt",
    "missed": "verpasst",
}


def progress_text(view: BroadcastView, settings: Settings) -> str:
    """The one progress message of a broadcast, in German."""
    c = view.counts
    head = f"Rundschreiben #{view.id} „{view.summary}“ an {view.segment.describe(settings)}"
    numbers = f"{c.sent} von {c.total} gesendet, {c.blocked} blockiert, {c.failed} fehlgeschlagen"
    if view.status == "scheduled" and view.scheduled_at is not None:
        at = view.scheduled_at.astimezone(settings.zone).strftime("%d.%m.%Y um %H:%M")
        return f"{head}\nGeplant für {at} (Stopp: /broadcasts)."
    if view.status == "missed":
        return f"{head}\nNicht gesendet: Der Bot lief zum geplanten Zeitpunkt nicht."
    if view.status == "sending":
        return f"{head}\nWird gesendet: {numbers}."
    label = "Fertig" if view.status == "done" else "Gestoppt"
    return f"{head}\n{label}: {numbers}."


def report_text(view: BroadcastView) -> str:
    c = view.counts
    lines = [f"Bericht zu Rundschreiben #{view.id}:", f"• gesendet: {c.sent} von {c.total}"]
    if c.blocked:
        lines.append(f"• blockiert: {c.blocked} (haben den Bot gesperrt und bekommen nichts mehr)")
    if c.failed:
        lines.append(f"• fehlgeschlagen: {c.failed} (auch nach mehreren Versuchen)")
    if c.cancelled:
        lines.append(f"• nicht gesendet: {c.cancelled} (gestoppt, /stop oder Daten gelöscht)")
    if view.started_at and view.finished_at:
        seconds = int((view.finished_at - view.started_at).total_seconds())
        lines.append(f"• Dauer: {seconds // 60} min {seconds % 60} s")
    return "\n".join(lines)
