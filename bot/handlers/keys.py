"""Reading what the handlers need from an aiogram Message, in one place."""

from aiogram import Bot
from aiogram.enums import ChatType
from aiogram.types import Message

from bot.conversation.turn import Turn
from bot.dialog.store import DialogKey
from bot.texts import Texts, texts_for


def dialog_key(bot: Bot, message: Message) -> DialogKey:
    return DialogKey(bot_id=bot.id, chat_id=message.chat.id)


def message_turn(message: Message, *, retry: bool = False) -> Turn:
    """What the conversation needs of a message; a /retry carries no text of its own."""
    user = message.from_user
    return Turn(
        chat_id=message.chat.id,
        user_id=user.id if user is not None else message.chat.id,
        message_id=message.message_id,
        text="" if retry else message.text or "",
        language_code=user.language_code if user is not None else None,
        private=message.chat.type == ChatType.PRIVATE,
        retry=retry,
    )


def message_texts(message: Message) -> Texts:
    user = message.from_user
    return texts_for(user.language_code if user is not None else None)
