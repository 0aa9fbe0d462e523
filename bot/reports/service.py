"""What coordinators see: the funnel, drop-off, needs per district and field of action, cases.

Every figure is a count of people (or cases) protected by bot/reports/privacy.py. No names, chat
ids or free texts reach a report. `needs_of` is the one rule for "a person reports a need in a
field of action": the fields of the flags that also open a case at the end of the questionnaire.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.config import FieldOfAction, Settings
from bot.core.i18n import german_name
from bot.core.service import Event, FlowService
from bot.flows.needs import Answers, decode_stored, needs_of
from bot.flows.schema import Flow, Question, QuestionType
from bot.offers.source import OfferSource
from bot.reports.cases import CaseFacts, CaseTable, case_table
from bot.reports.coverage import Coverage, LanguageCoverage, coverage_of, languages_of
from bot.reports.privacy import Count, count, protect_table
from storage import interviews
from storage.audience import answers_of
from storage.casework import audit, case_facts
from storage.types import InterviewStatus

# The questions that give the groups of the tables, by id in bot/flows/needs.yaml. A flow without
# one of them simply has no such table.
DISTRICT_QUESTION = "district"
AGE_QUESTION = "age_group"
STAY_QUESTION = "in_germany_since"
LANGUAGES_QUESTION = "languages"  # the languages a person speaks well, as matching reads them
# Length of stay, for a year (or month/year) of arrival: years since then, lower bounds.
STAY_BANDS = (
    (0, "unter 1 Jahr"),
    (1, "1 bis unter 3 Jahre"),
    (3, "3 bis unter 6 Jahre"),
    (6, "6 Jahre und länger"),
)

NOT_SAID = "keine Angabe"

# --- What is read from the database -----------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """One interview as reports see it: no names, no chat ids, and no free texts (a text
    question appears only in `answered`)."""

    interview_id: int
    respondent_id: int
    language: str
    consented: bool
    status: str
    started_at: datetime
    finished_at: datetime | None
    answers: Answers
    answered: frozenset[str]  # every question with a stored answer or skip, text ones too
    needs: frozenset[str]

    @property
    def finished(self) -> bool:
        return self.status == InterviewStatus.finished


async def load_records(session: AsyncSession, flow: Flow) -> list[Record]:
    """Every interview with its decoded answers and needs."""
    rows = await interviews.every_interview(session)
    stored = await answers_of(session, [row[0] for row in rows])
    texts = {q.id for q in flow.questions if q.personal}
    records = []
    for iid, rid, language, consented, status, started, finished in rows:
        given = stored.get(iid, {})
        answers = {q: v for q, v in decode_stored(flow, given).items() if q not in texts}
        record = Record(
            iid,
            rid,
            language or "de",
            bool(consented),
            status,
            started,
            finished,
            answers,
            frozenset(given),
            needs_of(flow, answers),
        )
        records.append(record)
    return records


async def load_cases(session: AsyncSession) -> list[CaseFacts]:
    """Priority, status and times of every case."""
    return [CaseFacts(*row) for row in await case_facts(session)]


# --- The report ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Funnel:
    """People by how far they got, each counted once (their latest interview)."""

    consented: Count  # agreed to the privacy notice (nobody is stored before)
    started: Count  # answered at least one question
    finished: Count


@dataclass(frozen=True)
class DropOff:
    """People who did not finish, by the last question they answered (in the flow's order)."""

    rows: tuple[tuple[str, str, Count], ...]  # question id ("" = none answered), text, people
    total: Count


@dataclass(frozen=True)
class NeedRow:
    key: str
    label: str
    people: Count
    needs: tuple[Count, ...]  # per field, in the order of NeedTable.fields


@dataclass(frozen=True)
class NeedTable:
    """People with a need per group (district, language, …) and field of action."""

    title: str
    group: str  # the column heading of the groups
    rows: tuple[NeedRow, ...]
    total: NeedRow  # totals over every group, from all data
    fields: tuple[FieldOfAction, ...]  # the deployment's, in config.yaml order


@dataclass(frozen=True)
class Report:
    city: str
    generated_at: datetime
    funnel: Funnel
    drop_off: DropOff
    base: Count  # finished interviews: the people the need tables count
    by_district: NeedTable
    by_language: NeedTable
    by_age: NeedTable | None
    by_stay: NeedTable | None
    cases: CaseTable | None  # None: built without case figures
    coverage: Coverage | None = None  # None: built without the directory
    languages: LanguageCoverage | None = None  # the same


def latest_per_person(records: Iterable[Record]) -> list[Record]:
    latest: dict[int, Record] = {}
    for record in records:
        known = latest.get(record.respondent_id)
        if known is None or record.interview_id > known.interview_id:
            latest[record.respondent_id] = record
    return sorted(latest.values(), key=lambda r: r.interview_id)


def build_report(
    flow: Flow,
    settings: Settings,
    records: Iterable[Record],
    cases: Sequence[CaseFacts] | None,
    now: datetime,
) -> Report:
    """All aggregates, each person counted once with their latest interview."""
    people = [r for r in latest_per_person(records) if r.consented]
    finished = [r for r in people if r.finished]
    fields = settings.fields
    return Report(
        city=settings.city,
        generated_at=now,
        funnel=Funnel(
            consented=count(len(people)),
            started=count(sum(1 for r in people if r.answered)),
            finished=count(len(finished)),
        ),
        drop_off=drop_off(flow, people),
        base=count(len(finished)),
        by_district=need_table(
            "Bedarf nach Stadtteil", "Stadtteil", fields, finished, *district_groups(flow, settings)
        ),
        by_language=need_table(
            "Bedarf nach Sprache", "Sprache", fields, finished, *language_groups(settings, finished)
        ),
        by_age=_optional_table(
            flow, AGE_QUESTION, "Bedarf nach Altersgruppe", "Altersgruppe", fields, finished, now
        ),
        by_stay=_optional_table(
            flow,
            STAY_QUESTION,
            "Bedarf nach Aufenthaltsdauer",
            "Aufenthaltsdauer",
            fields,
            finished,
            now,
        ),
        cases=case_table(cases) if cases is not None else None,
    )


def drop_off(flow: Flow, people: Sequence[Record]) -> DropOff:
    order = [q.id for q in flow.questions]
    last = Counter(
        next((qid for qid in reversed(order) if qid in r.answered), "")
        for r in people
        if not r.finished
    )
    keys = [key for key in ["", *order] if last[key]]
    protected = protect_table([[last[key]] for key in keys], row_totals=False, column_totals=True)
    texts = {q.id: q.text for q in flow.questions} | {"": "(noch keine Frage beantwortet)"}
    rows = tuple(
        (key, texts[key], cells[0]) for key, cells in zip(keys, protected.cells, strict=True)
    )
    assert protected.column_totals is not None
    return DropOff(rows, protected.column_totals[0] if keys else count(0))


# A grouping: its groups in order (key, label), and the group of a record (None: not said).
Groups = list[tuple[str, str]]
GroupOf = Callable[[Record], str | None]


def need_table(
    title: str,
    heading: str,
    fields: Sequence[FieldOfAction],
    people: Sequence[Record],
    groups: Groups,
    group_of: GroupOf,
) -> NeedTable:
    """Per group: the people, and those with a need in each field; small counts protected."""
    members: dict[str, list[Record]] = {key: [] for key, _ in groups}
    labels = dict(groups)
    for record in people:
        key = group_of(record)
        if key is None or key not in members:
            key = f"~{key}" if key is not None else ""  # not said, or a value no longer offered
            labels.setdefault(key, key[1:] or NOT_SAID)
            members.setdefault(key, [])
        members[key].append(record)
    keys = [key for key in members if key in dict(groups) or members[key]]
    values = [
        [len(members[key]), *(sum(f.id in r.needs for r in members[key]) for f in fields)]
        for key in keys
    ]
    if not values:  # no groups and nobody in them
        zero = count(0)
        total = NeedRow("", "Gesamt", zero, (zero,) * len(fields))
        return NeedTable(title, heading, (), total, tuple(fields))
    protected = protect_table(values, row_totals=False, column_totals=True)
    rows = tuple(
        NeedRow(key, labels[key], cells[0], cells[1:])
        for key, cells in zip(keys, protected.cells, strict=True)
    )
    assert protected.column_totals is not None
    totals = protected.column_totals
    total = NeedRow("", "Gesamt", totals[0], totals[1:])
    return NeedTable(title, heading, rows, total, tuple(fields))


def district_groups(flow: Flow, settings: Settings) -> tuple[Groups, GroupOf]:
    groups = [(d.id, d.name) for d in settings.districts]
    return groups, _choice_of(flow, DISTRICT_QUESTION)


def language_groups(settings: Settings, people: Sequence[Record]) -> tuple[Groups, GroupOf]:
    codes = list(settings.languages) + sorted({r.language for r in people} - {*settings.languages})
    return [(code, german_name(code)) for code in codes], lambda r: r.language


def _optional_table(
    flow: Flow,
    question_id: str,
    title: str,
    heading: str,
    fields: Sequence[FieldOfAction],
    people: Sequence[Record],
    now: datetime,
) -> NeedTable | None:
    question = next((q for q in flow.questions if q.id == question_id), None)
    if question is None:
        return None
    if question.type in (QuestionType.year, QuestionType.month_year):
        groups: Groups = [(str(low), label) for low, label in STAY_BANDS]
        return need_table(title, heading, fields, people, groups, _years_since(question, now))
    if question.has_choices:
        groups = [(c.id, c.text) for c in question.choices]
        return need_table(title, heading, fields, people, groups, _choice_of(flow, question_id))
    return None


def _choice_of(flow: Flow, question_id: str) -> GroupOf:
    def group(record: Record) -> str | None:
        value = record.answers.get(question_id)
        return value if isinstance(value, str) else None

    return group


def _years_since(question: Question, now: datetime) -> GroupOf:
    def group(record: Record) -> str | None:
        value = record.answers.get(question.id)
        if isinstance(value, tuple):  # month_year: (year, month)
            year, month = value
            years = (now.year - year) - (1 if now.month < month else 0)
        elif isinstance(value, int):
            years = now.year - value  # only the year is known: whole calendar years
        else:
            return None
        return str(max(low for low, _ in STAY_BANDS if years >= low)) if years >= 0 else None

    return group


# --- The service ----------------------------------------------------------------------------------


class Reports(FlowService[Flow]):
    """Reads the database and builds the report; used by /stats and the command line."""

    offers: OfferSource | None = None  # the directory, for needs beside offers

    async def records(self, viewer: str = "cli") -> list[Record]:
        """Every interview, answers included (for the export; written to the audit log)."""
        async with self.transaction() as session:
            await audit(session, self.clock(), viewer, "export")
            return await load_records(session, self.flow)

    async def report(self, event: Event | None = None, viewer: str = "cli") -> Report:
        """The report now; `event` makes a redelivered /stats a no-op (DuplicateEvent)."""
        offers = await self.offers.active_offers() if self.offers is not None else None
        async with self.transaction(event) as session:
            await audit(session, self.clock(), viewer, "report")
            records = await load_records(session, self.flow)
            cases = await load_cases(session)
        report = build_report(self.flow, self.settings, records, cases, self.clock())
        if offers is None:
            return report
        near = self.settings.neighbours
        return replace(
            report,
            coverage=coverage_of(report.by_district, offers, near),
            languages=languages_of(spoken_by_finished(records), offers),
        )


def spoken_by_finished(records: Iterable[Record]) -> list[tuple[frozenset[str], frozenset[str]]]:
    """The needs and the ticked languages of each person the need tables count."""
    people = [r for r in latest_per_person(records) if r.consented and r.finished]
    ticked = [r.answers.get(LANGUAGES_QUESTION) for r in people]
    return [
        (r.needs, value if isinstance(value, frozenset) else frozenset())
        for r, value in zip(people, ticked, strict=True)
    ]
