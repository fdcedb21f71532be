"""Chat leases: which replica drains a chat's durable inbox, so a chat is answered by one.

A lease is a Redis key set with NX and a TTL (PX), renewed while the replica works and deleted
when it has nothing left; a replica that dies stops renewing, and once the TTL runs out
another replica takes the chat over. Every acquisition gets its own token, so a release or a
renewal never touches a lease acquired later, even by the same process.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Mapping

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.dialog.store import DialogKey, StorageUnavailable

# Only the holder may touch its lease: compare the token, then act, in one step.
_RENEW = """
    if redis.call('GET', KEYS[1]) == ARGV[1] then
        return redis.call('PEXPIRE', KEYS[1], ARGV[2])
    end
    return 0
"""
_RELEASE = """
    if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
    return 0
"""


class ChatLeases:
    """Leases in Redis, under `<prefix>:v1:lease:<chat_id>`."""

    def __init__(self, redis: Redis, *, prefix: str, ttl_seconds: float) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl_ms = max(1, int(ttl_seconds * 1000))
        self.replica = uuid.uuid4().hex[:12]
        self._serial = itertools.count(1)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    @property
    def ttl(self) -> float:
        return self._ttl_ms / 1000

    def key(self, key: DialogKey) -> str:
        return f"{self._prefix}:v1:lease:{key.chat_id}"

    async def acquire(self, key: DialogKey) -> str | None:
        """The new lease's token, or None while another holder's lease runs."""
        token = f"{self.replica}:{next(self._serial)}"
        try:
            taken = await self._redis.set(self.key(key), token, nx=True, px=self._ttl_ms)
        except RedisError as error:
            raise StorageUnavailable(f"redis: {type(error).__name__}") from error
        return token if taken else None

    async def holder(self, key: DialogKey) -> str | None:
        """The replica id of the chat's lease holder, if the chat is leased now."""
        try:
            token = await self._redis.get(self.key(key))
        except RedisError as error:
            raise StorageUnavailable(f"redis: {type(error).__name__}") from error
        if token is None:
            return None
        text = token.decode() if isinstance(token, bytes) else str(token)
        return text.split(":", 1)[0]

    async def renew(self, held: Mapping[DialogKey, str]) -> list[DialogKey]:
        """Extend every lease held, in one round trip; returns the ones that were lost."""
        if not held:
            return []
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for key, token in held.items():
                    await self._renew(
                        keys=[self.key(key)], args=[token, self._ttl_ms], client=pipe
                    )
                renewed = await pipe.execute()
        except RedisError as error:
            raise StorageUnavailable(f"redis: {type(error).__name__}") from error
        return [key for key, ok in zip(held, renewed, strict=True) if not ok]

    async def release(self, key: DialogKey, token: str) -> None:
        try:
            await self._release(keys=[self.key(key)], args=[token])
        except RedisError as error:
            raise StorageUnavailable(f"redis: {type(error).__name__}") from error
