"""A chat's FSM context outside a handler, keyed as aiogram's CHAT_TOPIC strategy keys it."""

from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage, StorageKey

from bot.domain import ChatKey


def chat_storage_key(key: ChatKey) -> StorageKey:
    """The chat's (or topic's) FSM record, as a handler's `state` addresses it."""
    return StorageKey(
        bot_id=key.bot_id, chat_id=key.chat_id, user_id=key.chat_id, thread_id=key.thread_id
    )


def chat_context(storage: BaseStorage, key: ChatKey) -> FSMContext:
    """The same record a handler's `state` is: the chat's (or topic's) state and data."""
    return FSMContext(storage, chat_storage_key(key))
