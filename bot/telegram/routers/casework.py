"""Casework in Telegram: notices in the team's group, staff buttons and commands, and the relay.

Group notices carry three buttons (take over, details, close). In a private chat staff register
with a code and use /cases, /case N, /write N TEXT and /close N, or simply reply to a bot message
about a case. A person whose case a caseworker took over writes as usual; their text goes to the
caseworker, and the caseworker's messages reach them with a line in their own language.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import replace

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, CommandObject, CommandStart, Filter
from aiogram.types import CallbackQuery, Message

from bot.casework.contact import CONTACT_ENDED, Contact
from bot.casework.notices import STAFF
from bot.casework.service import Casework
from bot.casework.staff import StaffService
from bot.core.i18n import Msg, translator
from bot.core.service import Event, Person
from bot.telegram.callbacks import EndContactData, unpack
from bot.telegram.filters import PRIVATE, PRIVATE_PRESS, TYPED, Staff, inline
from bot.telegram.render import Blocked, Renderer
from bot.ui.model import AskOutcome, CaseAction, PersonAction, Reply, Screen, ShowDetails
from bot.ui.text import label_text

log = logging.getLogger(__name__)

NOT_STAFF = (
    "Dieser Befehl ist nur für das Team des Integrationsmanagements.\n"
    "This command is for the integration management team only."
)
STAFF_HELP = (
    "Sie sind als Mitarbeiterin/Mitarbeiter eingetragen.\n"
    "/cases – Ihre offenen Fälle\n/case NUMMER – alle Angaben eines Falls\n"
    "/write NUMMER TEXT – der Person schreiben (oder auf eine Nachricht zum Fall antworten)\n"
    "/close NUMMER – einen Fall abschließen"
)
STALE_PRESS = "Diese Taste gilt nicht mehr."
NO_PRIVATE_CHAT = (
    "Ich kann Ihnen privat nicht schreiben. Öffnen Sie bitte einmal den Chat mit dem Bot und "
    "tippen Sie /start; dann noch einmal hier."
)


class NotIntake(Filter):
    """Callback data that no button of the questionnaire carries (checked before Staff, which
    asks the database)."""

    async def __call__(self, callback: CallbackQuery) -> bool:
        return not isinstance(unpack(callback.data), PersonAction)


class CasePress(Filter):
    """A case button: the filter hands the action to the handler."""

    async def __call__(self, callback: CallbackQuery) -> bool | dict:
        action = unpack(callback.data)
        return {"action": action} if isinstance(action, CaseAction) else False


class InContact(Filter):
    """A respondent's typed text that goes to their caseworker (see Casework.contact_of)."""

    async def __call__(
        self, message: Message, person: Person | None = None, contact: Contact | None = None
    ) -> bool:
        if person is None or contact is None:
            return False
        return await contact.contact_of(person, message.reply_to_message is not None)


async def apply(
    renderer: Renderer,
    casework: Casework,
    action: CaseAction,
    user_id: int,
    reply: Reply,
    callback: CallbackQuery | None = None,
) -> None:
    """Show what a staff action decided: notices drawn again, messages in the private chat (noted
    as about the case, for replies), the toast; a caseworker the bot cannot write to privately is
    told how to open the chat."""
    toast = reply.toast
    pressed = callback.message.message_id if callback is not None and callback.message else None
    try:
        shown = await renderer.show(user_id, replace(reply, toast=None), pressed_message_id=pressed)
    except (Blocked, TelegramAPIError):
        toast = NO_PRIVATE_CHAT
    else:
        await casework.remember(action.case_id, user_id, shown.message_ids)
    if callback is not None:
        text = label_text(toast, STAFF)[:200] if toast else None
        await callback.answer(text, show_alert=toast == NO_PRIVATE_CHAT)


# --- Handlers -----------------------------------------------------------------------------------


async def case_pressed(
    callback: CallbackQuery,
    action: CaseAction,
    renderer: Renderer,
    casework: Casework,
    incoming: Event,
) -> None:
    in_group = callback.message is not None and callback.message.chat.type != "private"
    user_id = callback.from_user.id
    reply = await casework.act(user_id, action, incoming, pressed_in_group=in_group)
    await apply(renderer, casework, action, user_id, reply, callback)


async def register(
    message: Message, command: CommandObject, staff: StaffService, incoming: Event
) -> None:
    if not command.args:
        await message.answer(
            "Bitte schreiben Sie den Code dazu, zum Beispiel: /register ABCDE-FGHJK"
        )
        return
    assert message.from_user is not None
    done = await staff.register(
        message.from_user.id, message.from_user.first_name or "", command.args.strip(), incoming
    )
    await message.answer(done.text)


async def staff_start(message: Message) -> None:
    await message.answer(STAFF_HELP)


async def my_cases(message: Message, casework: Casework) -> None:
    assert message.from_user is not None
    await message.answer((await casework.my_cases(message.from_user.id)) or NOT_STAFF)


def _number(command: CommandObject) -> tuple[int | None, str]:
    number, _, rest = (command.args or "").strip().partition(" ")
    return (int(number) if number.isdigit() else None), rest.strip()


def _by_command(action: type[ShowDetails | AskOutcome]):
    """/case N and /close N: the case buttons' actions, typed in the private chat."""

    async def handler(
        message: Message,
        command: CommandObject,
        renderer: Renderer,
        casework: Casework,
        incoming: Event,
    ) -> None:
        await _private_action(message, command, renderer, casework, incoming, action)

    return handler


case_details, close = _by_command(ShowDetails), _by_command(AskOutcome)


async def _private_action(
    message: Message,
    command: CommandObject,
    renderer: Renderer,
    casework: Casework,
    incoming: Event,
    action: type[ShowDetails | AskOutcome],
) -> None:
    number, _ = _number(command)
    if number is None:
        await message.answer(f"Bitte mit Fallnummer, zum Beispiel: /{command.command} 12")
        return
    assert message.from_user is not None
    pressed = action(number)
    reply = await casework.act(message.from_user.id, pressed, incoming, pressed_in_group=False)
    if not reply.messages and reply.toast:
        reply = replace(reply, messages=(Screen((reply.toast,)),))
    await apply(renderer, casework, pressed, message.chat.id, replace(reply, toast=None))


async def write(
    message: Message, command: CommandObject, contact: Contact, incoming: Event
) -> None:
    number, text = _number(command)
    if number is None or not text:
        await message.answer("So schreiben Sie der Person eines Falls: /write 12 Ihr Text")
        return
    await _relay_to_person(message, contact, number, text, incoming)


async def staff_reply(
    message: Message, casework: Casework, contact: Contact, incoming: Event
) -> None:
    replied = message.reply_to_message
    assert replied is not None and message.text is not None
    case_id = await casework.case_of_message(replied.chat.id, replied.message_id)
    if case_id is None:
        await message.answer(STAFF_HELP)
        return
    await _relay_to_person(message, contact, case_id, message.text, incoming)


async def _relay_to_person(
    message: Message, contact: Contact, case_id: int, text: str, incoming: Event
) -> None:
    """On its way through the outbox; the caseworker hears when it arrived, or why not now."""
    assert message.from_user is not None
    refused = await contact.write_to_person(message.from_user.id, case_id, text, incoming)
    if refused:
        await message.answer(refused)


async def person_writes(
    message: Message, contact: Contact, person: Person, incoming: Event
) -> None:
    """On its way to the caseworker through the outbox; the person hears when it arrived."""
    assert message.text is not None
    await contact.from_person(person, message.text, incoming)


async def end_contact(
    callback: CallbackQuery,
    callback_data: EndContactData,
    bot: Bot,
    contact: Contact,
    person: Person,
    incoming: Event,
) -> None:
    language = await contact.end_contact(person, callback_data.case, incoming)
    await callback.answer()
    if callback.message is not None:
        with contextlib.suppress(TelegramBadRequest):
            await bot.edit_message_reply_markup(
                chat_id=callback.message.chat.id, message_id=callback.message.message_id
            )
    await bot.send_message(callback.from_user.id, translator(language)(Msg(CONTACT_ENDED)))


async def unknown_press(callback: CallbackQuery) -> None:
    """A press nothing else took (old, forged, cut short): answered, so that the button stops
    spinning on the phone, and nothing changes."""
    await callback.answer(STALE_PRESS)


def build_router() -> Router:
    """Casework; include it after coordination and before the intake router."""
    router = Router(name="casework")
    router.callback_query.register(case_pressed, CasePress())
    router.callback_query.register(end_contact, EndContactData.filter(), PRIVATE_PRESS)
    router.message.register(register, PRIVATE, Command("register"))
    router.message.register(staff_start, PRIVATE, CommandStart(), Staff())
    router.message.register(my_cases, PRIVATE, Command("cases"))
    router.message.register(case_details, PRIVATE, Command("case"), Staff())
    router.message.register(write, PRIVATE, Command("write"), Staff())
    router.message.register(close, PRIVATE, Command("close"), Staff())
    replying_to_bot = inline(F.reply_to_message.from_user.is_bot)
    router.message.register(staff_reply, PRIVATE, TYPED, replying_to_bot, Staff())
    router.message.register(person_writes, PRIVATE, TYPED, InContact())
    # Staff typing anything else get their commands, not the questionnaire.
    router.message.register(staff_start, PRIVATE, TYPED, Staff())
    # Last: a press in a group (or without a message) that no handler took, and a staff
    # member's press in their private chat that the questionnaire does not know either.
    router.callback_query.register(unknown_press, ~PRIVATE_PRESS)
    router.callback_query.register(unknown_press, PRIVATE_PRESS, NotIntake(), Staff())
    return router
