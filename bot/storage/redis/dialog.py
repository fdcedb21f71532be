"""The Redis DialogStore: dialogs that survive restarts and are shared by replicas.

One list per chat; every write is one MULTI/EXEC (append, cap, refresh the TTL), so
concurrent writers never interleave and a dialog never outgrows its cap. A turn's own read
and write go on the pipelines of bot/storage/redis/turns.py, with the rest of its step. The
client belongs to the backend (bot/storage/redis.py), which closes it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from loguru import logger
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from bot.core.chat import ChatKey
from bot.core.messages import ChatMessage, Role
from bot.storage.base import DialogInfo, DialogStore
from bot.storage.redis.client import unavailable_on_error
from bot.storage.redis.fence import Writes
from bot.storage.redis.keys import RedisKeys
from bot.storage.shelf import Facts, newest_first, over_the_limit, set_aside_id

CURRENT = ":current"  # the field of the dialogs' hash naming the current dialog

# Of one message's JSON; the key layout has its own (RedisKeys). v1 had no speaker, no time
# and no images (Telegram file ids, written only when a message has some).
SCHEMA_VERSION = 2
READABLE = (1, 2)


class RedisDialogStore(DialogStore):
    def __init__(
        self,
        redis: Redis,
        keys: RedisKeys,
        *,
        max_messages: int,
        ttl_seconds: int,
        max_dialogs: int = 50,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._max_messages = max_messages
        self._max_dialogs = max_dialogs
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
            message = _decode(item)
            if message is None:
                logger.warning("chat={} skipped a message of a newer schema", key.chat_id)
                continue
            messages.append(message)
        return messages

    async def replace_last(
        self, key: ChatKey, count: int, messages: Sequence[ChatMessage], *, opens: str = ""
    ) -> None:
        with unavailable_on_error():
            async with self._redis.pipeline(transaction=True) as pipe:
                self.queue_replace_last(pipe, key, count, messages, opens=opens)
                await pipe.execute()

    def queue_replace_last(
        self,
        pipe: Writes,
        key: ChatKey,
        count: int,
        messages: Sequence[ChatMessage],
        *,
        opens: str = "",
    ) -> None:
        """`replace_last`'s writes, on a transaction or a fenced batch that writes more
        (turns.py). A pair that opens a dialog makes its id the current one."""
        name, shelf = self._keys.dialog(key), self._keys.dialogs(key)
        if opens:
            pipe.delete(name)
            pipe.hset(shelf, CURRENT, opens)
            pipe.hset(shelf, opens, Facts().encode())
        if count:
            pipe.ltrim(name, 0, -(count + 1))
        if messages:
            pipe.rpush(name, *(_encode(m) for m in messages))
        pipe.ltrim(name, -self._max_messages, -1)
        pipe.expire(name, self._ttl)
        pipe.expire(shelf, self._ttl)  # the facts live as long as the newest dialog

    async def begin(self, key: ChatKey) -> None:
        with unavailable_on_error():
            shelf = await self._shelf(key)
            async with self._redis.pipeline(transaction=True) as pipe:
                self._queue_set_aside(pipe, key, shelf)
                await pipe.execute()

    async def dialogs(self, key: ChatKey) -> list[DialogInfo]:
        with unavailable_on_error():
            shelf = await self._shelf(key)
            if shelf.gone:  # expired dialogs' facts
                await self._redis.hdel(self._keys.dialogs(key), *shelf.gone)
        return newest_first(shelf.infos)

    async def resume(self, key: ChatKey, dialog_id: str) -> DialogInfo | None:
        with unavailable_on_error():
            shelf = await self._shelf(key)
            chosen = next((d for d in shelf.infos if d.id == dialog_id and not d.current), None)
            if chosen is None:
                return None
            async with self._redis.pipeline(transaction=True) as pipe:
                self._queue_set_aside(pipe, key, shelf, resumed=dialog_id)
                pipe.rename(self._keys.kept_dialog(key, dialog_id), self._keys.dialog(key))
                pipe.hset(self._keys.dialogs(key), CURRENT, dialog_id)
                await pipe.execute()
        return replace(chosen, current=True)

    async def rename(self, key: ChatKey, dialog_id: str, title: str) -> bool:
        with unavailable_on_error():
            shelf = await self._shelf(key)
            known = next((d for d in shelf.infos if d.id == dialog_id), None)
            if known is None:
                return False
            facts = Facts(title=title, earlier=known.earlier)
            await self._redis.hset(self._keys.dialogs(key), dialog_id, facts.encode())
        return True

    async def delete(self, key: ChatKey, dialog_id: str) -> bool:
        with unavailable_on_error():
            shelf = await self._shelf(key)
            async with self._redis.pipeline(transaction=True) as pipe:
                if dialog_id == shelf.current:
                    pipe.delete(self._keys.dialog(key))
                    pipe.hdel(self._keys.dialogs(key), CURRENT)
                else:
                    pipe.delete(self._keys.kept_dialog(key, dialog_id))
                pipe.hdel(self._keys.dialogs(key), dialog_id)
                deleted = (await pipe.execute())[0]
        return bool(deleted)

    async def _shelf(self, key: ChatKey) -> _Shelf:
        """Every dialog of the chat with its facts and its last message, in two round trips."""
        stored = await self._redis.hgetall(self._keys.dialogs(key))
        facts = {_text(name): value for name, value in stored.items()}
        current = _text(facts.pop(CURRENT, b""))
        ids = list(facts)
        async with self._redis.pipeline(transaction=False) as pipe:
            for name in [self._keys.dialog(key), *(self._keys.kept_dialog(key, i) for i in ids)]:
                pipe.lindex(name, -1)
                pipe.llen(name)
            found = await pipe.execute()
        shelf = _Shelf(current)
        for n, dialog_id in enumerate([current, *ids]):
            is_current = n == 0
            if dialog_id == current and not is_current:
                continue  # the current dialog's facts: its messages were read first
            last, length = found[2 * n], found[2 * n + 1]
            if not length:
                if not is_current:
                    shelf.gone.append(dialog_id)
                continue
            raw = facts.get(dialog_id)
            known = Facts.decode(raw) if raw else Facts(earlier=not dialog_id)
            message = _decode(last)
            shelf.infos.append(
                DialogInfo(
                    id=dialog_id,
                    title=known.title,
                    last_at=message.at if message else 0.0,
                    messages=int(length),
                    current=is_current,
                    earlier=known.earlier,
                )
            )
        return shelf

    def _queue_set_aside(
        self, pipe: Pipeline, key: ChatKey, shelf: _Shelf, *, resumed: str = ""
    ) -> None:
        """The current dialog joins the earlier ones (if it has messages); the oldest go, but
        never the one `resumed`."""
        names = self._keys.dialogs(key)
        current = next((d for d in shelf.infos if d.current), None)
        earlier = [d for d in shelf.infos if not d.current and d.id != resumed]
        if current is not None:
            aside = set_aside_id(current.id)
            pipe.rename(self._keys.dialog(key), self._keys.kept_dialog(key, aside))
            if aside != current.id:  # a history from before dialogs: its facts move too
                facts = Facts(title=current.title, earlier=current.earlier)
                pipe.hdel(names, current.id)
                pipe.hset(names, aside, facts.encode())
            # else its facts stay where they are: a title written since the read is kept
            earlier.append(replace(current, id=aside, current=False))
        elif shelf.current:
            pipe.hdel(names, shelf.current)
        pipe.hdel(names, CURRENT)
        for gone in over_the_limit(earlier, self._max_dialogs):
            pipe.delete(self._keys.kept_dialog(key, gone.id))
            pipe.hdel(names, gone.id)
        pipe.expire(names, self._ttl)


@dataclass(slots=True)
class _Shelf:
    current: str
    infos: list[DialogInfo] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)  # facts whose dialog expired


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _decode(item: bytes | str | None) -> ChatMessage | None:
    """One message, or None for a schema this release cannot read."""
    if item is None:
        return None
    value = json.loads(item)
    if value.get("v") not in READABLE:
        return None
    return ChatMessage(
        Role(value["role"]),
        value["content"],
        tuple(value.get("images", ())),
        speaker=value.get("speaker", ""),
        at=value.get("at", 0.0),
    )


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
