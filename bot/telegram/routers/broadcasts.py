"""Coordinators in a private chat: /broadcast composes, previews, sends or schedules; progress.

The dialog's steps, what each accepts and where it goes: bot/broadcasts/composer.py; this module
asks and answers in Telegram. Progress messages and reports: bot/broadcasts/progress.py.
"""

from __future__ import annotations

import contextlib

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.broadcasts import composer
from bot.broadcasts.composer import Step, check_press, check_text, options
from bot.broadcasts.service import Broadcasts, BroadcastView
from bot.broadcasts.texts import PREPARED_NAMES, parse_time, progress_text, status_line
from bot.core.config import Settings
from bot.core.i18n import language_name
from bot.core.vocabulary import SEGMENT_KIND_NAMES
from bot.telegram.callbacks import BroadcastData, unpack
from bot.telegram.filters import PRIVATE, PRIVATE_PRESS, TYPED
from bot.telegram.filters import Coordinator as CoordinatorOnly
from bot.telegram.render import keyboard, send_long
from bot.ui.model import Button, ComposeStep, StopBroadcast
from storage.types import BroadcastStatus


class Compose(StatesGroup):
    """The dialog's steps as aiogram states ("Compose:<step>"), one per composer.Step."""

    text = State()
    details = State()
    languages = State()
    language_text = State()
    segment = State()
    preview = State()
    at = State()


def _states(steps: tuple[Step, ...]) -> StateFilter:
    return StateFilter(*(getattr(Compose, step.value) for step in steps))


async def _refused(callback: CallbackQuery, data: BroadcastData, state: FSMContext,
                   settings: Settings) -> bool:  # fmt: skip
    """Answer a press the composer refuses (forged, out of step, no longer valid)."""
    kind = (await state.get_data()).get("kind")
    problem = check_press(await state.get_state(), data.step, data.value, settings, kind)
    if problem is not None:
        await callback.answer(problem)
    return problem is not None


async def _bad_text(message: Message) -> bool:
    """Answer a typed text the composer refuses (empty, too long); the step stays."""
    problem = check_text(message.text)
    if problem is not None:
        await message.answer(problem, reply_markup=CANCEL)
    return problem is not None


def _button(label: str, step: str, value: str = "") -> Button:
    return Button(label, ComposeStep(step, value))


def _markup(*rows: list[Button]) -> InlineKeyboardMarkup | None:
    """The one keyboard builder (bot/telegram/render.py); coordinators read German."""
    return keyboard(tuple(tuple(row) for row in rows if row), "de")


CANCEL_ROW = [_button("✖️ Abbrechen", "cancel")]
CANCEL = _markup(CANCEL_ROW)
FUTURE_TIME = "Bitte ein Datum mit Uhrzeit in der Zukunft, zum Beispiel 03.12.2026 17:30"


# --- Composing ----------------------------------------------------------------------------------


async def start(message: Message, state: FSMContext) -> None:
    await state.clear()
    await state.set_state(Compose.text)
    await state.update_data(texts={})
    prepared = [[_button(f"📋 {name}", "prepared", key)] for key, name in PREPARED_NAMES.items()]
    await message.answer(
        "Neues Rundschreiben. Schreiben Sie den Text auf Deutsch – oder wählen Sie eine "
        "vorbereitete Nachricht, die jede Person in ihrer Sprache bekommt:",
        reply_markup=_markup(*prepared, CANCEL_ROW),
    )


async def german_text(message: Message, state: FSMContext, broadcasts: Broadcasts) -> None:
    if await _bad_text(message):
        return
    await state.update_data(text_de=message.text)
    await _ask_languages(message, state, broadcasts.settings)


async def prepared(callback: CallbackQuery, callback_data: BroadcastData, state: FSMContext,
                   broadcasts: Broadcasts) -> None:  # fmt: skip
    if await _refused(callback, callback_data, state, broadcasts.settings):
        return
    await state.update_data(template=callback_data.value, text_de="")
    await state.set_state(Compose.details)
    await _pressed(callback)
    await _reply(
        callback,
        f"„{PREPARED_NAMES[callback_data.value]}“. Schreiben Sie Datum, Uhrzeit und Ort dazu "
        "(sie werden unverändert angehängt) – oder ohne Zusatz weiter.",
        _markup([_button("Ohne Zusatz weiter", "segment")], CANCEL_ROW),
    )


async def details(message: Message, state: FSMContext) -> None:
    if await _bad_text(message):
        return
    await state.update_data(text_de=message.text)
    await _ask_segment(message, state)


async def pick_language(callback: CallbackQuery, callback_data: BroadcastData, state: FSMContext,
                        broadcasts: Broadcasts) -> None:  # fmt: skip
    if await _refused(callback, callback_data, state, broadcasts.settings):
        return
    await state.update_data(language=callback_data.value)
    await state.set_state(Compose.language_text)
    await _pressed(callback)
    await _reply(callback, f"Schreiben Sie den Text auf {language_name(callback_data.value)}.")


async def language_text(message: Message, state: FSMContext, broadcasts: Broadcasts) -> None:
    if await _bad_text(message):
        return
    data = await state.get_data()
    texts = {**data.get("texts", {}), data["language"]: message.text}
    await state.update_data(texts=texts)
    await _ask_languages(message, state, broadcasts.settings)


async def _ask_languages(message: Message, state: FSMContext, settings: Settings) -> None:
    await state.set_state(Compose.languages)
    texts = (await state.get_data()).get("texts", {})
    buttons = [
        _button(("✓ " if code in texts else "+ ") + language_name(code), "lang", code)
        for code in settings.languages
        if code != "de"
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    await message.answer(
        "Texte in weiteren Sprachen (freiwillig). Wer in seiner Sprache keinen Text hat, "
        "bekommt den deutschen Text mit einer Zeile auf Englisch.",
        reply_markup=_markup(*rows, [_button("Weiter: Empfänger wählen ➡️", "segment")], CANCEL_ROW),
    )


# --- Choosing the people ------------------------------------------------------------------------


async def segment_menu(callback: CallbackQuery, state: FSMContext) -> None:
    await _pressed(callback)
    assert isinstance(callback.message, Message)
    await _ask_segment(callback.message, state)


async def _ask_segment(message: Message, state: FSMContext) -> None:
    await state.set_state(Compose.segment)
    await state.update_data(kind=None, values=[])
    kinds = [[_button(label, "kind", kind)] for kind, label in SEGMENT_KIND_NAMES.items()]
    await message.answer(
        "Wer soll die Nachricht bekommen? (Personen, die /stop geschrieben oder den Bot "
        "gesperrt haben, bekommen nichts.)",
        reply_markup=_markup([_button("Alle", "kind", "everyone")], *kinds, CANCEL_ROW),
    )


async def segment_kind(callback: CallbackQuery, callback_data: BroadcastData, state: FSMContext,
                       broadcasts: Broadcasts) -> None:  # fmt: skip
    if await _refused(callback, callback_data, state, broadcasts.settings):
        return
    if callback_data.value == "everyone":
        await _pressed(callback)
        await state.update_data(kind=None, values=[])
        await _preview(callback, state, broadcasts)
        return
    await callback.answer()
    await state.update_data(kind=callback_data.value, values=[])
    await _edit_choices(callback, callback_data.value, [], broadcasts.settings)


async def segment_value(callback: CallbackQuery, callback_data: BroadcastData, state: FSMContext,
                        broadcasts: Broadcasts) -> None:  # fmt: skip
    if await _refused(callback, callback_data, state, broadcasts.settings):
        return
    data = await state.get_data()
    kind = data["kind"]
    values = list(data.get("values", []))
    if callback_data.value in values:
        values.remove(callback_data.value)
    else:
        values.append(callback_data.value)
    await state.update_data(values=values)
    await callback.answer()
    await _edit_choices(callback, kind, values, broadcasts.settings)


async def segment_chosen(
    callback: CallbackQuery, state: FSMContext, broadcasts: Broadcasts
) -> None:
    if not (await state.get_data()).get("values"):
        await callback.answer("Bitte wählen Sie mindestens eins aus.")
        return
    await _pressed(callback)
    await _preview(callback, state, broadcasts)


async def _edit_choices(
    callback: CallbackQuery, kind: str, values: list[str], settings: Settings
) -> None:
    buttons = [
        _button(("✓ " if value in values else "") + label, "value", value)
        for value, label in options(kind, settings)
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    markup = _markup(*rows, [_button("Fertig ➡️", "chosen")], CANCEL_ROW)
    assert isinstance(callback.message, Message)
    try:
        await callback.message.edit_text(
            f"{SEGMENT_KIND_NAMES[kind]}: bitte auswählen.", reply_markup=markup
        )
    except TelegramBadRequest as error:
        if "not modified" not in error.message:
            raise


# --- Preview, send, schedule --------------------------------------------------------------------


async def _preview(callback: CallbackQuery, state: FSMContext, broadcasts: Broadcasts) -> None:
    draft = composer.draft_of(await state.get_data())
    assert isinstance(callback.message, Message)
    problems = draft.problems(broadcasts.settings)
    if problems:
        await callback.message.answer(
            "Das geht so nicht: " + " ".join(problems), reply_markup=_markup(CANCEL_ROW)
        )
        return
    preview = await broadcasts.preview(draft)
    await state.set_state(Compose.preview)
    who = draft.segment.describe(broadcasts.settings)
    lines = [f"Vorschau. Empfänger: {who} – {preview.reached} Personen."]
    for entry in preview.texts:
        lines.append(f"— {language_name(entry.language)} ({entry.people}) —\n{entry.text}")
    if preview.reached:
        buttons = _markup(
            [_button("📤 Jetzt senden", "now"), _button("🕒 Zeitpunkt wählen", "later")],
            [_button("Empfänger ändern", "segment")],
            CANCEL_ROW,
        )
    else:
        lines.append("Diese Auswahl erreicht niemanden.")
        buttons = _markup([_button("Empfänger ändern", "segment")], CANCEL_ROW)
    await send_long(callback.bot, callback.message.chat.id, "\n\n".join(lines), buttons)


async def send_now(callback: CallbackQuery, state: FSMContext, broadcasts: Broadcasts) -> None:
    draft = composer.draft_of(await state.get_data())
    await state.clear()
    await _pressed(callback)
    assert isinstance(callback.message, Message)
    progress = await callback.message.answer("Rundschreiben wird vorbereitet …")
    where = (progress.chat.id, progress.message_id)
    view = await broadcasts.send_now(draft, f"telegram:{callback.from_user.id}", where)
    await _first_progress(progress, broadcasts, view)


async def ask_time(callback: CallbackQuery, state: FSMContext, broadcasts: Broadcasts) -> None:
    await state.set_state(Compose.at)
    await _pressed(callback)
    zone = broadcasts.settings.timezone
    await _reply(callback, f"Wann? Datum und Uhrzeit ({zone}), zum Beispiel 03.12.2026 17:30")


async def schedule(message: Message, state: FSMContext, broadcasts: Broadcasts) -> None:
    assert message.text is not None and message.from_user is not None
    at = parse_time(message.text, broadcasts.settings)
    if at is None or at <= broadcasts.clock():
        await message.answer(FUTURE_TIME)
        return
    draft = composer.draft_of(await state.get_data())
    await state.clear()
    progress = await message.answer("Rundschreiben wird geplant …")
    where = (progress.chat.id, progress.message_id)
    view = await broadcasts.schedule(draft, at, f"telegram:{message.from_user.id}", where)
    await _first_progress(progress, broadcasts, view)


async def _first_progress(progress: Message, broadcasts: Broadcasts, view: BroadcastView) -> None:
    """The first figures, in the reply; the outbox keeps them up to date (broadcasts/progress)."""
    text = progress_text(view, broadcasts.settings)
    with contextlib.suppress(TelegramAPIError):
        await progress.edit_text(text)
    await broadcasts.shown(view.id, text, final=False)


async def cancel_dialog(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await _pressed(callback)
    await _reply(callback, "Abgebrochen. Es wurde nichts gesendet.", None)


# --- Running broadcasts -------------------------------------------------------------------------


async def recent(message: Message, broadcasts: Broadcasts) -> None:
    views = await broadcasts.recent(10)
    if not views:
        await message.answer("Noch keine Rundschreiben. Neues: /broadcast")
        return
    lines = [status_line(view, broadcasts.settings) for view in views]
    stoppable = tuple(
        (Button(f"#{v.id} stoppen", StopBroadcast(v.id)),)
        for v in views
        if v.status in (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING)
    )
    await message.answer("\n".join(lines), reply_markup=keyboard(stoppable, "de"))


async def stop_broadcast(callback: CallbackQuery, broadcasts: Broadcasts) -> None:
    action = unpack(callback.data)
    stopped = isinstance(action, StopBroadcast) and await broadcasts.cancel(
        action.broadcast_id, f"telegram:{callback.from_user.id}"
    )
    await callback.answer("Gestoppt." if stopped else "Läuft nicht mehr.")


async def _reply(
    callback: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = CANCEL
) -> None:
    """A new message below the pressed one (None: without buttons)."""
    assert isinstance(callback.message, Message)
    await callback.message.answer(text, reply_markup=markup)


async def _pressed(callback: CallbackQuery) -> None:
    """Answer the press and take the buttons off the pressed message: each is used once."""
    await callback.answer()
    if isinstance(callback.message, Message):
        with contextlib.suppress(TelegramBadRequest):  # already without buttons
            await callback.message.edit_reply_markup(reply_markup=None)


async def out_of_step(callback: CallbackQuery) -> None:
    await callback.answer("Diese Auswahl gilt nicht mehr.")


# Handlers of the composer's steps (bot/broadcasts/composer.py declares which step takes what).
TYPED_STEPS = {
    Step.text: german_text,
    Step.details: details,
    Step.language_text: language_text,
    Step.at: schedule,
}
PRESSES = {
    "prepared": prepared,
    "lang": pick_language,
    "segment": segment_menu,
    "kind": segment_kind,
    "value": segment_value,
    "chosen": segment_chosen,
    "now": send_now,
    "later": ask_time,
    "cancel": cancel_dialog,
}


def build_router() -> Router:
    """The coordinators' router; private chats only. Include it before the respondents' one."""
    router = Router(name="coordination")
    router.message.filter(PRIVATE)
    router.callback_query.filter(PRIVATE_PRESS)
    router.message.register(start, Command("broadcast"), CoordinatorOnly())
    for step, handler in TYPED_STEPS.items():
        router.message.register(handler, _states((step,)), TYPED)
    for button, handler in PRESSES.items():
        steps = composer.steps_accepting(button)
        router.callback_query.register(
            handler, _states(steps), BroadcastData.filter(F.step == button), CoordinatorOnly()
        )
    router.message.register(recent, Command("broadcasts"), CoordinatorOnly())
    router.callback_query.register(
        stop_broadcast, BroadcastData.filter(F.step == "stop"), CoordinatorOnly()
    )
    # Any other step's button (pressed late, twice, or forged): refused, never run.
    router.callback_query.register(out_of_step, BroadcastData.filter(), CoordinatorOnly())
    return router
