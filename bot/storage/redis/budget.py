"""The Redis BudgetStore: one small key per model, read and written by every replica."""

from __future__ import annotations

from collections.abc import Callable

from redis.asyncio import Redis

from bot.storage.base import BudgetStore
from bot.storage.redis.client import unavailable_on_error

KEEP_SECONDS = 86400  # a day's request limit is the longest horizon the figures have


class RedisBudgetStore(BudgetStore):
    def __init__(self, redis: Redis, key: Callable[[str], str]) -> None:
        self._redis = redis
        self._key = key  # RedisKeys.budget

    async def load(self, model: str) -> str | None:
        with unavailable_on_error():
            raw = await self._redis.get(self._key(model))
        return raw.decode() if isinstance(raw, bytes) else raw

    async def save(self, model: str, encoded: str) -> None:
        with unavailable_on_error():
            await self._redis.set(self._key(model), encoded, ex=KEEP_SECONDS)
