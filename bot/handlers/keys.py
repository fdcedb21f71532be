"""Reading what the conversation needs from an aiogram Message, in one place."""

from aiogram import Bot
from aiogram.enums import ChatType
from aiogram.types import Message

from bot.core.chat import ChatKey
from bot.core.turn import MediaRef, Turn


def sender_id(message: Message) -> int:
    """Whose rate limit and quota a message counts in: its user's, or, for a message sent as
    a chat (an anonymous admin, a channel), that chat's. Telegram gives all anonymous admins
    one user id, and all channel posts another: counted by user, every group would share one."""
    if message.sender_chat is not None:
        return message.sender_chat.id
    return message.from_user.id if message.from_user is not None else message.chat.id


def chat_key(bot: Bot, message: Message) -> ChatKey:
    """The chat, or its forum topic, as aiogram's CHAT_TOPIC strategy keys its FSM state."""
    thread = message.message_thread_id if message.is_topic_message else None
    return ChatKey(bot_id=bot.id, chat_id=message.chat.id, thread_id=thread)


def message_turn(
    message: Message,
    *,
    retry: bool = False,
    acknowledged: bool = False,
    media: tuple[MediaRef, ...] = (),
    text: str | None = None,
) -> Turn:
    """What the conversation needs of a message; a /retry carries no text of its own.

    A media message's text is its caption (an album's: `text`, all its captions)."""
    user = message.from_user
    return Turn(
        chat_id=message.chat.id,
        user_id=sender_id(message),  # whose quota: a chat's, for an anonymous admin or channel
        message_id=message.message_id,
        text="" if retry else text or message.text or message.caption or "",
        language_code=user.language_code if user is not None else None,
        private=message.chat.type == ChatType.PRIVATE,
        retry=retry,
        thread_id=message.message_thread_id if message.is_topic_message else None,
        acknowledged=acknowledged,
        media=media,
        speaker=user.full_name if user is not None else "",
        sent_at=message.date.timestamp(),
    )
