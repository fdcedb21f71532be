"""Chat leases: which replica drains a chat's durable inbox, so a chat is answered by one.

A lease is a Redis key set with NX and a TTL (PX), renewed while the replica works and deleted
when it has nothing left; a replica that dies stops renewing, and once the TTL runs out
another replica takes the chat over. Every acquisition gets its own token, so a release or a
renewal never touches a lease acquired later, even by the same process.

A lease is taken here (`acquire`, the sweep's way), or in the same step as the write that makes
it needed: `claim` hands out the key, a fresh token and the TTL, and the inbox's record
script sets it (inbox.py), so a new chat costs one round trip, not two.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Mapping

from redis.asyncio import Redis

from bot.core.chat import ChatKey
from bot.storage.inbox import LeaseClaim, Leases
from bot.storage.redis.client import unavailable_on_error
from bot.storage.redis.keys import RedisKeys

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


class RedisLeases(Leases):
    """Leases in Redis, under `RedisKeys.lease`."""

    def __init__(self, redis: Redis, keys: RedisKeys, *, ttl_seconds: float) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl_ms = max(1, int(ttl_seconds * 1000))
        self.replica = uuid.uuid4().hex[:12]
        self._serial = itertools.count(1)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    @property
    def ttl(self) -> float:
        return self._ttl_ms / 1000

    def claim(self, key: ChatKey) -> LeaseClaim:
        """A new acquisition of the chat's lease, not yet tried: its token is this one's alone."""
        token = f"{self.replica}:{next(self._serial)}"
        return LeaseClaim(self._keys.lease(key), token, self._ttl_ms)

    async def acquire(self, key: ChatKey) -> str | None:
        """The new lease's token, or None while another holder's lease runs."""
        claim = self.claim(key)
        with unavailable_on_error():
            taken = await self._redis.set(claim.key, claim.token, nx=True, px=claim.ttl_ms)
        return claim.token if taken else None

    async def holder(self, key: ChatKey) -> str | None:
        """The replica id of the chat's lease holder, if the chat is leased now."""
        with unavailable_on_error():
            token = await self._redis.get(self._keys.lease(key))
        if token is None:
            return None
        text = token.decode() if isinstance(token, bytes) else str(token)
        return text.split(":", 1)[0]

    async def renew(self, held: Mapping[ChatKey, str]) -> list[ChatKey]:
        """Extend every lease held, in one round trip; returns the ones that were lost."""
        if not held:
            return []
        with unavailable_on_error():
            async with self._redis.pipeline(transaction=False) as pipe:
                for key, token in held.items():
                    await self._renew(
                        keys=[self._keys.lease(key)], args=[token, self._ttl_ms], client=pipe
                    )
                renewed = await pipe.execute()
        return [key for key, ok in zip(held, renewed, strict=True) if not ok]

    async def release(self, key: ChatKey, token: str) -> None:
        with unavailable_on_error():
            await self._release(keys=[self._keys.lease(key)], args=[token])
