"""The DialogStore contract, run over every adapter: memory and a real Redis."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from bot.dialog.messages import ChatMessage
from bot.dialog.redis import RedisDialogStore
from bot.dialog.store import DialogKey, DialogStore, StorageUnavailable

KEY = DialogKey(bot_id=1, chat_id=100)
OTHER = DialogKey(bot_id=1, chat_id=200)


@pytest.fixture(params=["memory", "redis"])
def url(request: pytest.FixtureRequest) -> str:
    return "memory://" if request.param == "memory" else str(request.getfixturevalue("redis_url"))


@pytest.fixture
async def store(url: str) -> AsyncIterator[DialogStore]:
    store = DialogStore.from_url(url, max_messages=6, ttl_seconds=3600)
    yield store
    await store.clear(KEY)
    await store.clear(OTHER)
    await store.aclose()


def pair(n: int) -> list[ChatMessage]:
    return [ChatMessage.user(f"q{n}"), ChatMessage.assistant(f"a{n}")]


async def test_a_new_dialog_is_empty(store: DialogStore) -> None:
    assert await store.load(KEY) == []


async def test_append_then_load_keeps_order(store: DialogStore) -> None:
    await store.append(KEY, pair(1))
    await store.append(KEY, pair(2))
    assert await store.load(KEY) == [*pair(1), *pair(2)]


async def test_the_cap_keeps_the_newest(store: DialogStore) -> None:
    for n in range(5):
        await store.append(KEY, pair(n))
    assert await store.load(KEY) == [*pair(2), *pair(3), *pair(4)]


async def test_clear_forgets(store: DialogStore) -> None:
    await store.append(KEY, pair(1))
    await store.clear(KEY)
    assert await store.load(KEY) == []


async def test_chats_are_isolated(store: DialogStore) -> None:
    await store.append(KEY, pair(1))
    await store.append(OTHER, pair(2))
    await store.clear(OTHER)
    assert await store.load(KEY) == pair(1)
    assert await store.load(OTHER) == []


async def test_loaded_lists_are_copies(store: DialogStore) -> None:
    await store.append(KEY, pair(1))
    loaded = await store.load(KEY)
    loaded.append(ChatMessage.user("sneaky"))
    assert await store.load(KEY) == pair(1)


async def test_concurrent_appends_never_split_a_pair(store: DialogStore) -> None:
    await asyncio.gather(*(store.append(KEY, pair(n)) for n in range(3)))
    loaded = await store.load(KEY)
    assert len(loaded) == 6
    for user, assistant in zip(loaded[::2], loaded[1::2], strict=True):
        assert user.content[1:] == assistant.content[1:]


async def test_a_dialog_is_forgotten_a_ttl_after_its_last_write(url: str) -> None:
    store = DialogStore.from_url(url, max_messages=6, ttl_seconds=2)
    try:
        await store.append(KEY, pair(1))
        await asyncio.sleep(1.2)
        await store.append(KEY, pair(2))  # the whole dialog lives 2 s from here
        await asyncio.sleep(1.2)  # past the first write's 2 s
        assert await store.load(KEY) == [*pair(1), *pair(2)]
        await asyncio.sleep(1.0)  # past the second's
        assert await store.load(KEY) == []
    finally:
        await store.clear(KEY)
        await store.aclose()


async def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        DialogStore.from_url("mongodb://x", max_messages=4)


async def test_replace_last_swaps_the_last_answer(store: DialogStore) -> None:
    await store.append(KEY, [*pair(1), *pair(2)])
    await store.replace_last(KEY, 2, pair(3))
    assert await store.load(KEY) == [*pair(1), *pair(3)]
    await store.replace_last(OTHER, 2, pair(4))  # nothing to replace: just appends
    assert await store.load(OTHER) == pair(4)


async def test_redis_keys_are_versioned_json_with_a_ttl(redis_url: str) -> None:
    store = DialogStore.from_url(redis_url, max_messages=6, ttl_seconds=3600, prefix="t")
    assert isinstance(store, RedisDialogStore)
    await store.append(KEY, pair(1))
    name = "t:v1:dialog:100"
    assert 3500 < await store.redis.ttl(name) <= 3600
    raw = await store.redis.lrange(name, 0, -1)
    assert json.loads(raw[0]) == {"v": 1, "role": "user", "content": "q1"}
    await store.redis.rpush(name, json.dumps({"v": 99, "role": "user", "content": "?"}))
    assert await store.load(KEY) == pair(1)  # an unknown schema is skipped, not misread
    await store.aclose()


async def test_a_redis_that_is_down_is_unavailable() -> None:
    store = DialogStore.from_url("redis://127.0.0.1:9/0", max_messages=6)
    with pytest.raises(StorageUnavailable):
        await store.check()
    with pytest.raises(StorageUnavailable):
        await store.load(KEY)
    await store.aclose()
