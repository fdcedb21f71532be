"""The durable inbox: accepted turns written down until answered, so a crash loses none.

With Redis, a turn is appended to its chat's stream before the handler returns and deleted
once the turn is over; whichever replica holds the chat's lease reads the stream in order
(`after`). The stream entry id is the Telegram message id, so a message Telegram delivers twice
is taken once. A set names the chats whose streams may hold turns, so that a replica can find
the chats a dead one left behind without scanning the keyspace.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from bot.conversation.turn import Turn
from bot.dialog.store import DialogKey, StorageUnavailable


class TurnJournal(ABC):
    durable: bool
    """True when turns left unanswered at shutdown are answered after the restart."""

    @abstractmethod
    async def record(self, key: DialogKey, turn: Turn) -> int:
        """Write the turn down; how many of the chat's turns wait now, 0 for a redelivery."""

    @abstractmethod
    async def done(self, key: DialogKey, turns: Sequence[Turn]) -> None:
        """These turns are over (answered, failed with a notice, or dropped)."""

    @abstractmethod
    async def after(self, key: DialogKey, message_id: int) -> list[Turn]:
        """The chat's turns not done with a message id above `message_id`, oldest first."""

    @abstractmethod
    async def settle(self, key: DialogKey) -> int:
        """How many turns the chat has left; with none, it is no longer listed in `chats`."""

    @abstractmethod
    async def chats(self) -> list[DialogKey]:
        """The chats that may have turns left (a superset: `settle` prunes it)."""


class MemoryJournal(TurnJournal):
    """Memory mode: a restart forgets the inboxes anyway, so nothing is written down."""

    durable = False

    async def record(self, key: DialogKey, turn: Turn) -> int:
        return 1

    async def done(self, key: DialogKey, turns: Sequence[Turn]) -> None:
        return None

    async def after(self, key: DialogKey, message_id: int) -> list[Turn]:
        return []

    async def settle(self, key: DialogKey) -> int:
        return 0

    async def chats(self) -> list[DialogKey]:
        return []


class RedisJournal(TurnJournal):
    durable = True

    # Unlisted only while the stream is empty, atomically: a turn recorded meanwhile keeps it.
    _SETTLE = """
        local left = redis.call('XLEN', KEYS[1])
        if left == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end
        return left
    """

    def __init__(self, redis: Redis, *, bot_id: int, prefix: str, ttl_seconds: int) -> None:
        self._redis = redis
        self._bot_id = bot_id
        self._prefix = prefix
        self._ttl = ttl_seconds
        self._chats = f"{prefix}:v1:inboxes"
        self._settle = redis.register_script(self._SETTLE)

    def key(self, key: DialogKey) -> str:
        return f"{self._prefix}:v1:inbox:{key.chat_id}"

    async def record(self, key: DialogKey, turn: Turn) -> int:
        name = self.key(key)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.xadd(name, {"turn": _encode(turn)}, id=f"{turn.message_id}-1")
                pipe.expire(name, self._ttl)
                pipe.sadd(self._chats, key.chat_id)
                pipe.xlen(name)
                *_, waiting = await pipe.execute()
        except ResponseError as error:
            if "equal or smaller" in str(error):
                return 0  # this message id (or a later one) was taken already
            raise StorageUnavailable(f"redis: {error}") from error
        except RedisError as error:
            raise StorageUnavailable(f"redis: {type(error).__name__}") from error
        return int(waiting)

    async def done(self, key: DialogKey, turns: Sequence[Turn]) -> None:
        if not turns:
            return
        try:
            await self._redis.xdel(self.key(key), *(f"{t.message_id}-1" for t in turns))
        except RedisError as error:
            raise StorageUnavailable(f"redis: {type(error).__name__}") from error

    async def after(self, key: DialogKey, message_id: int) -> list[Turn]:
        try:
            entries = await self._redis.xrange(self.key(key), min=f"{message_id + 1}-0")
        except RedisError as error:
            raise StorageUnavailable(f"redis: {type(error).__name__}") from error
        return [_decode(fields[b"turn"]) for _, fields in entries or [] if fields]

    async def settle(self, key: DialogKey) -> int:
        try:
            left = await self._settle(keys=[self.key(key), self._chats], args=[key.chat_id])
        except RedisError as error:
            raise StorageUnavailable(f"redis: {type(error).__name__}") from error
        return int(left)

    async def chats(self) -> list[DialogKey]:
        try:
            members = await self._redis.smembers(self._chats)
        except RedisError as error:
            raise StorageUnavailable(f"redis: {type(error).__name__}") from error
        return [DialogKey(self._bot_id, int(m)) for m in members]


def _encode(turn: Turn) -> str:
    return json.dumps(
        {
            "chat_id": turn.chat_id,
            "user_id": turn.user_id,
            "message_id": turn.message_id,
            "text": turn.text,
            "language_code": turn.language_code,
            "private": turn.private,
            "retry": turn.retry,
        },
        ensure_ascii=False,
    )


def _decode(raw: bytes | str) -> Turn:
    return Turn(**json.loads(raw))
