"""Bring a Redis written by an earlier release up to the current key layout, once, at start.

Layout 1 (before bot ids and forum topics) kept `<prefix>:v1:dialog:<chat_id>`,
`<prefix>:v1:inbox:<chat_id>` (streams of version-1 turns, which `Turn.decode` still reads),
the set `<prefix>:v1:inboxes`, and aiogram's FSM states under `<prefix>:fsm:<chat>:<chat>:state`.
They are renamed into layout 2 for this bot (docs/architecture.md, "Redis keys and schema
versions"). Leases and the control channel are not moved: stop the old release's replicas
before the new one starts.
"""

from __future__ import annotations

import asyncio
import re

from aiogram.fsm.storage.base import StorageKey
from loguru import logger
from redis.asyncio import Redis

from bot.core.chat import ChatKey
from bot.storage.redis.client import unavailable_on_error
from bot.storage.redis.keys import RedisKeys

_DONE, _RUNNING = b"done", b"running"


def _glob(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


async def migrate(redis: Redis, keys: RedisKeys, *, wait: float = 60.0) -> None:
    """One replica migrates while the others wait for it; a second start does nothing."""
    with unavailable_on_error():
        deadline = asyncio.get_running_loop().time() + wait
        while (state := await redis.get(keys.migration)) != _DONE:
            if state is None and await redis.set(keys.migration, _RUNNING, nx=True, ex=120):
                moved = await _from_layout_1(redis, keys)
                await redis.set(keys.migration, _DONE)
                if moved:
                    logger.info("storage: {} keys moved to the current layout", moved)
                return
            if asyncio.get_running_loop().time() > deadline:
                logger.warning("storage: another replica's migration did not finish; going on")
                return
            await asyncio.sleep(0.2)


async def _from_layout_1(redis: Redis, keys: RedisKeys) -> int:
    old = f"{keys.prefix}:v1"
    moved = 0
    for kind, new in (("dialog", keys.dialog), ("inbox", keys.inbox)):
        async for name in redis.scan_iter(match=f"{_glob(old)}:{kind}:*", count=500):
            chat = ChatKey(keys.bot_id, int(name.rsplit(b":", 1)[1]))
            moved += await redis.renamenx(name, new(chat))
    chats = await redis.smembers(f"{old}:inboxes")
    if chats:
        await redis.sadd(keys.inboxes, *(c.decode() if isinstance(c, bytes) else c for c in chats))
        await redis.delete(f"{old}:inboxes")
    fsm = f"{keys.prefix}:fsm:"
    async for name in redis.scan_iter(match=f"{_glob(fsm)}*:state", count=500):
        chat_id, user_id = name[len(fsm) :].split(b":")[:2]
        key = StorageKey(bot_id=keys.bot_id, chat_id=int(chat_id), user_id=int(user_id))
        moved += await redis.renamenx(name, keys.build(key, "state"))
    return moved
