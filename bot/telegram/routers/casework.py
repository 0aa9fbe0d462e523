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

from bot.casework.service import (
    CONTACT_ENDED,
    DELIVERED,
    END_CONTACT,
    NOT_DELIVERED,
    STAFF,
    Casework,
)
from bot.casework.staff import StaffService
from bot.casework.texts import Notice
from bot.core.i18n import Msg, translator
from bot.core.service import Event, Person
from bot.telegram.callbacks import EndContactData, unpack
from bot.telegram.filters import PRIVATE, PRIVATE_PRESS, TYPED, Staff, inline
from bot.telegram.render import Blocked, Renderer, keyboard, send_long
from bot.ui.model import (
    AskOutcome,
    Button,
    CaseAction,
    EndContact,
    PersonAction,
    Reply,
    Screen,
    ShowDetails,
)
from bot.ui.text import label_text, split_text

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

    async def __call__(self, message: Message, person: Person | None = None,
                       casework: Casework | None = None) -> bool:  # fmt: skip
        if person is None or casework is None:
            return False
        return await casework.contact_of(person, message.reply_to_message is not None)


# --- Sending ------------------------------------------------------------------------------------


async def send_pending_notices(bot: Bot, casework: Casework) -> int:
    """Send every due notice once, bring outdated ones up to date in place, and overwrite those
    of erased cases; returns how many went."""
    for chat_id, message_id, text in await casework.redactions():
        try:
            await bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id)
        except TelegramAPIError as error:
            log.warning("redacting a case notice failed: %s", type(error).__name__)
    sent = 0
    for case_id in await casework.claim_notices():
        notice = await casework.notice(case_id)
        if notice is None:
            await casework.notice_sent(case_id, 0, None)
            continue
        try:
            chat_id, message_id = await deliver_notice(bot, notice)
        except TelegramAPIError as error:
            log.warning(
                "case %s: notice to team %s failed: %s", case_id, notice.team.id,
                type(error).__name__,
            )  # fmt: skip
            await casework.notice_sent(case_id, notice.team.chat_id, None)
            continue
        await casework.notice_sent(case_id, chat_id, message_id)
        sent += 1
    return sent


async def deliver_notice(bot: Bot, notice: Notice) -> tuple[int, int]:
    """Edit the notice in place, or send it (also when the old one is gone): chat and message."""
    keys = keyboard(notice.buttons, STAFF)
    if notice.replaces is not None:
        chat_id, message_id = notice.replaces
        try:
            await bot.edit_message_text(
                text=split_text(notice.text)[0], chat_id=chat_id, message_id=message_id,
                reply_markup=keys,
            )  # fmt: skip
            return chat_id, message_id
        except TelegramBadRequest as error:
            if "not modified" in str(error):
                return chat_id, message_id
            if "not found" not in str(error):
                raise
    messages = await send_long(bot, notice.team.chat_id, notice.text, keys)
    return notice.team.chat_id, messages[-1].message_id


async def remind_unclaimed(bot: Bot, casework: Casework, now) -> int:
    reminders = await casework.due_reminders(now)
    for chat_id, message_id, text in reminders:
        try:
            await send_long(bot, chat_id, text, reply_to=message_id)
        except TelegramAPIError as error:
            log.warning("reminder to chat %s failed: %s", chat_id, type(error).__name__)
    return len(reminders)


async def apply(renderer: Renderer, casework: Casework, action: CaseAction, user_id: int,
                reply: Reply, callback: CallbackQuery | None = None) -> None:  # fmt: skip
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


async def case_pressed(callback: CallbackQuery, action: CaseAction, renderer: Renderer,
                       casework: Casework, incoming: Event) -> None:  # fmt: skip
    in_group = callback.message is not None and callback.message.chat.type != "private"
    user_id = callback.from_user.id
    reply = await casework.act(user_id, action, incoming, pressed_in_group=in_group)
    await apply(renderer, casework, action, user_id, reply, callback)


async def register(message: Message, command: CommandObject, staff: StaffService,
                   incoming: Event) -> None:  # fmt: skip
    if not command.args:
        await message.answer(
            "Bitte schreiben Sie den Code dazu, zum Beispiel: /register ABCDE-FGHJK"
        )
        return
    assert message.from_user is not None
    done = await staff.register(message.from_user.id, message.from_user.first_name or "",
                                command.args.strip(), incoming)  # fmt: skip
    await message.answer(done.text)


async def staff_start(message: Message) -> None:
    await message.answer(STAFF_HELP)


async def my_cases(message: Message, casework: Casework) -> None:
    assert message.from_user is not None
    await message.answer((await casework.my_cases(message.from_user.id)) or NOT_STAFF)


def _number(command: CommandObject) -> tuple[int | None, str]:
    number, _, rest = (command.args or "").strip().partition(" ")
    return (int(number) if number.isdigit() else None), rest.strip()


async def case_details(message: Message, command: CommandObject, renderer: Renderer,
                       casework: Casework, incoming: Event) -> None:  # fmt: skip
    await _private_action(message, command, renderer, casework, incoming, ShowDetails)


async def close(message: Message, command: CommandObject, renderer: Renderer,
                casework: Casework, incoming: Event) -> None:  # fmt: skip
    await _private_action(message, command, renderer, casework, incoming, AskOutcome)


async def _private_action(message: Message, command: CommandObject, renderer: Renderer,
                          casework: Casework, incoming: Event,
                          action: type[ShowDetails | AskOutcome]) -> None:  # fmt: skip
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


async def write(message: Message, command: CommandObject, bot: Bot, casework: Casework,
                incoming: Event) -> None:  # fmt: skip
    number, text = _number(command)
    if number is None or not text:
        await message.answer("So schreiben Sie der Person eines Falls: /write 12 Ihr Text")
        return
    await _relay_to_person(message, bot, casework, number, text, incoming)


async def staff_reply(message: Message, bot: Bot, casework: Casework, incoming: Event) -> None:
    replied = message.reply_to_message
    assert replied is not None and message.text is not None
    case_id = await casework.case_of_message(replied.chat.id, replied.message_id)
    if case_id is None:
        await message.answer(STAFF_HELP)
        return
    await _relay_to_person(message, bot, casework, case_id, message.text, incoming)


async def _relay_to_person(message: Message, bot: Bot, casework: Casework, case_id: int,
                           text: str, incoming: Event) -> None:  # fmt: skip
    assert message.from_user is not None
    relay = await casework.to_person(message.from_user.id, case_id, incoming)
    if isinstance(relay, str):
        await message.answer(relay)
        return
    button = Button(Msg(END_CONTACT), EndContact(relay.case_id))
    keys = keyboard(((button,),), relay.language)
    try:
        await send_long(bot, relay.chat_id, casework.person_text(relay.language, text), keys)
    except TelegramAPIError as error:
        log.info("case %s: message to the person failed: %s", case_id, type(error).__name__)
        await message.answer(
            f"Fall #{case_id}: Die Nachricht kam nicht an (die Person hat den Bot vielleicht "
            "blockiert). Versuchen Sie einen anderen Weg."
        )
        return
    sent = await message.answer(f"✓ Fall #{case_id}: an {relay.first_name} gesendet.")
    await casework.remember(case_id, sent.chat.id, [sent.message_id])


async def person_writes(message: Message, bot: Bot, casework: Casework, person: Person,
                        incoming: Event) -> None:  # fmt: skip
    assert message.text is not None
    found = await casework.from_person(person, message.text, incoming)
    if found is None:
        return
    relay, text = found
    delivered = DELIVERED
    try:
        sent = await send_long(bot, relay.chat_id, text)
        await casework.remember(relay.case_id, relay.chat_id, [m.message_id for m in sent])
    except TelegramAPIError as error:
        log.warning("case %s: message to the caseworker failed: %s", relay.case_id,
                    type(error).__name__)  # fmt: skip
        delivered = NOT_DELIVERED
    await message.answer(translator(relay.language)(Msg(delivered)))


async def end_contact(callback: CallbackQuery, callback_data: EndContactData, bot: Bot,
                      casework: Casework, person: Person, incoming: Event) -> None:  # fmt: skip
    language, caseworker = await casework.end_contact(person, callback_data.case, incoming)
    tr = translator(language)
    await callback.answer()
    if callback.message is not None:
        with contextlib.suppress(TelegramBadRequest):
            await bot.edit_message_reply_markup(chat_id=callback.message.chat.id,
                                                message_id=callback.message.message_id)  # fmt: skip
    await bot.send_message(callback.from_user.id, tr(Msg(CONTACT_ENDED)))
    if caseworker is not None:
        with contextlib.suppress(TelegramAPIError):
            told = await bot.send_message(*caseworker)
            await casework.remember(callback_data.case, told.chat.id, [told.message_id])


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
