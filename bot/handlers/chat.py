"""Text for the model: handed to the chat's conversation, never awaited here."""

import asyncio

from aiogram import Bot, Router
from aiogram.types import Message

from bot.conversation.supervisor import Conversations, Submitted
from bot.conversation.turn import Turn
from bot.handlers.filters import HasText, LooksLikeCommand
from bot.handlers.keys import dialog_key, message_texts, message_turn
from bot.limits.notices import Notices


async def unknown_command(message: Message) -> None:
    """A mistyped command costs no model call."""
    await message.reply(message_texts(message).unknown_command)


async def text(message: Message, bot: Bot, conversations: Conversations, notices: Notices) -> None:
    await enqueue(message, bot, conversations, message_turn(message), notices)


async def enqueue(
    message: Message, bot: Bot, conversations: Conversations, turn: Turn, notices: Notices
) -> None:
    """Hand the turn to its conversation; only a refusal is answered here."""
    result = await conversations.accept(dialog_key(bot, message), turn)
    # Updates are dispatched one by one; yielding once lets this chat's actor start its model
    # call now instead of after the rest of the polling batch (just bench: overhead figures).
    await asyncio.sleep(0)
    texts = message_texts(message)
    if result is Submitted.INBOX_FULL:
        notices.inbox_full(message, conversations.inbox_size)  # in the background, once a window
    elif result is Submitted.CLOSING:
        await message.reply(texts.shutting_down)


def make_router() -> Router:
    router = Router(name="chat")
    router.message.register(unknown_command, LooksLikeCommand())
    router.message.register(text, HasText())
    return router
