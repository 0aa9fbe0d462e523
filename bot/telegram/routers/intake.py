"""Respondents in a private chat: commands, button presses, typed answers, everything else."""

from __future__ import annotations

from dataclasses import replace

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


async def start(
    message: Message,
    conversation: Conversation,
    renderer: Renderer,
    person: Person,
    incoming: Event,
) -> None:
    await show(renderer, conversation, person, await conversation.start(person, incoming))


async def help_(
    message: Message, conversation: Conversation, renderer: Renderer, person: Person
) -> None:
    await show(renderer, conversation, person, await conversation.help(person))


async def language(
    message: Message, conversation: Conversation, renderer: Renderer, person: Person
) -> None:
    await show(renderer, conversation, person, await conversation.change_language(person))


async def privacy(
    message: Message, conversation: Conversation, renderer: Renderer, person: Person
) -> None:
    await show(renderer, conversation, person, await conversation.privacy(person))


async def restart(
    message: Message, conversation: Conversation, renderer: Renderer, person: Person
) -> None:
    await show(renderer, conversation, person, await conversation.ask_restart(person))


async def my_data(
    message: Message,
    conversation: Conversation,
    data_rights: DataRights,
    renderer: Renderer,
    person: Person,
) -> None:
    await show(renderer, conversation, person, await data_rights.my_data(person))


async def delete(
    message: Message,
    conversation: Conversation,
    data_rights: DataRights,
    renderer: Renderer,
    person: Person,
) -> None:
    await show(renderer, conversation, person, await data_rights.ask_delete(person))


async def stop(
    message: Message,
    conversation: Conversation,
    data_rights: DataRights,
    renderer: Renderer,
    person: Person,
    incoming: Event,
) -> None:
    await show(renderer, conversation, person, await data_rights.stop(person, incoming))


async def unknown_command(
    message: Message, conversation: Conversation, renderer: Renderer, person: Person
) -> None:
    await show(renderer, conversation, person, await conversation.help(person))


async def typed(
    message: Message,
    conversation: Conversation,
    renderer: Renderer,
    person: Person,
    incoming: Event,
) -> None:
    assert message.text is not None
    await show(
        renderer, conversation, person, await conversation.text(person, message.text, incoming)
    )


async def anything_else(
    message: Message, conversation: Conversation, renderer: Renderer, person: Person
) -> None:
    """Photos, voice notes, stickers, locations, files: a hint, and nothing is stored."""
    await show(renderer, conversation, person, await conversation.unsupported(person))


async def pressed(
    callback: CallbackQuery,
    conversation: Conversation,
    data_rights: DataRights,
    renderer: Renderer,
    person: Person,
    incoming: Event,
) -> None:
    action = unpack(callback.data)
    if not isinstance(action, PersonAction):
        reply = await conversation.stale(person)
    elif isinstance(action, Confirm):
        if action.what == "delete":
            reply = await data_rights.delete(person, action.yes, incoming)
        else:
            reply = await conversation.restart(person, action.yes, incoming)
        # The question asked once: its buttons go, whatever the answer.
        reply = replace(reply, retire=reply.retire or DROP_BUTTONS)
    else:
        reply = await conversation.press(person, action, incoming)
    await show(renderer, conversation, person, reply, callback)


def build_router() -> Router:
    """The respondents' router; private chats only."""
    router = Router(name="intake")
    router.message.filter(PRIVATE)
    router.callback_query.filter(PRIVATE_PRESS)
    router.message.register(start, CommandStart())
    router.message.register(help_, Command("help"))
    router.message.register(language, Command("language"))
    router.message.register(privacy, Command("privacy"))
    router.message.register(restart, Command("restart"))
    router.message.register(my_data, Command("mydata"))
    router.message.register(delete, Command("delete"))
    router.message.register(stop, Command("stop"))
    router.message.register(unknown_command, COMMAND)
    router.message.register(typed, TYPED)
    router.message.register(anything_else)
    router.callback_query.register(pressed)
    return router
