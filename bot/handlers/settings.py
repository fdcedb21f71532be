"""/settings, /model, /system and the settings menu's buttons: one chat's choices.

Anyone may look; in a group only its administrators may change (asked with getChatMember).
The choices are saved in the chat's FSM data and read by the next turn (bot/chat_settings).
Each handler only hands its work to the chat's outbox (bot/delivery/outbox.py): asking
Telegram who is an admin, Groq which models there are, and answering all happen there, in
the chat's order, while the dispatch loop goes on.
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from loguru import logger

from bot.chat_settings.menu import (
    SettingsButton,
    after_press,
    models_keyboard,
    settings_keyboard,
    settings_text,
)
from bot.chat_settings.model import SYSTEM_PROMPT_LIMIT, read, write
from bot.config import Settings
from bot.core.chat_settings import ChatSettings
from bot.core.errors import ModelError
from bot.core.messages import ChatMessage
from bot.core.trimming import min_tokens_for
from bot.delivery.outbox import Outbox
from bot.handlers.admins import may_change, menu_of
from bot.llm.catalog import ModelCatalog
from bot.texts import Texts, texts_for


async def _show_settings(
    message: Message, state: FSMContext, texts: Texts, settings: Settings
) -> None:
    chosen, owner = await read(state), _user_id(message)
    await message.answer(
        settings_text(texts, chosen, settings.groq_model),
        reply_markup=settings_keyboard(texts, chosen, owner, settings.groq_model),
    )


async def _model_command(
    message: Message,
    command: CommandObject,
    bot: Bot,
    state: FSMContext,
    texts: Texts,
    settings: Settings,
    catalog: ModelCatalog,
) -> None:
    """`/model` lists Groq's chat models as buttons; `/model <id>` switches this chat."""
    wanted = (command.args or "").strip()
    if wanted and not await may_change(bot, message.chat, _user_id(message)):
        await message.reply(texts.admins_only)
        return
    try:
        models = await catalog.chat_models()
    except ModelError as error:
        logger.warning("chat={} model list unavailable: {}", message.chat.id, error)
        await message.reply(texts.models_unavailable)
        return
    chosen = await read(state)
    current = chosen.model or settings.groq_model
    if not wanted:
        keyboard = models_keyboard(texts, chosen, _user_id(message), models, current)
        await message.answer(
            texts.models_title_template.format(model=current), reply_markup=keyboard
        )
    elif wanted not in models:
        unknown = texts.model_unknown_template.format(model=wanted, models=", ".join(models))
        await message.reply(unknown)
    else:
        await write(state, chosen.changed(model=wanted))
        logger.info("chat={} model set", message.chat.id)
        await message.reply(texts.model_set_template.format(model=wanted))


async def _system_command(
    message: Message,
    command: CommandObject,
    bot: Bot,
    state: FSMContext,
    texts: Texts,
    settings: Settings,
) -> None:
    """`/system <text>` gives the chat a role; `/system` alone gives the default back."""
    if not await may_change(bot, message.chat, _user_id(message)):
        await message.reply(texts.admins_only)
        return
    prompt = (command.args or "").strip()
    limit = min(SYSTEM_PROMPT_LIMIT, settings.history_max_tokens * 2)  # half the budget
    fits = min_tokens_for(ChatMessage.system(prompt)) <= settings.history_max_tokens // 2
    if len(prompt) > limit or not fits:
        await message.reply(texts.system_too_long_template.format(length=len(prompt), limit=limit))
        return
    chosen = await read(state)
    await write(state, chosen.changed(system=prompt, persona=""))
    logger.info("chat={} system prompt {}", message.chat.id, "set" if prompt else "reset")
    await message.reply(texts.system_set if prompt else texts.system_reset)


async def _pressed(
    callback: CallbackQuery,
    callback_data: SettingsButton,
    bot: Bot,
    state: FSMContext,
    settings: Settings,
    catalog: ModelCatalog,
) -> None:
    """A settings button: refused when it is someone else's, not an admin's, or stale."""
    texts = texts_for(callback.from_user.language_code)
    message = await menu_of(callback, callback_data.owner, bot, texts)
    if message is None:
        return
    chosen = await read(state)
    default = settings.groq_model
    if callback_data.revision != chosen.revision:
        await _redraw(message, texts, chosen, callback_data.owner, default)
        await callback.answer(texts.menu_stale, show_alert=True)
        return
    if callback_data.action == "models":
        await _show_models(callback, message, texts, chosen, catalog, default)
        return
    changed = await after_press(callback_data, chosen, catalog, default)
    if changed is not None:
        await write(state, changed)
        logger.info("chat={} setting changed: {}", message.chat.id, callback_data.action)
    await _redraw(message, texts, changed or chosen, callback_data.owner, default)
    await callback.answer(texts.setting_saved if changed is not None else None)


async def _show_models(
    callback: CallbackQuery,
    message: Message,
    texts: Texts,
    chosen: ChatSettings,
    catalog: ModelCatalog,
    default: str,
) -> None:
    try:
        models = await catalog.chat_models()
    except ModelError:
        await callback.answer(texts.models_unavailable, show_alert=True)
        return
    current = chosen.model or default
    keyboard = models_keyboard(texts, chosen, callback.from_user.id, models, current)
    await _edit(message, texts.models_title_template.format(model=current), keyboard)
    await callback.answer()


async def _redraw(
    message: Message, texts: Texts, chosen: ChatSettings, owner: int, default: str
) -> None:
    keyboard = settings_keyboard(texts, chosen, owner, default)
    await _edit(message, settings_text(texts, chosen, default), keyboard)


async def _edit(message: Message, text: str, keyboard: InlineKeyboardMarkup) -> None:
    try:
        await message.edit_text(text, reply_markup=keyboard)
    except TelegramBadRequest as error:  # "not modified": the menu already says this
        logger.debug("chat={} menu not edited: {}", message.chat.id, error.message)


def _user_id(message: Message) -> int:
    return message.from_user.id if message.from_user is not None else message.chat.id


async def show_settings(
    message: Message, state: FSMContext, texts: Texts, settings: Settings, outbox: Outbox
) -> None:
    outbox.send(message.chat.id, lambda: _show_settings(message, state, texts, settings))


async def model_command(
    message: Message,
    command: CommandObject,
    bot: Bot,
    state: FSMContext,
    texts: Texts,
    settings: Settings,
    catalog: ModelCatalog,
    outbox: Outbox,
) -> None:
    outbox.send(
        message.chat.id,
        lambda: _model_command(message, command, bot, state, texts, settings, catalog),
    )


async def system_command(
    message: Message,
    command: CommandObject,
    bot: Bot,
    state: FSMContext,
    texts: Texts,
    settings: Settings,
    outbox: Outbox,
) -> None:
    outbox.send(
        message.chat.id, lambda: _system_command(message, command, bot, state, texts, settings)
    )


async def pressed(
    callback: CallbackQuery,
    callback_data: SettingsButton,
    bot: Bot,
    state: FSMContext,
    settings: Settings,
    catalog: ModelCatalog,
    outbox: Outbox,
) -> None:
    chat_id = callback.message.chat.id if callback.message else callback.from_user.id
    outbox.send(chat_id, lambda: _pressed(callback, callback_data, bot, state, settings, catalog))


def make_router() -> Router:
    router = Router(name="settings")
    router.message.register(show_settings, Command("settings"))
    router.message.register(model_command, Command("model"))
    router.message.register(system_command, Command("system"))
    router.callback_query.register(pressed, SettingsButton.filter())
    return router
