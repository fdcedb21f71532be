"""The Redis RateLimiter: one count per user for all replicas, one round trip per message.

A sorted set per user holds the stamps of its admitted messages; a Lua script drops those
out of the window, counts, and adds the new one, atomically, so replicas never race.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from redis.asyncio import Redis

from bot.storage.base import RateLimiter
from bot.storage.redis.client import unavailable_on_error

# KEYS[1] the user's set; ARGV: now, window (seconds), limit, a unique member.
ADMIT = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
return 1
"""


class RedisRateLimiter(RateLimiter):
    """The clock is the replicas' wall clock (kept in step by NTP); injectable for tests."""

    def __init__(
        self,
        redis: Redis,
        key: Callable[[int], str],
        limit: int,
        window: float,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be at least 1 and window positive")
        self._key = key
        self._limit = limit
        self._window = window
        self._clock = clock
        self._admit = redis.register_script(ADMIT)  # EVALSHA, EVAL once if not cached

    async def admit(self, user_id: int) -> bool:
        now = self._clock()
        member = f"{now!r}:{os.urandom(6).hex()}"  # two messages in one instant count twice
        with unavailable_on_error():
            admitted = await self._admit(
                keys=[self._key(user_id)], args=[now, self._window, self._limit, member]
            )
        return bool(admitted)
