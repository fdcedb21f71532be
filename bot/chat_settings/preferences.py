"""What a chat's settings meet in Groq's catalog at each turn: a model Groq no longer offers
is forgotten (and the chat told once), and the history's budget fits the chat's model."""

from __future__ import annotations

from loguru import logger

from bot.chat_settings.model import ChatSettingsStore
from bot.core.chat import ChatKey
from bot.core.chat_settings import ChatSettings
from bot.core.errors import StorageUnavailable
from bot.core.trimming import Budget
from bot.llm.catalog import ModelCatalog


class ChatPreferences:
    """The settings store, the model catalog and the bot's budget, for the turn's prompt."""

    def __init__(self, store: ChatSettingsStore, catalog: ModelCatalog, budget: Budget) -> None:
        self._store = store
        self._catalog = catalog
        self._budget = budget

    async def for_turn(self, key: ChatKey, settings: ChatSettings) -> tuple[ChatSettings, str]:
        """The chat's settings as the turn's load read them, and the chat's model Groq no
        longer offers ("" when none): forgotten here, so it is told once."""
        if not settings.model or await self._catalog.offers(settings.model) is not False:
            return settings, ""
        removed, settings = settings.model, settings.changed(model="")
        await self._store.save(key, settings)
        logger.info("chat={} model {} is gone; back to the default", key.chat_id, removed)
        return settings, removed

    def budget(self, settings: ChatSettings) -> Budget:
        """The history's: HISTORY_MAX_TOKENS/_MESSAGES, or less for a small context window."""
        return self._catalog.history_budget(
            settings.model or self._catalog.configured.chat, self._budget
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
