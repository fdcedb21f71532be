"""Text and /retry for the model: handed to the chat's conversation, never awaited here.

The chat's FSM state says whether its actor is busy: a message that arrives while the chat
is `awaiting_reply` gets a 👀 reaction first, so a user who sends five messages sees that all
five were taken; its answer takes the reaction away when it starts.
"""

import asyncio
from typing import Any

from aiogram import Bot, Router
from aiogram.filters import Command, StateFilter
from aiogram.types import Message

from bot.conversation.placement import Accepted
from bot.conversation.supervisor import Supervisor
from bot.core.fsm import ConversationStates
from bot.core.turn import MediaRef
from bot.delivery.reactions import Reactions
from bot.handlers.filters import HasText, LooksLikeCommand
from bot.handlers.keys import chat_key, message_turn
from bot.limits.notices import Notices
from bot.texts import Texts

BUSY = StateFilter(ConversationStates.awaiting_reply)


async def unknown_command(message: Message, texts: Texts) -> None:
    """A mistyped command costs no model call."""
    await message.reply(texts.unknown_command)


async def text(message: Message, **data: Any) -> None:
    await enqueue(message, data, retry=False)


async def queued_text(message: Message, **data: Any) -> None:
    await enqueue(message, data, retry=False, busy=True)


async def retry(message: Message, **data: Any) -> None:
    """Queued like any message, so it regenerates the answer the user saw last."""
    busy = data["raw_state"] == ConversationStates.awaiting_reply.state
    await enqueue(message, data, retry=True, busy=busy)


async def enqueue(
    message: Message,
    data: dict[str, Any],
    *,
    retry: bool,
    busy: bool = False,
    media: tuple[MediaRef, ...] = (),
    text: str | None = None,
) -> None:
    """Hand the turn to its conversation; a busy chat's message is acknowledged first.

    `data` is aiogram's handler data: the workflow data of bot/app.py, the FSM context and
    the user's texts (bot/middlewares/language.py).

    The reaction goes out in the background; its answer's clear waits for it
    (bot/delivery/reactions.py).
    """
    bot: Bot = data["bot"]
    reactions: Reactions = data["reactions"]
    notices: Notices = data["notices"]
    conversations: Supervisor = data["conversations"]
    texts: Texts = data["texts"]
    if busy:
        reactions.acknowledge(message.chat.id, message.message_id)
    turn = message_turn(message, retry=retry, acknowledged=busy, media=media, text=text)
    # A queued turn sets the chat's state to awaiting_reply in the same step (placement.py).
    result = await conversations.accept(chat_key(bot, message), turn)
    # Updates are dispatched one by one; yielding once lets this chat's actor start its model
    # call now instead of after the rest of the polling batch (just bench: overhead figures).
    await asyncio.sleep(0)
    if result is not Accepted.QUEUED and busy:
        reactions.clear([(message.chat.id, message.message_id)])
    if result is Accepted.INBOX_FULL:  # in the background, once a window
        notices.inbox_full(message, conversations.inbox_size)
    elif result is Accepted.CLOSING:
        await message.reply(texts.shutting_down)


def make_commands_router() -> Router:
    """/retry, and any other command for us: the last of the command routers."""
    router = Router(name="chat commands")
    router.message.register(retry, Command("retry"))
    router.message.register(unknown_command, LooksLikeCommand())
    return router


def make_router() -> Router:
    router = Router(name="chat")
    router.message.register(queued_text, HasText(), BUSY)
    router.message.register(text, HasText())
    return router
