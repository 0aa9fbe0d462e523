"""Providers and their entries in a private chat: `/provider CODE` and the survey's answers
(while a provider survey is in progress, the person's presses and text belong to it), and the
coordinators' `/review` with its buttons Freigeben / Ablehnen."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import CallbackQuery, Message

from bot.core.service import Event, Person
from bot.intake.providers import ProviderSurvey
from bot.providers.desk import ProviderDesk
from bot.providers.texts import REFUSAL
from bot.telegram.callbacks import EntryData, unpack
from bot.telegram.filters import PRIVATE, PRIVATE_PRESS, TYPED, Coordinator
from bot.telegram.render import Renderer
from bot.telegram.routers.intake import show
from bot.ui.model import DecideEntry, PersonAction

ASK_FOR_CODE = (
    "Bitte schreiben Sie den Code dazu, den Sie von der Koordination bekommen haben, zum "
    "Beispiel: /provider ABCDE-FGHJK"
)


class Providing(Filter):
    """The sender is answering a provider survey, and a press is on one of its questions."""

    async def __call__(
        self,
        event: Message | CallbackQuery,
        person: Person | None = None,
        provider_survey: ProviderSurvey | None = None,
    ) -> bool:
        if person is None or provider_survey is None:
            return False
        if isinstance(event, CallbackQuery):
            action = unpack(event.data)
            if not isinstance(action, PersonAction) or not hasattr(action, "interview_id"):
                return False
            interview_id = await provider_survey.active(person)
            return interview_id is not None and action.interview_id == interview_id
        return await provider_survey.active(person) is not None


def build_router() -> Router:
    """Include it before the casework and intake routers: a survey in progress takes the text."""
    router = Router(name="providers")
    router.message.filter(PRIVATE)
    router.message.register(redeem, Command("provider"))
    router.message.register(review, Command("review"), Coordinator())
    router.message.register(refuse, Command("review"))
    router.callback_query.register(decide, EntryData.filter())
    router.message.register(typed, TYPED, Providing())
    router.callback_query.register(pressed, PRIVATE_PRESS, Providing())
    return router


async def redeem(
    message: Message,
    command: CommandObject,
    provider_survey: ProviderSurvey,
    renderer: Renderer,
    person: Person,
    incoming: Event,
) -> None:
    if not command.args:
        await message.answer(ASK_FOR_CODE)
        return
    reply = await provider_survey.redeem(person, command.args.strip()[:64], incoming)
    await show(renderer, provider_survey, person, reply)


async def typed(
    message: Message,
    provider_survey: ProviderSurvey,
    renderer: Renderer,
    person: Person,
    incoming: Event,
) -> None:
    assert message.text is not None
    reply = await provider_survey.text(person, message.text, incoming)
    await show(renderer, provider_survey, person, reply)


async def pressed(
    callback: CallbackQuery,
    provider_survey: ProviderSurvey,
    renderer: Renderer,
    person: Person,
    incoming: Event,
) -> None:
    action = unpack(callback.data)
    assert isinstance(action, PersonAction)
    reply = await provider_survey.press(person, action, incoming)
    await show(renderer, provider_survey, person, reply, callback)


async def refuse(message: Message) -> None:
    await message.answer(REFUSAL)


async def review(message: Message, providers: ProviderDesk, renderer: Renderer) -> None:
    assert message.from_user is not None
    reply = await providers.review(message.from_user.id)
    await renderer.show(message.chat.id, reply)


async def decide(
    callback: CallbackQuery, providers: ProviderDesk, renderer: Renderer, incoming: Event
) -> None:
    """A review button; anyone may press what they see, the desk checks the role."""
    action = unpack(callback.data)
    assert isinstance(action, DecideEntry)
    reply = await providers.decide(callback.from_user.id, action, incoming)
    chat = callback.message.chat.id if callback.message else callback.from_user.id
    pressed = callback.message.message_id if callback.message else None
    await renderer.show(chat, reply, pressed_message_id=pressed, callback_id=callback.id)
