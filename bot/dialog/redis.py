"""The Redis DialogStore: dialogs that survive restarts and are shared by replicas.

One list per chat; every write is one MULTI/EXEC (append, cap, refresh the TTL), so
concurrent writers never interleave and a dialog never outgrows its cap.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from loguru import logger
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.dialog.messages import ChatMessage, Role
from bot.dialog.store import DialogKey, DialogStore, StorageUnavailable

SCHEMA_VERSION = 1
T = TypeVar("T")


class RedisDialogStore(DialogStore):
    """Owns its client; aiogram's RedisStorage shares it (`redis`), so the bot has one pool."""

    def __init__(
        self, redis: Redis, *, max_messages: int, ttl_seconds: int, prefix: str = "groqbot"
    ) -> None:
        self.redis = redis
        self._max_messages = max_messages
        self._ttl = ttl_seconds
        self._prefix = prefix

    @classmethod
    def connect(
        cls, url: str, *, max_messages: int, ttl_seconds: int, prefix: str = "groqbot"
    ) -> RedisDialogStore:
        """A store with its own client for `url`; nothing is sent until the first call."""
        client = Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)
        return cls(client, max_messages=max_messages, ttl_seconds=ttl_seconds, prefix=prefix)

    def key(self, key: DialogKey) -> str:
        return f"{self._prefix}:v{SCHEMA_VERSION}:dialog:{key.chat_id}"

    async def check(self) -> None:
        await self._call(self.redis.ping)

    async def load(self, key: DialogKey) -> list[ChatMessage]:
        raw: list[bytes | str] = await self._call(lambda: self.redis.lrange(self.key(key), 0, -1))
        messages = []
        for item in raw:
            value = json.loads(item)
            if value.get("v") != SCHEMA_VERSION:
                logger.warning("chat={} skipped a message of schema {}", key.chat_id, value["v"])
                continue
            messages.append(ChatMessage(Role(value["role"]), value["content"]))
        return messages

    async def append(self, key: DialogKey, messages: Sequence[ChatMessage]) -> None:
        await self.replace_last(key, 0, messages)

    async def replace_last(
        self, key: DialogKey, count: int, messages: Sequence[ChatMessage]
    ) -> None:
        name = self.key(key)

        async def write() -> Any:
            async with self.redis.pipeline(transaction=True) as pipe:
                if count:
                    pipe.ltrim(name, 0, -(count + 1))
                if messages:
                    pipe.rpush(name, *(_encode(m) for m in messages))
                pipe.ltrim(name, -self._max_messages, -1)
                pipe.expire(name, self._ttl)
                return await pipe.execute()

        await self._call(write)

    async def clear(self, key: DialogKey) -> None:
        await self._call(lambda: self.redis.delete(self.key(key)))

    async def aclose(self) -> None:
        await self.redis.aclose(close_connection_pool=True)

    @staticmethod
    async def _call(operation: Callable[[], Awaitable[T]]) -> T:
        try:
            return await operation()
        except RedisError as error:
            raise StorageUnavailable(f"redis: {type(error).__name__}") from error


def _encode(message: ChatMessage) -> str:
    return json.dumps(
        {"v": SCHEMA_VERSION, "role": message.role.value, "content": message.content},
        ensure_ascii=False,
    )
