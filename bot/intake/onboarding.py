"""Onboarding: the choice of language, the privacy notice and consent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.i18n import N_, Msg, best_language, language_menu, language_name
from bot.core.service import Event, Person
from bot.intake.answering import Answering, State, _with_retire
from bot.intake.texts import (
    CHOOSE_LANGUAGE,
    DECLINED,
    PRIVACY,
    PRIVACY_CONTROLLER,
    PRIVACY_TITLE,
    STALE,
)
from bot.ui.model import Button, Consent, PickLanguage, Reply, Screen
from storage import interviews, respondents
from storage.models import Respondent


async def new_respondent(
    session: AsyncSession, person: Person, language: str, now: datetime
) -> Respondent:
    """The person as a new respondent of their channel (their first name cut to fit)."""
    return await respondents.create_respondent(
        session,
        person.channel,
        person.user_id,
        chat_id=person.chat_id,
        first_name=(person.first_name or "")[:64] or None,
        language=language,
        now=now,
    )


class Onboarding(Answering):
    """From the first /start to the first question (part of the conversation)."""

    def language_choice(self, person: Person, language: str | None = None) -> Reply:
        enabled = self.settings.languages
        order = language_menu(person.device_language, enabled)
        buttons = [Button(language_name(code), PickLanguage(code)) for code in order]
        rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
        language = language or best_language(person.device_language, enabled) or "de"
        greeting = Msg(
            N_("Willkommen beim Kommunalen Integrationsmanagement {city}!"),
            args={"city": self.settings.city},
        )
        return Reply(language, messages=(Screen((greeting, Msg(CHOOSE_LANGUAGE)), rows),))

    async def pick_language(self, person: Person, action: PickLanguage, event: Event) -> Reply:
        if action.language not in self.settings.languages:
            return Reply("de", toast=Msg(STALE))
        async with self.transaction(event) as session:
            state = await self.load(session, person)
            if state is None:
                return Reply(
                    action.language,
                    retire=Screen((language_name(action.language),)),
                    messages=(self.privacy_screen(action.language),),
                )
            state.respondent.language = action.language
            return self._current(
                state,
                Msg(
                    N_("Die Sprache ist jetzt: {language}."),
                    args={"language": language_name(action.language)},
                ),
                retire=True,
            )

    def privacy_screen(self, language: str, with_buttons: bool = True) -> Screen:
        privacy = self.settings.privacy
        args = {
            "city": self.settings.city,
            "days": self.settings.retention.answers_days,
            "controller": privacy.controller,
            "contact": privacy.contact,
        }
        texts = (PRIVACY_TITLE, *PRIVACY, PRIVACY_CONTROLLER)
        parts = tuple(Msg(text, args=args) for text in texts)
        if not with_buttons:
            return Screen(parts)
        buttons = (
            (Button(Msg(N_("✅ Ich bin einverstanden")), Consent(language, True)),),
            (Button(Msg(N_("❌ Nein, danke")), Consent(language, False)),),
        )
        return Screen((*parts, Msg(N_("Sind Sie einverstanden?"))), buttons)

    async def consent(self, person: Person, action: Consent, event: Event) -> Reply:
        if action.language not in self.settings.languages:
            return Reply("de", toast=Msg(STALE))
        if not action.agree:
            # Declining stores nothing about the person, not even the language.
            return Reply(
                action.language,
                retire=self.privacy_screen(action.language, with_buttons=False),
                messages=(Screen((Msg(DECLINED),)),),
            )
        async with self.transaction(event) as session:
            state = await self.load(session, person)
            if state is not None:
                return self._current(state, None, retire=True)
            now = self.clock()
            respondent = await new_respondent(session, person, action.language, now)
            respondent.consent_version = self.settings.privacy.consent_version
            respondent.consent_at = now
            interview = await interviews.start_interview(
                session, respondent.id, self.flow.id, self.flow.version, now
            )
            interview.position = self._first_question_id()
            state = State(respondent, interview, {})
            reply = self._current(
                state,
                Msg(
                    N_(
                        "Danke! Es geht los. Sie können jederzeit eine Pause machen und später "
                        "weitermachen."
                    )
                ),
            )
            return _with_retire(reply, self.privacy_screen(action.language, with_buttons=False))
