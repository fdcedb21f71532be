"""The durable inbox: accepted turns written down until answered, so a crash loses none.

With Redis, a turn is appended to its chat's stream before the handler returns and deleted
once the turn is over; at start-up what is left is answered, in order. The stream entry id is
the Telegram message id, so a message Telegram delivers twice is taken once.
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
    async def record(self, key: DialogKey, turn: Turn) -> bool:
        """Write the turn down; False when this message was recorded before (a redelivery)."""

    @abstractmethod
    async def done(self, key: DialogKey, turns: Sequence[Turn]) -> None:
        """These turns are over (answered, failed with a notice, or dropped)."""

    @abstractmethod
    async def pending(self) -> list[tuple[DialogKey, Turn]]:
        """Every turn recorded and not done, oldest first within each chat."""


class MemoryJournal(TurnJournal):
    """Memory mode: a restart forgets the inboxes anyway, so nothing is written down."""

    durable = False

    async def record(self, key: DialogKey, turn: Turn) -> bool:
        return True

    async def done(self, key: DialogKey, turns: Sequence[Turn]) -> None:
        return None

    async def pending(self) -> list[tuple[DialogKey, Turn]]:
        return []


class RedisJournal(TurnJournal):
    durable = True

    def __init__(self, redis: Redis, *, bot_id: int, prefix: str, ttl_seconds: int) -> None:
        self._redis = redis
        self._bot_id = bot_id
        self._prefix = prefix
        self._ttl = ttl_seconds

    def key(self, key: DialogKey) -> str:
        return f"{self._prefix}:v1:inbox:{key.chat_id}"

    async def record(self, key: DialogKey, turn: Turn) -> bool:
        name = self.key(key)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.xadd(name, {"turn": _encode(turn)}, id=f"{turn.message_id}-1")
                pipe.expire(name, self._ttl)
                await pipe.execute()
        except ResponseError as error:
            if "equal or smaller" in str(error):
                return False  # this message id (or a later one) was taken already
            raise StorageUnavailable(f"redis: {error}") from error
        except RedisError as error:
            raise StorageUnavailable(f"redis: {type(error).__name__}") from error
        return True

    async def done(self, key: DialogKey, turns: Sequence[Turn]) -> None:
        if not turns:
            return
        try:
            await self._redis.xdel(self.key(key), *(f"{t.message_id}-1" for t in turns))
        except RedisError as error:
            raise StorageUnavailable(f"redis: {type(error).__name__}") from error

    async def pending(self) -> list[tuple[DialogKey, Turn]]:
        found: list[tuple[DialogKey, Turn]] = []
        try:
            async for name in self._redis.scan_iter(match=f"{self._prefix}:v1:inbox:*"):
                chat_id = int(bytes(name).decode().rsplit(":", 1)[1])
                key = DialogKey(self._bot_id, chat_id)
                for _, fields in await self._redis.xrange(name) or []:
                    if fields:
                        found.append((key, _decode(fields[b"turn"])))
        except RedisError as error:
            raise StorageUnavailable(f"redis: {type(error).__name__}") from error
        return found


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
