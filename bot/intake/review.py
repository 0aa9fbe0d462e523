"""The review: summary, change, edit, and the finish that hands the person over."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.i18n import N_, Msg
from bot.flows import engine
from bot.intake import screens as prompts
from bot.intake.answering import State, _selection_code
from bot.intake.offers import Suggesting
from bot.intake.texts import CASE_MANAGER_WILL_CALL, NEXT_STEPS, STALE, THANKS
from bot.offers.model import Offer
from bot.ui.model import DROP_BUTTONS, Reply, Screen
from storage.types import InterviewStatus


class Reviewing(Suggesting):
    """The steps on the summary once every question is answered (part of the conversation)."""

    async def _review(
        self,
        session: AsyncSession,
        state: State,
        step: str,
        qid: str,
        offers: tuple[Offer, ...] = (),
    ) -> Reply:
        iid, answers = state.interview.id, state.answers
        match step:
            case "change":
                return self._edited(state, prompts.change_screen(self.flow, iid, answers))
            case "summary":
                return self._edited(state, prompts.summary_screen(self.flow, iid, answers))
            case "edit":
                return self._edit(state, qid)
            case "finish":
                return await self._finish(session, state, offers)
        raise TypeError(f"unknown review step {step!r}")

    def _edit(self, state: State, qid: str) -> Reply:
        if qid not in state.answers:
            return Reply(state.language, toast=Msg(STALE))
        interview = state.interview
        interview.position = qid
        earlier = state.answers[qid]
        interview.selection = _selection_code(earlier)
        return self._current(state, None, retire=True)

    async def _finish(
        self, session: AsyncSession, state: State, offers: tuple[Offer, ...]
    ) -> Reply:
        """The interview is finished; flagged answers hand the person over to casework; the
        offers matching the person's needs follow the thanks."""
        interview = state.interview
        now = self.clock()
        interview.status = InterviewStatus.finished
        interview.finished_at = now
        interview.updated_at = now
        flags = engine.handover_flags(self.flow, state.answers, submitted=True)
        if flags and self.handover is not None:
            await self.handover(session, state.respondent, interview, flags)
        closing = [Msg(THANKS), Msg(NEXT_STEPS)]
        if flags:
            closing.append(Msg(CASE_MANAGER_WILL_CALL))
        closing.append(Msg(N_("/mydata zeigt Ihre Antworten, /delete löscht alles.")))
        return Reply(
            state.language,
            retire=DROP_BUTTONS,
            prompt_ref=state.respondent.prompt_message_id,
            messages=(
                Screen(tuple(closing)),
                *self.suggestions(state.language, state.answers, offers, quiet=True),
            ),
        )
