"""The chat models Groq offers now, asked through the SDK and kept for a while.

Groq adds and retires models every month, so the list is never hard-coded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import groq
from groq import AsyncGroq
from loguru import logger

from bot.llm.errors import ModelError
from bot.llm.groq import map_error
from bot.llm.models import is_chat_model

CATALOG_TTL = 600.0  # seconds a fetched list is trusted


class ModelCatalog:
    """`GET /openai/v1/models`, filtered to chat models, refreshed at most every `ttl` s."""

    def __init__(
        self,
        client: AsyncGroq,
        *,
        ttl: float = CATALOG_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._models: list[str] = []
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def chat_models(self) -> list[str]:
        """Sorted model ids; raises `ModelError` when Groq cannot be asked and nothing is kept."""
        async with self._lock:
            now = self._clock()
            if self._fetched_at is not None and now - self._fetched_at < self._ttl:
                return list(self._models)
            try:
                listed = await self._client.models.list()
            except groq.GroqError as error:
                if self._fetched_at is None:
                    raise map_error(error) from error
                logger.warning("model list not refreshed: {}", map_error(error))
                return list(self._models)  # an old list beats none
            self._models = sorted(
                m.id
                for m in listed.data
                if is_chat_model(m.id) and getattr(m, "active", True) is not False
            )
            self._fetched_at = now
            return list(self._models)

    async def offers(self, model: str) -> bool | None:
        """Whether Groq offers the model now; None when it cannot be told (Groq down)."""
        try:
            return model in await self.chat_models()
        except ModelError:
            return None

    async def aclose(self) -> None:
        await self._client.close()
