"""The durable inbox: accepted turns written down until answered, so a crash loses none.

A turn is appended to its chat's stream before the handler returns and deleted once the turn
is over; whichever replica holds the chat's lease reads the stream in order (`after`). The
entry id is the Telegram message id, so a message Telegram delivers twice is taken once. A set
names the chats whose streams may hold turns, so a replica finds the chats a dead one left
behind without scanning the keyspace.
"""

from __future__ import annotations

from collections.abc import Sequence

from redis.asyncio import Redis
from redis.exceptions import ResponseError

from bot.domain import ChatKey, Turn
from bot.storage.redis_errors import unavailable_on_error
from bot.storage.redis_keys import RedisKeys

# Unlisted only while the stream is empty, atomically: a turn recorded meanwhile keeps it.
_SETTLE = """
    local left = redis.call('XLEN', KEYS[1])
    if left == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end
    return left
"""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _entry(turn: Turn) -> str:
    return f"{turn.message_id}-1"


class TurnJournal:
    def __init__(self, redis: Redis, keys: RedisKeys, *, ttl_seconds: int) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl = ttl_seconds
        self._settle = redis.register_script(_SETTLE)

    async def record(self, key: ChatKey, turn: Turn) -> int:
        """Write the turn down; how many of the chat's turns wait now, 0 for a redelivery."""
        name = self._keys.inbox(key)
        with unavailable_on_error():
            try:
                async with self._redis.pipeline(transaction=True) as pipe:
                    pipe.xadd(name, {"turn": turn.encode()}, id=_entry(turn))
                    pipe.expire(name, self._ttl)
                    pipe.sadd(self._keys.inboxes, key.scope)
                    pipe.xlen(name)
                    *_, waiting = await pipe.execute()
            except ResponseError as error:
                if "equal or smaller" not in str(error):
                    raise
                return 0  # this message id (or a later one) was taken already
        return int(waiting)

    async def done(self, key: ChatKey, turns: Sequence[Turn]) -> None:
        """These turns are over (answered, failed with a notice, or dropped)."""
        if turns:
            with unavailable_on_error():
                await self._redis.xdel(self._keys.inbox(key), *(_entry(t) for t in turns))

    async def after(self, key: ChatKey, message_id: int) -> list[Turn]:
        """The chat's turns not done with a message id above `message_id`, oldest first."""
        with unavailable_on_error():
            entries = await self._redis.xrange(self._keys.inbox(key), min=f"{message_id + 1}-0")
        return [Turn.decode(fields[b"turn"]) for _, fields in entries or [] if fields]

    async def settle(self, key: ChatKey) -> int:
        """How many turns the chat has left; with none, it is no longer listed in `chats`."""
        with unavailable_on_error():
            left = await self._settle(
                keys=[self._keys.inbox(key), self._keys.inboxes], args=[key.scope]
            )
        return int(left)

    async def chats(self) -> list[ChatKey]:
        """The chats that may have turns left (a superset: `settle` prunes it)."""
        with unavailable_on_error():
            members = await self._redis.smembers(self._keys.inboxes)
        return [ChatKey.from_scope(self._keys.bot_id, _text(m)) for m in members]
