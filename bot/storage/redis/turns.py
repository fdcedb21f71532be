"""The Redis TurnStorage: a turn's load in one pipeline, its conclusion in one transaction.

The load reads the chat's settings (aiogram's FSM data, through its storage's own key builder
and JSON) and its history, and counts the turn's start (its inbox entry's attempts: a turn
whose process dies in it is not started forever); the conclusion commits the pair, counts the
day's tokens and crosses the turn off its durable inbox
(bot/storage/redis/inbox.py), its attempts with it, in one step: a crash or a lost connection
cannot fall between them, so a committed turn is not answered again after a restart. Under a
lease, that step is a fenced script (fence.py) that writes nothing once the lease is another's;
without one, a MULTI. The commands are the adapters' own (RedisDialogStore, RedisUsage),
queued on either.
"""

from __future__ import annotations

from typing import Any, cast

from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis

from bot.core.chat import ChatKey
from bot.core.turn import Turn
from bot.storage.base import Conclusion, LeaseLost, Loaded, TurnStorage
from bot.storage.redis.client import unavailable_on_error
from bot.storage.redis.dialog import RedisDialogStore
from bot.storage.redis.fence import Fence, FencedWrites, Writes
from bot.storage.redis.inbox import entry_id
from bot.storage.redis.keys import RedisKeys
from bot.storage.redis.usage import RedisUsage


class RedisTurnStorage(TurnStorage):
    def __init__(
        self,
        redis: Redis,
        keys: RedisKeys,
        *,
        dialogs: RedisDialogStore,
        usage: RedisUsage,
        fsm: RedisStorage,
        ttl_seconds: int,
    ) -> None:
        self._ttl = ttl_seconds
        self._redis = redis
        self._keys = keys
        self._dialogs = dialogs
        self._usage = usage
        self._fsm = fsm
        self._fence = Fence(redis)

    async def load(self, key: ChatKey, turn: Turn) -> Loaded:
        """The reads, and the turn's start counted in its inbox entry's attempts (a field no
        release before wrote: none is 0), in one round trip."""
        attempts = self._keys.attempts(key)
        with unavailable_on_error():
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.get(self._keys.chat_fsm(key, "data"))
                self._dialogs.queue_load(pipe, key)
                pipe.hincrby(attempts, entry_id(turn), 1)
                pipe.expire(attempts, self._ttl)  # the inbox's: both are HISTORY_TTL
                data, history, started, _ = await pipe.execute()
        history = self._dialogs.decode(key, history)
        return Loaded(self._fsm_data(data), history, int(started) - 1)

    async def conclude(self, key: ChatKey, conclusion: Conclusion) -> None:
        if conclusion.lease is not None:
            writes = FencedWrites()
            self._queue_end(writes, key, conclusion)
            with unavailable_on_error():
                held = await self._fence.write(self._keys.lease(key), conclusion.lease, writes)
            if not held:
                raise LeaseLost(key.scope)
            return
        with unavailable_on_error():
            async with self._redis.pipeline(transaction=True) as pipe:
                self._queue_end(pipe, key, conclusion)
                await pipe.execute()

    def _queue_end(self, writes: Writes, key: ChatKey, conclusion: Conclusion) -> None:
        turn, commit = conclusion.turn, conclusion.commit
        if commit is not None:
            self._dialogs.queue_replace_last(
                writes, key, commit.replaced, commit.messages, opens=commit.opens
            )
        self._usage.queue_count_turn(
            writes, turn.user_id, conclusion.tokens, conclusion.reserved, failed=conclusion.failed
        )
        writes.xdel(self._keys.inbox(key), entry_id(turn))
        writes.hdel(self._keys.attempts(key), entry_id(turn))

    def _fsm_data(self, value: bytes | str | None) -> dict[str, Any]:
        """As aiogram's RedisStorage.get_data reads the value."""
        if value is None:
            return {}
        text = value.decode("utf-8") if isinstance(value, bytes) else value
        return cast(dict[str, Any], self._fsm.json_loads(text))
