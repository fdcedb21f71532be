"""The Redis RetiredModels: one set every replica adds to and reads."""

from __future__ import annotations

from redis.asyncio import Redis

from bot.storage.base import RetiredModels
from bot.storage.redis.client import unavailable_on_error

# Groq never serves a retired id again; a week bounds a mistake (a key that lost access).
KEEP_SECONDS = 7 * 86400


class RedisRetiredModels(RetiredModels):
    def __init__(self, redis: Redis, key: str) -> None:
        self._redis = redis
        self._key = key  # RedisKeys.retired_models

    async def add(self, model: str) -> bool:
        with unavailable_on_error():
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.sadd(self._key, model)
                pipe.expire(self._key, KEEP_SECONDS)
                added, _ = await pipe.execute()
        return bool(added)

    async def all(self) -> frozenset[str]:
        with unavailable_on_error():
            members = await self._redis.smembers(self._key)
        return frozenset(m.decode() if isinstance(m, bytes) else str(m) for m in members)
