"""Where a chat's settings (bot/core/chat_settings.py) are kept: the chat's FSM data, beside
its state."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage

from bot.core.chat import ChatKey
from bot.core.chat_settings import ChatSettings
from bot.core.fsm import chat_context

SYSTEM_PROMPT_LIMIT = 2000  # characters: a role, not a document; it is sent with every turn


async def read(state: FSMContext) -> ChatSettings:
    """The settings of the chat whose FSM context this is (a handler's `state`)."""
    return ChatSettings.from_data(await state.get_data())


async def write(state: FSMContext, settings: ChatSettings) -> None:
    await state.update_data(settings.as_data())


class ChatSettingsStore:
    """One FSM data read per load; a save merges, so the chat's state is left alone."""

    def __init__(self, storage: BaseStorage) -> None:
        self._storage = storage

    async def load(self, key: ChatKey) -> ChatSettings:
        return await read(chat_context(self._storage, key))

    async def save(self, key: ChatKey, settings: ChatSettings) -> None:
        await write(chat_context(self._storage, key), settings)
