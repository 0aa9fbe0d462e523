"""Screens for the questionnaire: a question with its buttons, help in an urgent situation, and
the end summary. A question is shown at a step (engine.Step): its buttons carry the step's key,
and inside a repeat group it is headed by the round ("Angebot 2")."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.i18n import N_, Msg
from bot.flows import engine
from bot.flows.schema import Flow, Question, QuestionType, Repeat, SkipKind, text_context
from bot.flows.steps import Step
from bot.ui.labels import answer_labels, choice_label, question_text, section_title
from bot.ui.model import Button, Choose, Navigate, Review, Screen, Toggle

SKIP_LABELS = {
    SkipKind.prefer_not: N_("Möchte ich nicht sagen"),
    SkipKind.dont_know: N_("Weiß ich nicht"),
}
INSTRUCTIONS = {
    QuestionType.number: N_("Bitte schreiben Sie eine Zahl von {min} bis {max}."),
    QuestionType.year: N_("Bitte schreiben Sie das Jahr, zum Beispiel 2021."),
    QuestionType.month_year: N_("Bitte schreiben Sie Monat und Jahr, zum Beispiel 03/2021."),
    QuestionType.text: N_("Bitte schreiben Sie Ihre Antwort (höchstens {max_length} Zeichen)."),
    QuestionType.phone: N_("Bitte schreiben Sie die Nummer, zum Beispiel 0151 23456789."),
    QuestionType.multiple: N_("Sie können mehrere Antworten wählen. Tippen Sie dann auf „Fertig“."),
}
BACK = N_("⬅️ Zurück")
DONE = N_("✅ Fertig")
URGENT_HEARD = N_(
    "Danke, dass Sie uns das sagen. Eine Fallmanagerin oder ein Fallmanager des Kommunalen "
    "Integrationsmanagements meldet sich so schnell wie möglich bei Ihnen."
)
EMERGENCY = N_(
    "Wenn Sie jetzt in Gefahr sind, rufen Sie die Polizei: 110. Krankenwagen und Feuerwehr: "
    "112. Die Anrufe sind kostenlos, Tag und Nacht."
)
GO_ON = N_("Wenn Sie möchten, machen Sie jetzt mit dem Fragebogen weiter.")


def question_screen(
    flow: Flow,
    interview_id: int,
    step: Step,
    answers: engine.Answers,
    selection: frozenset[str] = frozenset(),
) -> Screen:
    """The question as the person sees it, with progress, help, buttons and back/skip."""
    question, key = step.question, step.key
    progress = engine.progress(flow, answers)
    number = progress.answered + (0 if key in answers else 1)
    parts: list[Msg | str] = [
        Msg(
            N_("{section} · Frage {number} von etwa {total}"),
            args={
                "section": section_title(flow, question),
                "number": number,
                "total": max(progress.total, number),
            },
        ),
    ]
    if step.group is not None and not step.another:
        parts.append(round_title(flow, step.group, step.round))
    parts.append(question_text(flow, question))
    if question.help:
        parts.append(Msg(question.help, context=text_context(flow.id, question.id, "help")))
    if question.type in INSTRUCTIONS:
        parts.append(
            Msg(
                INSTRUCTIONS[question.type],
                args={
                    "min": question.min if question.min is not None else 0,
                    "max": question.max if question.max is not None else 999,
                    "max_length": question.max_length,
                },
            )
        )
    earlier = answers.get(key)
    if earlier is not None and not question.has_choices:
        parts.append(
            Msg(
                N_("Ihre bisherige Antwort: {answer}"),
                args={"answer": answer_labels(flow, question, earlier)},
            )
        )
    rows = _choice_rows(flow, interview_id, step, earlier, selection)
    navigation = []
    if engine.previous_step(flow, answers, key) is not None:
        navigation.append(Button(Msg(BACK), Navigate(interview_id, key, "back")))
    if question.skip is not None:
        navigation.append(
            Button(
                Msg(SKIP_LABELS[question.skip]),
                Navigate(interview_id, key, "skip"),
                selected=isinstance(earlier, engine.Skipped),
            )
        )
    if navigation:
        rows.append(tuple(navigation))
    return Screen(parts=tuple(parts), buttons=tuple(rows))


def round_title(flow: Flow, group: Repeat, number: int) -> Msg:
    """One round of a repeat group by its label: "Angebot {number}" → "Angebot 2"."""
    context = text_context(flow.id, group.id, "label")
    return Msg(group.label, context=context, args={"number": number})


def _choice_rows(
    flow: Flow,
    interview_id: int,
    step: Step,
    earlier: object,
    selection: frozenset[str],
) -> list[tuple[Button, ...]]:
    question, key = step.question, step.key
    if not question.has_choices:
        return []
    if question.type is QuestionType.multiple:
        buttons = [
            Button(
                choice_label(flow, question, c.id),
                Toggle(interview_id, key, c.id),
                selected=c.id in selection,
            )
            for c in question.choices
        ]
        rows = [(b,) for b in buttons]
        rows.append((Button(Msg(DONE), Navigate(interview_id, key, "done")),))
        return rows
    buttons = [
        Button(
            choice_label(flow, question, c.id),
            Choose(interview_id, key, c.id),
            selected=earlier == c.id,
        )
        for c in question.choices
    ]
    per_row = 2 if question.type in (QuestionType.yes_no, QuestionType.district) else 1
    return [tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def answered_screen(flow: Flow, question: Question, value: object) -> Screen:
    """The question message after it was answered: its text and the answer, no buttons."""
    return Screen(
        parts=(
            question_text(flow, question),
            Msg(N_("✓ {answer}"), args={"answer": answer_labels(flow, question, value)}),
        ),
    )


def urgent_screen(flow: Flow, flags: Sequence[engine.Flag]) -> Screen:
    """What a person reads the moment an answer raises urgent flags: someone will get in touch,
    where to get help at once (each rule's `help`, then the emergency numbers), and go on."""
    parts = [Msg(URGENT_HEARD)]
    for flag in flags:
        rule = next(r for r in flow.question(flag.question_id).flags if r.id == flag.rule_id)
        if rule.help:
            context = text_context(flow.id, flag.question_id, "flag", rule.id)
            parts.append(Msg(rule.help, context=context))
    return Screen(parts=(*parts, Msg(EMERGENCY), Msg(GO_ON)))


def summary_screen(flow: Flow, interview_id: int, answers: engine.Answers) -> Screen:
    """Every answer, numbered, each round of a repeat group under its own heading."""
    parts: list[Msg | str] = [Msg(N_("Fast geschafft! Hier sind Ihre Antworten:"))]
    heading = None
    for number, step in enumerate(engine.answered_steps(flow, answers), start=1):
        if step.group is not None and (step.group.id, step.round) != heading and step.round:
            heading = (step.group.id, step.round)
            parts.append(round_title(flow, step.group, step.round))
        parts.append(
            Msg(
                N_("{number}. {question} — {answer}"),
                args={
                    "number": number,
                    "question": question_text(flow, step.question),
                    "answer": answer_labels(flow, step.question, answers[step.key]),
                },
            )
        )
    parts.append(Msg(N_("Ist alles richtig? Dann schicken Sie Ihre Antworten ab.")))
    return Screen(
        parts=tuple(parts),
        buttons=(
            (Button(Msg(N_("✅ Antworten abschicken")), Review(interview_id, "finish")),),
            (Button(Msg(N_("✏️ Eine Antwort ändern")), Review(interview_id, "change")),),
        ),
    )


def change_screen(flow: Flow, interview_id: int, answers: engine.Answers) -> Screen:
    buttons = [
        Button(str(number), Review(interview_id, "edit", step.key))
        for number, step in enumerate(engine.answered_steps(flow, answers), start=1)
    ]
    rows = [tuple(buttons[i : i + 5]) for i in range(0, len(buttons), 5)]
    rows.append((Button(Msg(BACK), Review(interview_id, "summary")),))
    return Screen(
        parts=(Msg(N_("Welche Antwort möchten Sie ändern? Tippen Sie auf ihre Nummer.")),),
        buttons=tuple(rows),
    )
