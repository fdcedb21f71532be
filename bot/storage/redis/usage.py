"""The Redis UsageStore: every replica counts into the same per-day hashes.

`usage:<day>` maps user -> tokens, `turns:<day>` user -> turns (its size is the users
today), `stats:<day>` holds errors and 429s; each write is one pipeline, and the keys
expire two days after their day began. A quota's reservation is one script on the user's
field of `usage:<day>` (check and count in one step, so replicas share it), and the turn's
end replaces it with the real count, in its own transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from redis.asyncio import Redis

from bot.core.days import utc_day
from bot.storage.base import DayStats, Reserved, UsageStore
from bot.storage.redis.client import unavailable_on_error
from bot.storage.redis.fence import Writes

KEEP_SECONDS = 2 * 86400
# KEYS[1] the day's usage hash; ARGV: the user, the tokens, the quota, the seconds to keep it.
_RESERVE = """
    local used = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
    if used >= tonumber(ARGV[3]) then return 0 end
    redis.call('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
    redis.call('EXPIRE', KEYS[1], ARGV[4])
    return 1
"""


class RedisUsage(UsageStore):
    def __init__(self, redis: Redis, key: Callable[[str, str], str]) -> None:
        self._redis = redis
        self._key = key  # (kind, day) -> key: RedisKeys.usage
        self._reserve = redis.register_script(_RESERVE)

    async def tokens_today(self, user_id: int) -> int:
        with unavailable_on_error():
            value = await self._redis.hget(self._key("usage", utc_day()), str(user_id))
        return int(value or 0)

    async def reserve(self, user_id: int, tokens: int, *, quota: int) -> Reserved | None:
        day = utc_day()
        args: list[str | int] = [str(user_id), tokens, quota, KEEP_SECONDS]
        with unavailable_on_error():
            taken = await self._reserve(keys=[self._key("usage", day)], args=args)
        return Reserved(day, tokens) if taken else None

    async def correct(self, user_id: int, tokens: int, reserved: Sequence[Reserved]) -> None:
        with unavailable_on_error():
            async with self._redis.pipeline(transaction=True) as pipe:
                self._queue_tokens(pipe, str(user_id), tokens, reserved)
                await pipe.execute()

    def queue_count_turn(
        self,
        pipe: Writes,
        user_id: int,
        tokens: int,
        reserved: Sequence[Reserved],
        *,
        failed: bool,
    ) -> None:
        """A turn's end's writes, on its transaction (or fenced batch, turns.py): its tokens
        in place of its reservations, the turn, an error."""
        day, user = utc_day(), str(user_id)
        _add(pipe, self._key("turns", day), user, 1)
        self._queue_tokens(pipe, user, tokens, reserved)
        if failed:
            _add(pipe, self._key("stats", day), "errors", 1)

    def _queue_tokens(
        self, pipe: Writes, user: str, tokens: int, reserved: Sequence[Reserved]
    ) -> None:
        """Today gets the tokens; each reservation is taken back from its own day."""
        changes = {utc_day(): tokens}
        for taken in reserved:
            changes[taken.day] = changes.get(taken.day, 0) - taken.tokens
        for day, change in changes.items():
            if change:
                _add(pipe, self._key("usage", day), user, change)

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
