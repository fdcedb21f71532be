"""Reading what the handlers need from an aiogram Message, in one place."""

from aiogram import Bot
from aiogram.types import Message

from bot.dialog.store import DialogKey
from bot.texts import Texts, texts_for


def dialog_key(bot: Bot, message: Message) -> DialogKey:
    return DialogKey(bot_id=bot.id, chat_id=message.chat.id)


def message_texts(message: Message) -> Texts:
    user = message.from_user
    return texts_for(user.language_code if user is not None else None)
