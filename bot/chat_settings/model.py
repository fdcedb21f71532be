"""One chat's settings and where they are kept: the chat's FSM data, beside its state."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import BaseStorage

from bot.core.chat import ChatKey
from bot.core.fsm import chat_context

SYSTEM_PROMPT_LIMIT = 2000  # characters: a role, not a document; it is sent with every turn
DATA_FIELD = "chat_settings"  # the FSM data's field; other fields belong to others


@dataclass(frozen=True, slots=True)
class ChatSettings:
    """What a chat chose; empty strings mean "the bot's default"."""

    model: str = ""
    system: str = ""  # the chat's own system prompt, or a persona's
    persona: str = ""  # the persona picked in /settings, for its label
    reasoning: bool = False  # show a reasoning model's thinking, collapsed
    effort: str = ""  # reasoning effort (low, medium, high) for models that take one
    search: bool = False  # let the model search the web (a model that can, bot/llm/live.py)
    revision: int = 0  # bumped by every change: a button of an older menu is stale

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ChatSettings:
        """Unknown fields (a newer release's) are ignored; missing ones take the default."""
        raw = data.get(DATA_FIELD) or {}
        known = {f.name for f in fields(cls)}
        return cls(**{name: value for name, value in raw.items() if name in known})

    def changed(self, **changes: Any) -> ChatSettings:
        return replace(self, **changes, revision=self.revision + 1)


async def read(state: FSMContext) -> ChatSettings:
    """The settings of the chat whose FSM context this is (a handler's `state`)."""
    return ChatSettings.from_data(await state.get_data())


async def write(state: FSMContext, settings: ChatSettings) -> None:
    await state.update_data({DATA_FIELD: asdict(settings)})


class ChatSettingsStore:
    """One FSM data read per load; a save merges, so the chat's state is left alone."""

    def __init__(self, storage: BaseStorage) -> None:
        self._storage = storage

    async def load(self, key: ChatKey) -> ChatSettings:
        return await read(chat_context(self._storage, key))

    async def save(self, key: ChatKey, settings: ChatSettings) -> None:
        await write(chat_context(self._storage, key), settings)
