"""Respondents in a private chat: commands, button presses, typed answers, everything else."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, Message

from bot.core.service import Event, Person
from bot.intake.data_rights import DataRights
from bot.intake.service import Conversation
from bot.telegram.callbacks import unpack
from bot.telegram.filters import COMMAND, PRIVATE, PRIVATE_PRESS, TYPED
from bot.telegram.render import Renderer
from bot.ui.model import DROP_BUTTONS, Confirm, PersonAction, Reply


async def show(
    renderer: Renderer,
    conversation: Conversation,
    person: Person,
    reply: Reply,
    callback: CallbackQuery | None = None,
) -> None:
    """Render a reply and remember a newly sent question, so its buttons can be retired later."""
    assert person.chat_id is not None
    pressed = callback.message.message_id if callback and callback.message else None
    shown = await renderer.show(
        person.chat_id,
        reply,
        pressed_message_id=pressed,
        callback_id=callback.id if callback else None,
    )
    if shown.prompt_message_id is not None:
        await conversation.remember_prompt(person, shown.prompt_message_id)


@dataclass(frozen=True)
class Turn:
    """What answering one message or press needs: the services, who it is, the update."""

    conversation: Conversation
    data_rights: DataRights
    person: Person
    incoming: Event
    event: Message | CallbackQuery


Answer = Callable[[Turn], Awaitable[Reply]]


def answering(answer: Answer) -> Callable[..., Awaitable[None]]:
    """A handler of messages or presses that shows what `answer` replies."""

    async def handler(
        event: Message | CallbackQuery,
        conversation: Conversation,
        data_rights: DataRights,
        renderer: Renderer,
        person: Person,
        incoming: Event,
    ) -> None:
        turn = Turn(conversation, data_rights, person, incoming, event)
        callback = event if isinstance(event, CallbackQuery) else None
        await show(renderer, conversation, person, await answer(turn), callback)

    return handler


async def _typed(turn: Turn) -> Reply:
    assert isinstance(turn.event, Message) and turn.event.text is not None
    return await turn.conversation.text(turn.person, turn.event.text, turn.incoming)


# Filter and answer of every kind of message, in the order they are tried.
MESSAGES: tuple[tuple[tuple[object, ...], Answer], ...] = (
    ((CommandStart(),), lambda t: t.conversation.start(t.person, t.incoming)),
    ((Command("help"),), lambda t: t.conversation.help(t.person)),
    ((Command("language"),), lambda t: t.conversation.change_language(t.person)),
    ((Command("privacy"),), lambda t: t.conversation.privacy(t.person)),
    ((Command("restart"),), lambda t: t.conversation.ask_restart(t.person)),
    ((Command("offers"),), lambda t: t.conversation.show_offers(t.person)),
    ((Command("mydata"),), lambda t: t.data_rights.my_data(t.person)),
    ((Command("delete"),), lambda t: t.data_rights.ask_delete(t.person)),
    ((Command("stop"),), lambda t: t.data_rights.stop(t.person, t.incoming)),
    ((COMMAND,), lambda t: t.conversation.help(t.person)),  # an unknown command
    ((TYPED,), _typed),
    # Photos, voice notes, stickers, locations, files: a hint, and nothing is stored.
    ((), lambda t: t.conversation.unsupported(t.person)),
)


async def _pressed(turn: Turn) -> Reply:
    assert isinstance(turn.event, CallbackQuery)
    action = unpack(turn.event.data)
    person, incoming = turn.person, turn.incoming
    if not isinstance(action, PersonAction):
        return await turn.conversation.stale(person)
    if not isinstance(action, Confirm):
        return await turn.conversation.press(person, action, incoming)
    if action.what == "delete":
        reply = await turn.data_rights.delete(person, action.yes, incoming)
    else:
        reply = await turn.conversation.restart(person, action.yes, incoming)
    # The question asked once: its buttons go, whatever the answer.
    return replace(reply, retire=reply.retire or DROP_BUTTONS)


def build_router() -> Router:
    """The respondents' router; private chats only."""
    router = Router(name="intake")
    router.message.filter(PRIVATE)
    router.callback_query.filter(PRIVATE_PRESS)
    for filters, answer in MESSAGES:
        router.message.register(answering(answer), *filters)
    router.callback_query.register(answering(_pressed))
    return router
