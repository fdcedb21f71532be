"""The Redis DialogStore: dialogs that survive restarts and are shared by replicas.

One list per chat; every write is one MULTI/EXEC (append, cap, refresh the TTL), so
concurrent writers never interleave and a dialog never outgrows its cap. A turn's own read
and write go on the pipelines of bot/storage/redis/turns.py, with the rest of its step. The
client belongs to the backend (bot/storage/redis.py), which closes it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from loguru import logger
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from bot.core.chat import ChatKey
from bot.core.messages import ChatMessage, Role
from bot.storage.base import DialogStore
from bot.storage.redis.client import unavailable_on_error
from bot.storage.redis.fence import Writes
from bot.storage.redis.keys import RedisKeys

# Of one message's JSON; the key layout has its own (RedisKeys). v1 had no speaker, no time
# and no images (Telegram file ids, written only when a message has some).
SCHEMA_VERSION = 2
READABLE = (1, 2)


class RedisDialogStore(DialogStore):
    def __init__(
        self, redis: Redis, keys: RedisKeys, *, max_messages: int, ttl_seconds: int
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._max_messages = max_messages
        self._ttl = ttl_seconds

    async def load(self, key: ChatKey) -> list[ChatMessage]:
        with unavailable_on_error():
            raw: list[bytes | str] = await self._redis.lrange(self._keys.dialog(key), 0, -1)
        return self.decode(key, raw)

    def queue_load(self, pipe: Pipeline, key: ChatKey) -> None:
        """`load`'s read, on a pipeline that reads more (bot/storage/redis/turns.py)."""
        pipe.lrange(self._keys.dialog(key), 0, -1)

    def decode(self, key: ChatKey, raw: list[bytes | str]) -> list[ChatMessage]:
        """The list's items as messages; one of a schema this release cannot read is skipped."""
        messages = []
        for item in raw:
            value = json.loads(item)
            if value.get("v") not in READABLE:
                logger.warning("chat={} skipped a message of schema {}", key.chat_id, value["v"])
                continue
            messages.append(
                ChatMessage(
                    Role(value["role"]),
                    value["content"],
                    tuple(value.get("images", ())),
                    speaker=value.get("speaker", ""),
                    at=value.get("at", 0.0),
                )
            )
        return messages

    async def replace_last(
        self, key: ChatKey, count: int, messages: Sequence[ChatMessage]
    ) -> None:
        with unavailable_on_error():
            async with self._redis.pipeline(transaction=True) as pipe:
                self.queue_replace_last(pipe, key, count, messages)
                await pipe.execute()

    def queue_replace_last(
        self, pipe: Writes, key: ChatKey, count: int, messages: Sequence[ChatMessage]
    ) -> None:
        """`replace_last`'s writes, on a transaction or a fenced batch that writes more
        (turns.py)."""
        name = self._keys.dialog(key)
        if count:
            pipe.ltrim(name, 0, -(count + 1))
        if messages:
            pipe.rpush(name, *(_encode(m) for m in messages))
        pipe.ltrim(name, -self._max_messages, -1)
        pipe.expire(name, self._ttl)

    async def clear(self, key: ChatKey) -> None:
        with unavailable_on_error():
            await self._redis.delete(self._keys.dialog(key))


def _encode(message: ChatMessage) -> str:
    fields: dict[str, object] = {
        "v": SCHEMA_VERSION,
        "role": message.role.value,
        "content": message.content,
        "speaker": message.speaker,
        "at": message.at,
    }
    if message.images:
        fields["images"] = list(message.images)
    return json.dumps(fields, ensure_ascii=False)
