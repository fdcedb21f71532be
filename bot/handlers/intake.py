"""A user's message into its chat's conversation: what every handler that queues a turn does.

A message that arrives while the chat is `awaiting_reply` gets a 👀 first, so a user who
sends five messages sees that all five were taken; its answer takes the reaction away when
it starts. Nothing here waits on Telegram: the reaction and a refusal go out in the
background (bot/delivery/reactions.py, bot/delivery/notices.py).
"""

from __future__ import annotations

import asyncio

from aiogram import Bot
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import Message

from bot.conversation.conversations import Conversations
from bot.conversation.placement import Accepted
from bot.core.fsm import ConversationStates, chat_context
from bot.core.turn import MediaRef
from bot.delivery.notices import Notices
from bot.delivery.reactions import Reactions
from bot.handlers.keys import chat_key, message_turn
from bot.texts import texts_for

BUSY_STATE = ConversationStates.awaiting_reply.state


class Intake:
    def __init__(
        self,
        conversations: Conversations,
        reactions: Reactions,
        notices: Notices,
        fsm_storage: BaseStorage,
    ) -> None:
        self._conversations = conversations
        self._reactions = reactions
        self._notices = notices
        self._fsm_storage = fsm_storage

    async def take(
        self,
        message: Message,
        bot: Bot,
        *,
        busy: bool | None,
        retry: bool = False,
        media: tuple[MediaRef, ...] = (),
        text: str | None = None,
    ) -> None:
        """Hand the turn to its conversation; `busy` None: read from the chat's state (an
        album, sent after its handler's state was read)."""
        key = chat_key(bot, message)
        if busy is None:
            busy = await chat_context(self._fsm_storage, key).get_state() == BUSY_STATE
        if busy:
            self._reactions.acknowledge(message.chat.id, message.message_id)
        turn = message_turn(message, retry=retry, acknowledged=busy, media=media, text=text)
        # A queued turn sets the chat's state to awaiting_reply in the same step (placement.py).
        result = await self._conversations.accept(key, turn)
        # Updates are dispatched one by one; yielding once lets this chat's actor start its
        # model call now instead of after the rest of the polling batch (docs/performance.md).
        await asyncio.sleep(0)
        if result is not Accepted.QUEUED and busy:
            self._reactions.clear([(message.chat.id, message.message_id)])
        if result is Accepted.INBOX_FULL:  # in the background, once a window
            self._notices.inbox_full(message, self._conversations.placement.inbox_size)
        elif result is Accepted.CLOSING:
            await message.reply(texts_for(turn.language_code).shutting_down)
