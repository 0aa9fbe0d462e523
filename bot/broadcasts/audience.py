"""Who gets a broadcast: the segment, the people in it, how many it reaches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.config import Settings
from bot.core.vocabulary import QUESTIONNAIRE_STATUS_NAMES
from bot.flows.needs import decode_stored, needs_of
from bot.flows.schema import Flow, QuestionType
from storage import audience as audience_store
from storage.audience import Member
from storage.types import InterviewStatus

Status = Literal["not_started", "unfinished", "finished"]
STATUSES: tuple[Status, ...] = ("not_started", "unfinished", "finished")


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
            *(f"Handlungsfeld {v}" for v in self.fields if v not in settings.field_ids),
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
            parts.append(
                "Fragebogen " + ", ".join(QUESTIONNAIRE_STATUS_NAMES[s] for s in self.statuses)
            )
        if self.fields:
            parts.append("Bedarf in " + ", ".join(settings.field_name(f) for f in self.fields))
        return "; ".join(parts) or "alle"


def questionnaire_status(member: Member) -> Status:
    if member.interview_status == InterviewStatus.finished:
        return "finished"
    return "unfinished" if member.answered > 0 else "not_started"


def needs(flow: Flow, stored: dict[str, tuple[str | None, bool]]) -> set[str]:
    """The fields of action in which these stored answers raise a flag (bot/flows/needs.py)."""
    return set(needs_of(flow, decode_stored(flow, stored)))


async def members(session: AsyncSession, flow: Flow, segment: Segment) -> list[Member]:
    """The people in the segment who can be reached now."""
    district_question = next(
        (q.id for q in flow.questions if q.type is QuestionType.district), None
    )
    everyone = await audience_store.broadcast_members(session, district_question)
    chosen = [m for m in everyone if selects(segment, m)]
    if segment.fields:
        answers = await audience_store.answers_of(
            session, [m.interview_id for m in chosen if m.interview_id]
        )
        wanted = set(segment.fields)
        chosen = [
            m
            for m in chosen
            if m.interview_id is not None and wanted & needs(flow, answers.get(m.interview_id, {}))
        ]
    return chosen


def selects(segment: Segment, member: Member) -> bool:
    if segment.languages and member.language not in segment.languages:
        return False
    if segment.districts and member.district not in segment.districts:
        return False
    return not segment.statuses or questionnaire_status(member) in segment.statuses


async def reach(session: AsyncSession, flow: Flow, segment: Segment) -> int:
    return len(await members(session, flow, segment))
