"""What a chat's settings make of one turn: its system prompt, model and options."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from loguru import logger

from bot.chat_settings.model import ChatSettings, ChatSettingsStore
from bot.core.chat import ChatKey
from bot.core.errors import StorageUnavailable
from bot.core.messages import ChatMessage, Role
from bot.core.trimming import Budget
from bot.llm.catalog import ModelCatalog


@dataclass(frozen=True, slots=True)
class TurnSettings:
    """Read once per turn (with its history), handed to the model call via ModelRequest."""

    system: ChatMessage
    model: str | None = None  # None: the bot's default (GROQ_MODEL)
    reasoning: bool = False
    effort: str = ""
    search: bool = False
    removed_model: str = ""  # the chat's model Groq no longer offers: fallen back, tell once
    budget: Budget | None = None  # the history's: None is HISTORY_MAX_TOKENS/_MESSAGES


class ChatPreferences:
    """The settings store, the model catalog and the bot's defaults, for the turn runner."""

    def __init__(
        self,
        store: ChatSettingsStore,
        catalog: ModelCatalog,
        default_system: ChatMessage,
        budget: Budget,
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._default_system = default_system
        self._budget = budget

    async def for_turn(self, key: ChatKey, settings: ChatSettings) -> TurnSettings:
        """The chat's choices, as the turn's load read them; a model Groq retired is forgotten
        here, so it is told once."""
        removed = ""
        if settings.model and await self._catalog.offers(settings.model) is False:
            removed, settings = settings.model, settings.changed(model="")
            await self._store.save(key, settings)
            logger.info("chat={} model {} is gone; back to the default", key.chat_id, removed)
        system = ChatMessage.system(settings.system) if settings.system else self._default_system
        return TurnSettings(
            system=system,
            model=settings.model or None,
            reasoning=settings.reasoning,
            effort=settings.effort,
            search=settings.search,
            removed_model=removed,
            budget=self._catalog.history_budget(
                settings.model or self._catalog.configured.chat, self._budget
            ),
        )

    async def forget_model(self, key: ChatKey, model: str) -> None:
        """Back to the default, if the chat chose `model`; a storage fault only delays it
        (the next turn finds the model gone and says so)."""
        try:
            settings = await self._store.load(key)
            if settings.model == model:
                await self._store.save(key, settings.changed(model=""))
        except StorageUnavailable as error:
            logger.warning("chat={} retired model not forgotten: {}", key.chat_id, error)


def with_speakers(messages: Sequence[ChatMessage]) -> list[ChatMessage]:
    """A group's dialog as the model reads it: each user message says who wrote it."""
    return [
        replace(m, content=f"{m.speaker}: {m.content}") if m.role is Role.USER and m.speaker else m
        for m in messages
    ]
