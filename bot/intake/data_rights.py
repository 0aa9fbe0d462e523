"""A person's rights over their data: see it (/mydata), erase it (/delete), silence (/stop)."""

from __future__ import annotations

import json
from collections.abc import Callable

from bot.core.i18n import N_, Msg, translator
from bot.core.service import Event, Person, after_commit
from bot.flows import steps
from bot.intake.service import Conversation
from bot.ui.labels import labels_from_code, question_text
from bot.ui.model import Document, Reply, Screen, confirmation, note
from storage import inbox, interviews, respondents
from storage.db import empty_wal
from storage.providers import PROVIDER_CHANNEL

NOTHING_STORED = N_("Über Sie ist nichts gespeichert.")


class DataRights:
    """Works beside the conversation, on the same respondents and answers."""

    def __init__(
        self, conversation: Conversation, erased: Callable[[], object] = lambda: None
    ) -> None:
        self.conversation = conversation
        self.erased = erased  # told after an erasure (casework overwrites the group notices)

    @property
    def flow(self):
        return self.conversation.flow

    async def my_data(self, person: Person) -> Reply:
        """Everything stored about the person: a readable message and the same as a JSON file."""
        async with self.conversation.transaction() as session:
            found = await interviews.respondent_with_interview(
                session, person.channel, person.user_id
            )
            if found is not None:
                respondent, interview = found
                stored = await interviews.load_answers(session, interview.id) if interview else {}
        if found is None:
            return self._nothing_stored(person)
        language = respondent.language or "de"
        tr = translator(language)
        lines: list[Msg | str] = [Msg(N_("Das ist über Sie gespeichert:"))]
        records = []
        # Every stored answer in the order of the walk, each round of a repeat group in turn.
        for step in steps.path(self.flow, {key: row.code for key, row in stored.items()}):
            row, question = stored.get(step.key), step.question
            if row is None:
                continue
            labels = labels_from_code(self.flow, question, row.code, row.skipped)
            lines.append(
                Msg(
                    N_("• {question} — {answer}"),
                    args={"question": question_text(self.flow, question), "answer": labels},
                )
            )
            records.append(
                {
                    "question_id": step.key,
                    "question": tr(question_text(self.flow, question)),
                    "answer_code": row.code,
                    "skipped": row.skipped,
                    "answer": ", ".join(tr(label) for label in labels),
                }
            )
        if not records:
            lines.append(Msg(N_("Noch keine Antworten.")))
        export = {
            "respondent": {
                "channel": respondent.channel,
                "user_id": respondent.channel_user_id,
                "first_name": respondent.first_name,
                "language": respondent.language,
                "consent_version": respondent.consent_version,
                "consent_at": _iso(respondent.consent_at),
                "created_at": _iso(respondent.created_at),
                "broadcasts_opt_out": respondent.broadcasts_opt_out,
            },
            "interview": None
            if interview is None
            else {
                "flow": interview.flow_id,
                "flow_version": interview.flow_version,
                "status": interview.status,
                "started_at": _iso(interview.started_at),
                "finished_at": _iso(interview.finished_at),
                "answers": records,
            },
        }
        content = json.dumps(export, ensure_ascii=False, indent=2).encode("utf-8")
        return Reply(
            language,
            messages=(Screen(tuple(lines)),),
            document=Document("my-data.json", content, Msg(N_("Ihre Daten als Datei (JSON)."))),
        )

    async def ask_delete(self, person: Person) -> Reply:
        language = await self._guess(person)
        question = N_(
            "Möchten Sie wirklich alle Ihre Daten löschen? Das kann man nicht rückgängig machen."
        )
        return confirmation(language, question, "delete", N_("Ja, alles löschen"))

    async def delete(self, person: Person, yes: bool, event: Event) -> Reply:
        async with self.conversation.transaction(event) as session:
            respondent = await respondents.find_respondent(session, person.channel, person.user_id)
            # What they answered as an organisation's contact (bot/intake/providers.py) too.
            as_provider = await respondents.find_respondent(
                session, PROVIDER_CHANNEL, f"{person.channel}:{person.user_id}"
            )
            if respondent is None and as_provider is None:
                return self._nothing_stored(person)
            language = (respondent.language if respondent else None) or "de"
            if not yes:
                return note(
                    language,
                    N_("Gut, nichts wurde gelöscht."),
                )
            erased = [row.id for row in (respondent, as_provider) if row is not None]
            for respondent_id in erased:
                await respondents.erase_respondent(
                    session, respondent_id, self.conversation.clock()
                )
            await inbox.forget_sender(session, person.user_id)
            after_commit(session, self.erased)
        await empty_wal(self.conversation.sessions)  # no copy of the erased rows stays on disk
        return note(
            language,
            N_(
                "Alle Ihre Daten sind gelöscht. Wenn Sie wieder mitmachen möchten, schreiben Sie "
                "/start."
            ),
        )

    async def stop(self, person: Person, event: Event) -> Reply:
        async with self.conversation.transaction(event) as session:
            respondent = await respondents.find_respondent(session, person.channel, person.user_id)
            if respondent is None:
                return self._nothing_stored(person)
            respondent.broadcasts_opt_out = True
            language = respondent.language or "de"
        return note(
            language,
            N_(
                "Sie bekommen keine Erinnerungen und Ankündigungen mehr. Nachrichten Ihrer "
                "Fallmanagerin oder Ihres Fallmanagers kommen weiter an."
            ),
        )

    async def _guess(self, person: Person) -> str:
        return await self.conversation.language_of(person)

    def _nothing_stored(self, person: Person) -> Reply:
        """Nobody is stored: the phone's language is the only guess (and no query is needed)."""
        language = self.conversation.device_language(person)
        return Reply(language, messages=(Screen((Msg(NOTHING_STORED),)),))


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None
