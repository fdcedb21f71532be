"""A chat's FSM record as aiogram keeps it: the states a conversation passes through, and the
chat's (or topic's) context outside a handler, keyed as aiogram's CHAT_TOPIC strategy keys it."""

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseStorage, StorageKey

from bot.core.chat import ChatKey


class ConversationStates(StatesGroup):
    """`idle` when nothing is pending; `awaiting_reply` while the actor has turns to answer."""

    idle = State()
    awaiting_reply = State()


def chat_storage_key(key: ChatKey) -> StorageKey:
    """The chat's (or topic's) FSM record, as a handler's `state` addresses it."""
    return StorageKey(
        bot_id=key.bot_id, chat_id=key.chat_id, user_id=key.chat_id, thread_id=key.thread_id
    )


def chat_context(storage: BaseStorage, key: ChatKey) -> FSMContext:
    """The same record a handler's `state` is: the chat's (or topic's) state and data."""
    return FSMContext(storage, chat_storage_key(key))
