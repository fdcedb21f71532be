"""The Redis UsageStore: every replica counts into the same per-day hashes.

`usage:<day>` maps user -> tokens, `turns:<day>` user -> turns (its size is the users
today), `stats:<day>` holds errors and 429s; each write is one pipeline, and the keys
expire two days after their day began.
"""

from __future__ import annotations

from collections.abc import Callable

from redis.asyncio import Redis

from bot.core.days import utc_day
from bot.storage.base import DayStats, UsageStore
from bot.storage.redis.client import unavailable_on_error
from bot.storage.redis.fence import Writes

KEEP_SECONDS = 2 * 86400


class RedisUsage(UsageStore):
    def __init__(self, redis: Redis, key: Callable[[str, str], str]) -> None:
        self._redis = redis
        self._key = key  # (kind, day) -> key: RedisKeys.usage

    async def tokens_today(self, user_id: int) -> int:
        with unavailable_on_error():
            value = await self._redis.hget(self._key("usage", utc_day()), str(user_id))
        return int(value or 0)

    def queue_count_turn(self, pipe: Writes, user_id: int, tokens: int, *, failed: bool) -> None:
        """`count_turn`'s writes, on the transaction (or fenced batch) of a turn's end
        (turns.py)."""
        day, user = utc_day(), str(user_id)
        _add(pipe, self._key("turns", day), user, 1)
        if tokens:
            _add(pipe, self._key("usage", day), user, tokens)
        if failed:
            _add(pipe, self._key("stats", day), "errors", 1)

    async def count_tokens(self, user_id: int, tokens: int) -> None:
        with unavailable_on_error():
            async with self._redis.pipeline(transaction=False) as pipe:
                _add(pipe, self._key("usage", utc_day()), str(user_id), tokens)
                await pipe.execute()

    async def count_rate_limited(self) -> None:
        with unavailable_on_error():
            async with self._redis.pipeline(transaction=False) as pipe:
                _add(pipe, self._key("stats", utc_day()), "rate_limited", 1)
                await pipe.execute()

    async def today(self) -> DayStats:
        day = utc_day()
        with unavailable_on_error():
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.hvals(self._key("turns", day))
                pipe.hvals(self._key("usage", day))
                pipe.hgetall(self._key("stats", day))
                turns, tokens, stats = await pipe.execute()
        return DayStats(
            users=len(turns),
            turns=sum(int(v) for v in turns),
            tokens=sum(int(v) for v in tokens),
            errors=int(stats.get(b"errors", 0)),
            rate_limited=int(stats.get(b"rate_limited", 0)),
        )


def _add(pipe: Writes, key: str, field: str, amount: int) -> None:
    """A day's counter, kept two days: the one shape of every write here."""
    pipe.hincrby(key, field, amount)
    pipe.expire(key, KEEP_SECONDS)
