"""The Redis BudgetStore: one small key per model, read and written by every replica."""

from __future__ import annotations

from collections.abc import Callable

from redis.asyncio import Redis

from bot.scheduling.budget import BudgetStore, ModelBudget
from bot.storage.redis_errors import unavailable_on_error

KEEP_SECONDS = 86400  # a day's request limit is the longest horizon the figures have


class RedisBudgetStore(BudgetStore):
    def __init__(self, redis: Redis, key: Callable[[str], str]) -> None:
        self._redis = redis
        self._key = key  # RedisKeys.budget

    async def load(self, model: str) -> ModelBudget | None:
        with unavailable_on_error():
            raw = await self._redis.get(self._key(model))
        return ModelBudget.decode(raw) if raw is not None else None

    async def save(self, model: str, budget: ModelBudget) -> None:
        with unavailable_on_error():
            await self._redis.set(self._key(model), budget.encode(), ex=KEEP_SECONDS)
