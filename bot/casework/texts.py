"""What caseworkers read about a case, in German: the group notice, the details, the reminder,
their list of cases, the person's messages; and the buttons that go with a notice. Rendered from
the stored codes, so the person's own language does not matter here. What the person chose (name,
typed answers, messages) passes through bot.ui.staff_text first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from babel.dates import format_datetime

from bot.core.config import Settings, Team
from bot.core.i18n import Msg, german_name, translator
from bot.core.vocabulary import OUTCOMES, PRIORITY_NAMES
from bot.flows import engine
from bot.flows.schema import Flow, Priority, QuestionType
from bot.ui.labels import labels_from_code, question_text, section_title
from bot.ui.model import AskOutcome, Button, ClaimCase, CloseCase, ShowDetails, ShowNotice
from bot.ui.staff_text import for_staff
from storage import casework as store
from storage.casework import Case, Staff
from storage.types import CaseStatus

Keys = tuple[tuple[Button, ...], ...]

# Answers to a staff action.
NOT_YOUR_TEAM = (
    "Nur registrierte Fallmanager·innen dieses Teams können das. Es wurde nichts geändert."
)
NOT_ASSIGNEE = "Diesen Fall hat {name}. Nur diese Person kann ihn abschließen oder schreiben."
UNKNOWN_CASE = "Diesen Fall gibt es nicht (mehr)."
ALREADY_CLOSED = "Dieser Fall ist schon abgeschlossen."
ALREADY_CLAIMED = "Schon übernommen von {name}."
SOMEONE_ELSE = "jemand anderes"
DETAILS_SENT = "Die Angaben stehen in Ihrem privaten Chat mit dem Bot."
# Said after the person's name where they do not talk to us in Telegram.
CHANNEL_NOTES = {"web": " · über den Web-Chat"}
WEB_LEFT = (
    "Die Person nutzt den Web-Chat: Sie sieht Ihre Nachricht, wenn sie ihn das nächste Mal "
    "öffnet, und kann dort antworten oder um einen Anruf bitten."
)
CLAIMED = "Fall #{case} gehört jetzt Ihnen."
ASK_OUTCOME = "Fall #{case} abschließen – mit welchem Ergebnis?"
CLOSED = "Fall #{case} ist abgeschlossen: {outcome}."
ERASED = "Fall #{case}: Die Angaben wurden gelöscht (auf Wunsch der Person oder nach der Frist)."
ONLY_OWN_CASES = "Sie können nur Personen Ihrer übernommenen, offenen Fälle schreiben."
CONTACT_CLOSED = "{name} hat den Kontakt beendet. Die Nachricht wurde nicht gesendet."

PRIORITY_MARKS = {"urgent": "🔴", "high": "🟠", "normal": "🟢"}


@dataclass(frozen=True)
class CaseView:
    """A case with everything needed to describe it in German.

    The name and the answers are cleaned for staff when the view is made, so no text built from
    a view can show what the person hid in them.
    """

    case: Case
    flags: list[store.CaseFlag]
    first_name: str
    chat_id: int | None
    answers: dict[str, tuple[str | None, bool]]  # question id -> (code, skipped)
    assignee: Staff | None
    channel: str = "telegram"  # how the person talks to us: telegram, web

    def __post_init__(self) -> None:
        object.__setattr__(self, "first_name", person_name(self.first_name))
        cleaned = {q: (None if code is None else for_staff(code), skipped)
                   for q, (code, skipped) in self.answers.items()}  # fmt: skip
        object.__setattr__(self, "answers", cleaned)

    @property
    def assignee_name(self) -> str | None:
        """The caseworker's Telegram name, cleaned like the person's."""
        if self.assignee is None:
            return None
        return for_staff(self.assignee.name) or "?"


def person_name(first_name: str | None) -> str:
    """The person's Telegram first name as staff read it: cleaned, at most 64 characters."""
    return for_staff(first_name)[:64] or "—"


def team_of(settings: Settings, team_id: str) -> Team | None:
    return next((t for t in settings.teams if t.id == team_id), None)


def reminder_text(case: Case, now: datetime) -> str:
    hours = (now - case.created_at).total_seconds() / 3600
    return (
        f"⏰ Fall #{case.id} ({PRIORITY_MARKS.get(case.priority, '')} "
        f"{PRIORITY_NAMES.get(case.priority, case.priority)}) wartet seit "
        f"{_hours(hours)} auf Übernahme. Bitte übernehmen Sie ihn mit der Taste "
        "„Übernehmen“ in der Meldung."
    )


def cases_text(settings: Settings, cases: list[Case]) -> str:
    """/cases: a caseworker's open cases, one line each, and how to go on."""
    if not cases:
        return "Sie haben keine offenen Fälle. Neue Fälle erscheinen in der Gruppe Ihres Teams."
    zone = settings.zone
    lines = [f"Ihre offenen Fälle ({len(cases)}):"]
    for case in cases:
        since = format_datetime(case.claimed_at or case.created_at, "dd.MM.", tzinfo=zone,
                                locale="de")  # fmt: skip
        district = settings.district_name(case.district) if case.district else "—"
        lines.append(
            f"• #{case.id} {PRIORITY_MARKS.get(case.priority, '')} "
            f"{PRIORITY_NAMES.get(case.priority, case.priority)} · {german_name(case.language)}"
            f" · {district} · seit {since}"
        )
    lines += [
        "",
        "/case NUMMER – alle Angaben · /write NUMMER TEXT – der Person schreiben · "
        "/close NUMMER – abschließen. Oder antworten Sie auf eine Nachricht zu einem Fall.",
    ]
    return "\n".join(lines)


def _hours(hours: float) -> str:
    if hours < 1:
        return f"{max(1, round(hours * 60))} Minuten"
    if hours < 48:
        return f"{round(hours)} Stunden"
    return f"{round(hours / 24)} Tagen"


def _when(settings: Settings, moment: datetime) -> str:
    return format_datetime(moment, "dd.MM.yyyy HH:mm", tzinfo=settings.zone, locale="de")


def header_lines(settings: Settings, view: CaseView) -> list[str]:
    case = view.case
    mark = PRIORITY_MARKS.get(case.priority, "")
    priority = PRIORITY_NAMES.get(case.priority, case.priority).upper()
    district = settings.district_name(case.district) if case.district else "keine Angabe"
    team = team_of(settings, case.team)
    channel = CHANNEL_NOTES.get(view.channel, "")
    return [
        f"{mark} {priority} · Fall #{case.id} · {view.first_name}{channel}",
        f"Sprache: {german_name(case.language)} · Stadtteil: {district}",
        f"Team: {team.name if team else case.team} · gemeldet {_when(settings, case.created_at)}",
    ]


def flag_lines(settings: Settings, view: CaseView) -> list[str]:
    ordered = sorted(view.flags, key=lambda f: -Priority(f.priority).rank)
    return [
        f"• {settings.field_name(f.field)}: {f.reason}"
        + (f" ({PRIORITY_NAMES[f.priority]})" if f.priority != "normal" else "")
        for f in ordered
    ]


def answer_line(settings: Settings, flow: Flow, view: CaseView, question_id: str) -> str | None:
    stored = view.answers.get(question_id)
    if stored is None:
        return None
    question = flow.question(question_id)
    code, skipped = stored
    de = translator("de")
    asked = de(question_text(flow, question))
    if question.type is QuestionType.text and code is not None and not skipped:
        value = engine.decode_answer(question, code)
        shown = f"„{value}“ (so geschrieben, Sprache der Person: {german_name(view.case.language)})"
    elif question.type is QuestionType.district and code is not None:
        shown = settings.district_name(code)
    else:
        labels = labels_from_code(flow, question, code, skipped)
        shown = ", ".join(de(label) if isinstance(label, Msg) else label for label in labels)
    return f"• {asked} – {shown}"


def questions_that_matter(flow: Flow, view: CaseView) -> list[str]:
    """The flagged questions, their fields' sections and the contact questions, in flow order."""
    fields = {f.field for f in view.flags}
    flagged = {f.question_id for f in view.flags}
    first = flow.sections[0].id if flow.sections else None
    wanted = []
    for section in flow.sections:
        keep = section.field in fields or (section.field is None and section.id != first)
        for question in section.questions:
            if keep or question.id in flagged:
                wanted.append(question.id)
    return wanted


def notice_text(settings: Settings, flow: Flow, view: CaseView) -> str:
    case = view.case
    lines = header_lines(settings, view)
    lines += ["", "Anlass:", *flag_lines(settings, view), "", "Wichtige Antworten:"]
    lines += [
        line
        for qid in questions_that_matter(flow, view)
        if (line := answer_line(settings, flow, view, qid))
    ]
    lines.append("")
    if case.status == CaseStatus.new:
        lines.append("Status: neu – noch nicht übernommen.")
    elif case.status == CaseStatus.claimed:
        name = view.assignee_name or "—"
        lines.append(
            f"✅ Übernommen von {name} am {_when(settings, case.claimed_at or case.updated_at)}."
        )
    else:
        name = view.assignee_name or "—"
        outcome = OUTCOMES.get(case.outcome or "", case.outcome or "")
        closed = _when(settings, case.closed_at or case.updated_at)
        lines.append(f"☑️ Abgeschlossen von {name} am {closed}: {outcome}.")
    return "\n".join(lines)


def notice_buttons(case: Case) -> Keys:
    if case.status == CaseStatus.closed:
        return ()
    first = (Button("✋ Übernehmen", ClaimCase(case.id)),) if case.status == CaseStatus.new else ()
    return (
        (*first, Button("📄 Details", ShowDetails(case.id))),
        (Button("☑️ Abschließen", AskOutcome(case.id)),),
    )


def outcome_buttons(case_id: int) -> Keys:
    """The question with which outcome a case is closed, and the way back to its notice."""
    rows = tuple(
        (Button(f"✔️ {label}", CloseCase(case_id, code)),) for code, label in OUTCOMES.items()
    )
    return (*rows, (Button("↩️ Zurück", ShowNotice(case_id)),))


def details_text(settings: Settings, flow: Flow, view: CaseView, offers: Sequence[str] = ()) -> str:
    """Every answer of the person, section by section, in German (sent privately), and the
    lines of the offers that match them (bot/casework/offers.py)."""
    de = translator("de")
    lines = [*header_lines(settings, view), "", "Anlass:", *flag_lines(settings, view)]
    current = None
    for question in flow.questions:
        line = answer_line(settings, flow, view, question.id)
        if line is None:
            continue
        section = de(section_title(flow, question))
        if section != current:
            lines += ["", f"{section}:"]
            current = section
        lines.append(line)
    if offers:
        lines += ["", *(for_staff(line) for line in offers)]
    return "\n".join(lines)


def claimed_text(view: CaseView) -> str:
    case = view.case
    language = german_name(case.language)
    return "\n".join([
        f"Fall #{case.id} gehört jetzt Ihnen ({view.first_name}, {language}).",
        "",
        f"Antworten Sie auf diese Nachricht, um {view.first_name} über den Bot zu schreiben, "
        f"oder schreiben Sie: /write {case.id} Ihr Text",
        f"Die Person bekommt Ihre Nachricht mit einem Hinweis auf {language}; schreiben Sie in "
        "einfachen Worten. Ihre Antworten kommen hier an.",
        f"/case {case.id} zeigt alle Angaben, /close {case.id} schließt den Fall ab.",
    ])  # fmt: skip


def reply_text(case: Case, first_name: str | None, text: str) -> str:
    """What the person wrote back, for their caseworker: which case, who, in which language."""
    name, language = person_name(first_name), german_name(case.language)
    header = f"✉️ Fall #{case.id} – Antwort von {name} ({language}):"
    return f"{header}\n\n{for_staff(text, multiline=True)}"


def contact_ended_text(case_id: int, first_name: str | None) -> str:
    """The person pressed *Kontakt beenden*: what their caseworker is told."""
    return (
        f"Fall #{case_id}: {person_name(first_name)} hat den Kontakt beendet. Sie können ihr/ihm "
        f"nicht mehr schreiben; schließen Sie den Fall mit /close {case_id}."
    )
