"""Dialogs as topics of a private chat, when the bot's topic mode is on (getMe's
`has_topics_enabled`, read once at start and kept by aiogram): a new dialog is a topic of its
own, and /dialogs lists the topics the bot opened, each a button that posts a line into its
topic for the user to jump to (a private chat's topic has no link of its own).

The topics the bot opened are kept in the chat's FSM data (the chat itself, not a topic);
each topic's dialog is the topic's own, as in a group's forum (docs/features.md, "Dialogs").
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.enums import ChatType
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from loguru import logger

from bot.core.chat import ChatKey
from bot.core.fsm import chat_context
from bot.handlers.dialog_menu import PAGE, DialogButton, day_of
from bot.keyboards import main_keyboard
from bot.storage.base import DialogStore
from bot.texts import Texts

TOPICS = "topics"  # the chat's FSM data: the thread ids of the topics the bot opened


async def in_topic_mode(bot: Bot, message: Message) -> bool:
    """A private chat of a bot with topic mode on; no wait: aiogram keeps getMe's answer."""
    return message.chat.type == ChatType.PRIVATE and bool((await bot.me()).has_topics_enabled)


async def open_topic(message: Message, bot: Bot, texts: Texts, storage: BaseStorage) -> None:
    """A new topic for the new dialog; the other topics' dialogs stay as they are. It is
    titled after its first answer (bot/conversation/titles.py)."""
    topic = await bot.create_forum_topic(message.chat.id, name=texts.dialog_topic_name)
    thread = topic.message_thread_id
    logger.info("chat={} topic {} opened", message.chat.id, thread)
    chat = chat_context(storage, ChatKey(bot.id, message.chat.id))
    opened = list((await chat.get_data()).get(TOPICS) or [])
    await chat.update_data({TOPICS: [*opened, thread][-PAGE * 5 :]})
    await bot.send_message(
        message.chat.id,
        texts.new_dialog,
        message_thread_id=thread,
        reply_markup=main_keyboard(texts),
    )
    await message.answer(texts.dialog_topic_opened)


async def show_topics(
    message: Message, bot: Bot, texts: Texts, storage: BaseStorage, dialogs: DialogStore
) -> None:
    """The topics the bot opened, the latest first, each with its dialog's title and date."""
    chat = chat_context(storage, ChatKey(bot.id, message.chat.id))
    opened: list[int] = list((await chat.get_data()).get(TOPICS) or [])
    owner = message.from_user.id if message.from_user else message.chat.id
    builder = InlineKeyboardBuilder()
    for thread in reversed(opened[-PAGE:]):
        found = await dialogs.dialogs(ChatKey(bot.id, message.chat.id, thread))
        current = next((d for d in found if d.current), None)
        if current is None:
            label = texts.dialog_topic_name
        else:
            name = texts.dialog_name(current.title, current.earlier, current.last_at)
            label = f"{name} · {day_of(current.last_at)}"
        data = DialogButton(action="topic", dialog=str(thread), owner=owner)
        builder.button(text=label, callback_data=data)
    builder.adjust(1)
    markup: InlineKeyboardMarkup | None = builder.as_markup() if opened else None
    await message.answer(
        texts.dialogs_heading if opened else texts.dialogs_none, reply_markup=markup
    )


async def point_to_topic(callback: CallbackQuery, bot: Bot, thread: int, texts: Texts) -> None:
    """A line in the topic, which the chat shows with a jump to it."""
    await bot.send_message(
        callback.from_user.id, texts.dialog_topic_here, message_thread_id=thread
    )
    await callback.answer()
