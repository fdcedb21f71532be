"""/dialogs, the dialogs menu's buttons, and the reply that renames a dialog.

A private chat's dialogs are its user's; a group's (or forum topic's) are its
administrators' to list, resume, rename and delete (bot/handlers/admins.py). Like the
settings, the handlers hand their work to the chat's outbox (bot/delivery/outbox.py):
asking Telegram who is an admin, and answering, happen there while the dispatch loop goes
on. A resume goes through the conversation (`Conversations.resume`), like a new dialog; in
a private chat it happens in the dispatch loop itself (storage only), so the next message
already continues the dialog opened.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import CallbackQuery, ForceReply, InlineKeyboardMarkup, Message
from loguru import logger

from bot.conversation.conversations import Conversations
from bot.conversation.titles import TITLE_CHARS
from bot.core.chat import ChatKey
from bot.delivery.outbox import Outbox
from bot.handlers.admins import is_admin, menu_of
from bot.handlers.dialog_menu import (
    DialogButton,
    confirm_keyboard,
    list_keyboard,
    list_text,
    name_of,
    view_keyboard,
    view_text,
)
from bot.handlers.filters import RepliesToUs
from bot.handlers.keys import chat_key, sender_id
from bot.handlers.topics import in_topic_mode, point_to_topic, show_topics
from bot.storage.base import DialogInfo, DialogStore
from bot.texts import LANGUAGES, Texts, texts_for

RENAMING = "renaming"  # the chat's FSM data: {"prompt": message id, "dialog": dialog id}
# How a rename prompt begins, in every language.
_PROMPTS = tuple(t.dialog_rename_template.split("{")[0] for t in LANGUAGES.values())


async def show_dialogs(
    message: Message,
    bot: Bot,
    dialogs: DialogStore,
    texts: Texts,
    outbox: Outbox,
    fsm_storage: BaseStorage,
) -> None:
    if await in_topic_mode(bot, message):
        outbox.send(
            message.chat.id, lambda: show_topics(message, bot, texts, fsm_storage, dialogs)
        )
        return
    outbox.send(message.chat.id, lambda: _show_dialogs(message, bot, dialogs, texts))


async def _show_dialogs(message: Message, bot: Bot, dialogs: DialogStore, texts: Texts) -> None:
    if not await is_admin(bot, message):
        await message.reply(texts.admins_only)
        return
    found = await dialogs.dialogs(chat_key(bot, message))
    keyboard = list_keyboard(texts, found, sender_id(message), 0)
    await message.answer(list_text(texts, found), reply_markup=keyboard)


async def pressed(
    callback: CallbackQuery,
    callback_data: DialogButton,
    bot: Bot,
    dialogs: DialogStore,
    conversations: Conversations,
    state: FSMContext,
    outbox: Outbox,
) -> None:
    """In a private chat a dialog opened is resumed here, before the next update: the
    message the user sends right after the press continues it. Nothing here waits on
    Telegram; the menu's answer, and a group's admin check, go to the chat's outbox."""
    message = callback.message
    if (
        callback_data.action == "open"
        and isinstance(message, Message)
        and message.chat.type == ChatType.PRIVATE
        and callback.from_user.id == callback_data.owner
    ):
        key = chat_key(bot, message)
        found = await dialogs.dialogs(key)
        if any(d.id == callback_data.dialog and not d.current for d in found):
            await conversations.resume(key, callback_data.dialog)
    chat_id = message.chat.id if message else callback.from_user.id
    outbox.send(
        chat_id,
        lambda: _pressed(callback, callback_data, bot, dialogs, conversations, state),
    )


async def _pressed(
    callback: CallbackQuery,
    button: DialogButton,
    bot: Bot,
    dialogs: DialogStore,
    conversations: Conversations,
    state: FSMContext,
) -> None:
    """A dialogs button: refused when it is someone else's or not an admin's."""
    texts = texts_for(callback.from_user.language_code)
    message = await menu_of(callback, button.owner, bot, texts)
    if message is None:
        return
    if button.action == "topic" and button.dialog.isdigit():
        await point_to_topic(callback, bot, int(button.dialog), texts)
        return
    key = chat_key(bot, message)
    found = await dialogs.dialogs(key)
    dialog = next((d for d in found if d.id == button.dialog), None)
    if button.action == "list" or dialog is None:
        keyboard = list_keyboard(texts, found, button.owner, button.page)
        await _edit(message, list_text(texts, found), keyboard)
        await callback.answer(None if button.action == "list" else texts.dialog_gone)
        return
    await _act(callback, message, button, key, dialog, conversations, state, texts)
    await callback.answer()


async def _act(
    callback: CallbackQuery,
    message: Message,
    button: DialogButton,
    key: ChatKey,
    dialog: DialogInfo,
    conversations: Conversations,
    state: FSMContext,
    texts: Texts,
) -> None:
    owner, page = button.owner, button.page
    name = name_of(texts, dialog)
    match button.action:
        case "open":  # the next message continues it; rename and delete are offered
            if not dialog.current:
                resumed = await conversations.resume(key, dialog.id)
                if resumed is None:
                    await _edit(message, texts.dialog_gone, None)
                    return
                dialog = resumed
            text = view_text(texts, dialog)
            await _edit(message, text, view_keyboard(texts, dialog, owner, page))
        case "rename":
            prompt = await message.answer(
                texts.dialog_rename_template.format(name=name),
                reply_markup=ForceReply(selective=True, input_field_placeholder=name[:64]),
            )
            await state.update_data({RENAMING: {"prompt": prompt.message_id, "dialog": dialog.id}})
        case "delete":
            text = texts.dialog_delete_confirm_template.format(name=name)
            await _edit(message, text, confirm_keyboard(texts, dialog, owner, page))
        case "confirm":
            await conversations.delete(key, dialog)
            await _edit(message, texts.dialog_deleted_template.format(name=name), None)


async def _edit(message: Message, text: str, keyboard: InlineKeyboardMarkup | None) -> None:
    try:
        await message.edit_text(text, reply_markup=keyboard)
    except TelegramBadRequest as error:  # "not modified": the menu already says this
        logger.debug("chat={} menu not edited: {}", message.chat.id, error.message)


async def rename_reply(message: Message, state: FSMContext) -> bool | dict[str, Any]:
    """A filter, behind the router's `RepliesToUs`: the message answers this chat's latest
    rename prompt; gives its dialog."""
    reply = message.reply_to_message  # to one of ours: the router checked it
    if reply is None or not (message.text or "").strip():
        return False
    if not (reply.text or "").startswith(_PROMPTS):
        return False  # a reply to an answer: no read of the chat's data for it
    pending = (await state.get_data()).get(RENAMING)
    if not isinstance(pending, dict) or pending.get("prompt") != reply.message_id:
        return False
    return {"renaming": str(pending.get("dialog", ""))}


async def renamed(
    message: Message,
    renaming: str,
    bot: Bot,
    state: FSMContext,
    dialogs: DialogStore,
    texts: Texts,
    outbox: Outbox,
) -> None:
    outbox.send(message.chat.id, lambda: _rename(message, renaming, bot, state, dialogs, texts))


async def _rename(
    message: Message,
    dialog_id: str,
    bot: Bot,
    state: FSMContext,
    dialogs: DialogStore,
    texts: Texts,
) -> None:
    if not await is_admin(bot, message):
        await message.reply(texts.admins_only)
        return
    title = " ".join((message.text or "").split())[:TITLE_CHARS]
    key = chat_key(bot, message)
    await state.update_data({RENAMING: None})
    if not await dialogs.rename(key, dialog_id, title):
        await message.reply(texts.dialog_gone)
        return
    logger.info("chat={} dialog {} renamed", message.chat.id, dialog_id)
    await message.reply(texts.dialog_renamed_template.format(name=title))
    if key.thread_id is not None and message.chat.type == ChatType.PRIVATE:
        await _name_topic(bot, key, dialogs, dialog_id, title)


async def _name_topic(
    bot: Bot, key: ChatKey, dialogs: DialogStore, dialog_id: str, title: str
) -> None:
    """A private chat's topic is named after its current dialog."""
    assert key.thread_id is not None
    current = next((d for d in await dialogs.dialogs(key) if d.current), None)
    if current is None or current.id != dialog_id:
        return
    try:
        await bot.edit_forum_topic(key.chat_id, key.thread_id, name=title)
    except TelegramBadRequest as error:
        logger.info("chat={} topic not renamed: {}", key.chat_id, error.message)


def make_router() -> Router:
    router = Router(name="dialogs")
    router.message.register(show_dialogs, Command("dialogs"))
    router.callback_query.register(pressed, DialogButton.filter())
    return router


def make_reply_router() -> Router:
    """Replies to a rename prompt: before the text handler, which would send them to the
    model."""
    router = Router(name="dialog titles")
    router.message.filter(RepliesToUs())  # every other message skips the router at once
    router.message.register(renamed, rename_reply)
    return router
